import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  newMSNewReplicas,
  planOnDelete,
  planRollingUpdate,
  planScale,
  type PlanMachineDeployment,
  type PlanMachineSet,
} from './rollout-planner.js';

const md = (
  replicas: number,
  strategy: { type?: string; maxSurge?: number | string; maxUnavailable?: number | string } = {},
): PlanMachineDeployment => ({
  spec: {
    replicas,
    rollout: {
      strategy: {
        type: strategy.type ?? 'RollingUpdate',
        rollingUpdate: { maxSurge: strategy.maxSurge ?? 1, maxUnavailable: strategy.maxUnavailable ?? 0 },
      },
    },
  },
});

let seq = 0;
const ms = (
  name: string,
  spec: number,
  status: { replicas?: number; available?: number } = {},
  annotations?: Record<string, string>,
): PlanMachineSet => ({
  metadata: {
    name,
    creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, ++seq)).toISOString(),
    ...(annotations ? { annotations } : {}),
  },
  spec: { replicas: spec },
  status: {
    replicas: status.replicas ?? spec,
    availableReplicas: status.available ?? status.replicas ?? spec,
  },
});

/**
 * Runs the planner against MachineSets whose controller converges at once (every Machine it creates is
 * available right away), as upstream's rollout sequence tests do; returns the spec.replicas after each step.
 */
function simulateRollingUpdate(
  deployment: PlanMachineDeployment,
  oldReplicas: number,
): { steps: [number, number][]; maxTotal: number; minAvailable: number } {
  const oldMS = ms('ms1', oldReplicas);
  const newMS = ms('ms2', 0);
  const steps: [number, number][] = [];
  let maxTotal = 0;
  let minAvailable = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 100; i++) {
    const plan = planRollingUpdate(deployment, newMS, [oldMS]);
    for (const m of [oldMS, newMS]) {
      const intent = plan.scaleIntents.get(m.metadata.name!);
      if (intent !== undefined) m.spec!.replicas = intent;
    }
    if (plan.scaleIntents.size === 0) break;
    steps.push([oldMS.spec!.replicas!, newMS.spec!.replicas!]);
    // The MachineSet controller: deletes first (Machines go at once), then creates (available at once).
    for (const m of [oldMS, newMS]) {
      m.status = { replicas: m.spec!.replicas, availableReplicas: m.spec!.replicas };
    }
    maxTotal = Math.max(maxTotal, oldMS.status!.replicas! + newMS.status!.replicas!);
    minAvailable = Math.min(
      minAvailable,
      oldMS.status!.availableReplicas! + newMS.status!.availableReplicas!,
    );
  }
  return { steps, maxTotal, minAvailable };
}

describe('rolling update planner', () => {
  it('3 replicas, maxSurge 1, maxUnavailable 0: one new Machine, then one old one goes (upstream golden sequence)', () => {
    const { steps } = simulateRollingUpdate(md(3), 3);
    assert.deepEqual(steps, [
      [3, 1],
      [2, 1],
      [2, 2],
      [1, 2],
      [1, 3],
      [0, 3],
    ]);
  });

  it('3 replicas, maxSurge 0, maxUnavailable 1: an old Machine goes before a new one comes', () => {
    const { steps } = simulateRollingUpdate(md(3, { maxSurge: 0, maxUnavailable: 1 }), 3);
    assert.deepEqual(steps, [
      [2, 0],
      [2, 1],
      [1, 1],
      [1, 2],
      [0, 2],
      [0, 3],
    ]);
  });

  it('stays within maxSurge and maxUnavailable and completes, for many limits', () => {
    for (const replicas of [1, 3, 6, 12]) {
      for (const [surge, unavailable] of [
        [1, 0],
        [0, 1],
        [3, 1],
        [10, 0],
        [0, 10],
        ['25%', '25%'],
        ['50%', 0],
      ] as const) {
        const deployment = md(replicas, { maxSurge: surge, maxUnavailable: unavailable });
        const { steps, maxTotal, minAvailable } = simulateRollingUpdate(deployment, replicas);
        const what = `${replicas} replicas, maxSurge ${surge}, maxUnavailable ${unavailable}`;
        const surgeN = typeof surge === 'number' ? surge : Math.ceil((parseInt(surge) * replicas) / 100);
        let unavailableN =
          typeof unavailable === 'number'
            ? unavailable
            : Math.floor((parseInt(unavailable) * replicas) / 100);
        if (surgeN === 0 && unavailableN === 0) unavailableN = 1;
        assert.deepEqual(steps.at(-1), [0, replicas], what);
        assert.ok(maxTotal <= replicas + surgeN, `${what}: ${maxTotal} Machines`);
        assert.ok(
          minAvailable >= Math.max(replicas - Math.min(unavailableN, replicas), 0),
          `${what}: ${minAvailable} available`,
        );
      }
    }
  });

  it('does not scale old MachineSets down while new Machines are unavailable', () => {
    const oldMS = ms('old', 3);
    const newMS = ms('new', 1, { replicas: 1, available: 0 });
    const plan = planRollingUpdate(md(3), newMS, [oldMS]);
    assert.equal(plan.scaleIntents.has('old'), false);
    assert.equal(plan.scaleIntents.has('new'), false);
  });

  it('removes unavailable old replicas first, never counting on which Machine goes', () => {
    // 3 old (1 unavailable), 1 new available: deleting one old Machine might hit an available one, so wait...
    const oldMS = ms('old', 3, { replicas: 3, available: 2 });
    const newMS = ms('new', 1);
    const plan = planRollingUpdate(md(3), newMS, [oldMS]);
    // ...and the deadlock breaker takes one anyway, since nothing else can move.
    assert.equal(plan.scaleIntents.get('old'), 2);
    assert.deepEqual(plan.notes.get('new'), [
      'scaling down by 1 to unblock rollout stuck due to unavailable Machine on oldMS',
    ]);
  });

  it('scales the oldest old MachineSet down first', () => {
    const oldest = ms('oldest', 2);
    const older = ms('older', 2);
    const newMS = ms('new', 2);
    // 6 available, at least 3 must stay: 3 may go, both of the oldest first.
    const plan = planRollingUpdate(md(4, { maxSurge: 0, maxUnavailable: 1 }), newMS, [older, oldest]);
    assert.equal(plan.scaleIntents.get('oldest'), 0);
    assert.equal(plan.scaleIntents.get('older'), 1);
  });

  it('follows a scale down of the MachineDeployment on the current MachineSet at once', () => {
    const newMS = ms('new', 5);
    const plan = planRollingUpdate(md(2), newMS, []);
    assert.equal(plan.scaleIntents.get('new'), 2);
  });

  it('computes the new MachineSet size within spec.replicas + maxSurge', () => {
    assert.deepEqual(newMSNewReplicas(md(3), [ms('a', 3), ms('b', 0)], 0), {
      replicas: 1,
      note: '3 current Machines < 3 MachineDeployment spec.replicas + 1 maxSurge',
    });
    assert.deepEqual(newMSNewReplicas(md(3), [ms('a', 3), ms('b', 1)], 1), {
      replicas: 1,
      note: '4 current Machines >= 3 MachineDeployment spec.replicas + 1 maxSurge',
    });
    assert.deepEqual(newMSNewReplicas(md(3, { type: 'OnDelete' }), [ms('a', 2), ms('b', 0)], 0), {
      replicas: 1,
      note: '2 current Machines < 3 MachineDeployment spec.replicas',
    });
  });
});

describe('OnDelete planner', () => {
  it('grows the current MachineSet only as old Machines are deleted', () => {
    const oldMS = ms('old', 3);
    const newMS = ms('new', 0);
    const d = md(3, { type: 'OnDelete' });
    assert.equal(planOnDelete(d, newMS, [oldMS]).scaleIntents.size, 0);
    // A user deletes one old Machine.
    oldMS.status = { replicas: 2, availableReplicas: 2 };
    const plan = planOnDelete(d, newMS, [oldMS]);
    assert.equal(plan.scaleIntents.get('old'), 2);
    // The new MachineSet grows once the old one has given the replica up.
    oldMS.spec!.replicas = 2;
    assert.equal(planOnDelete(d, newMS, [oldMS]).scaleIntents.get('new'), 1);
  });

  it('takes a scale down of the MachineDeployment from the oldest old MachineSet', () => {
    const oldest = ms('oldest', 2);
    const older = ms('older', 2);
    const newMS = ms('new', 1);
    const plan = planOnDelete(md(3, { type: 'OnDelete' }), newMS, [older, oldest]);
    assert.equal(plan.scaleIntents.get('oldest'), 0);
    assert.equal(plan.scaleIntents.has('older'), false);
    assert.equal(plan.scaleIntents.has('new'), false);
  });

  it('combines dropping deleted replicas and a scale down in one step', () => {
    const oldMS = ms('old', 3, { replicas: 2 });
    const newMS = ms('new', 0);
    const plan = planOnDelete(md(1, { type: 'OnDelete' }), newMS, [oldMS]);
    assert.equal(plan.scaleIntents.get('old'), 1);
  });
});

describe('scaling while paused', () => {
  it('resizes the only active MachineSet', () => {
    const plan = planScale(md(5), ms('new', 3), [ms('old', 0)]);
    assert.deepEqual([...plan.scaleIntents], [['new', 5]]);
  });

  it('spreads a resize over several active MachineSets, larger first, within replicas + maxSurge', () => {
    const annotations = { 'machinedeployment.clusters.x-k8s.io/max-replicas': '4' };
    const oldMS = ms('old', 3, {}, annotations);
    const newMS = ms('new', 1, {}, annotations);
    const plan = planScale(md(7), newMS, [oldMS]);
    const total = (plan.scaleIntents.get('old') ?? 3) + (plan.scaleIntents.get('new') ?? 1);
    assert.equal(total, 8);
    assert.equal(plan.scaleIntents.get('old'), 6);
    assert.equal(plan.scaleIntents.get('new'), 2);
  });

  it('scales old MachineSets to 0 when the current one is saturated', () => {
    const newMS = ms('new', 3, {}, { 'machinedeployment.clusters.x-k8s.io/desired-replicas': '3' });
    const plan = planScale(md(3), newMS, [ms('old', 1)]);
    assert.deepEqual([...plan.scaleIntents], [['old', 0]]);
  });
});
