import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import {
  deletePriorityFunc,
  isMachineHealthy,
  machinesToDeletePrioritized,
  newestDeletionOrder,
  oldestDeletionOrder,
  randomDeletionOrder,
  sortMachinesToRemediate,
} from './machine-set-delete-policy.js';

const NOW = Date.parse('2026-01-10T00:00:00Z');
const DAY = 86_400_000;

function machine(
  name: string,
  o: {
    ageDays?: number;
    node?: boolean;
    deleting?: boolean;
    annotations?: Record<string, string>;
    conditions?: [string, 'True' | 'False' | 'Unknown'][];
  } = {},
): Stored<Machine> {
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Machine',
    metadata: {
      name,
      namespace: 'ns',
      creationTimestamp: new Date(NOW - (o.ageDays ?? 1) * DAY).toISOString(),
      ...(o.deleting ? { deletionTimestamp: new Date(NOW).toISOString() } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      clusterName: 'c',
      bootstrap: {},
      infrastructureRef: { apiGroup: 'x', kind: 'X', name },
    },
    status: {
      ...((o.node ?? true) ? { nodeRef: { name } } : {}),
      conditions: (o.conditions ?? []).map(([type, status]) => ({
        type,
        status,
        reason: 'R',
        message: '',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      })),
    },
  };
}

const names = (ms: Stored<Machine>[]): string[] => ms.map((m) => m.metadata.name ?? '');

const withOrder = (order?: 'Random' | 'Newest' | 'Oldest') =>
  ({
    metadata: { name: 'ms' },
    spec: {
      clusterName: 'c',
      selector: {},
      template: { spec: {} },
      ...(order ? { deletion: { order } } : {}),
    },
  }) as unknown as Stored<MachineSet>;

describe('MachineSet delete priority', () => {
  it('puts deleting Machines first, then delete-machine, in-place updating, unhealthy, then the order', () => {
    const machines = [
      machine('a-healthy-old', { ageDays: 30 }),
      machine('b-no-node', { node: false }),
      machine('c-annotated', { annotations: { 'cluster.x-k8s.io/delete-machine': 'yes' } }),
      machine('d-deleting', { deleting: true }),
      machine('e-node-unhealthy', { conditions: [['NodeHealthy', 'False']] }),
      machine('f-mhc-failed', { conditions: [['HealthCheckSucceeded', 'False']] }),
      machine('g-updating', {
        annotations: { 'in-place-updates.internal.cluster.x-k8s.io/update-in-progress': '' },
      }),
      machine('h-healthy-new', { ageDays: 0.1 }),
    ];
    for (const order of [oldestDeletionOrder, newestDeletionOrder, randomDeletionOrder]) {
      const chosen = names(machinesToDeletePrioritized(machines, 6, order, NOW));
      assert.deepEqual(chosen, [
        'd-deleting',
        'c-annotated',
        'g-updating',
        'b-no-node',
        'e-node-unhealthy',
        'f-mhc-failed',
      ]);
    }
  });

  it('Oldest deletes the oldest healthy Machines, Newest the newest, Random goes by name', () => {
    const machines = [
      machine('m-b', { ageDays: 5 }),
      machine('m-c', { ageDays: 1 }),
      machine('m-a', { ageDays: 20 }),
    ];
    assert.deepEqual(
      names(machinesToDeletePrioritized(machines, 2, deletePriorityFunc(withOrder('Oldest')), NOW)),
      ['m-a', 'm-b'],
    );
    assert.deepEqual(
      names(machinesToDeletePrioritized(machines, 2, deletePriorityFunc(withOrder('Newest')), NOW)),
      ['m-c', 'm-b'],
    );
    // Random (also the default) scores every healthy Machine alike: the name breaks the tie, so the choice is stable.
    for (const ms of [withOrder('Random'), withOrder()])
      assert.deepEqual(names(machinesToDeletePrioritized(machines, 2, deletePriorityFunc(ms), NOW)), [
        'm-a',
        'm-b',
      ]);
  });

  it('scores by upstream numbers: age maps onto 0..50, unhealthy 50, annotation 80, deleting 100', () => {
    assert.equal(oldestDeletionOrder(machine('x', { deleting: true }), NOW), 100);
    assert.equal(
      randomDeletionOrder(machine('x', { annotations: { 'cluster.x-k8s.io/delete-machine': '' } }), NOW),
      80,
    );
    assert.equal(newestDeletionOrder(machine('x', { node: false }), NOW), 50);
    assert.equal(randomDeletionOrder(machine('x'), NOW), 20);
    const tenDays = oldestDeletionOrder(machine('x', { ageDays: 10 }), NOW);
    assert.ok(Math.abs(tenDays - 50 * (1 - Math.exp(-1))) < 1e-9, String(tenDays));
    assert.ok(Math.abs(newestDeletionOrder(machine('x', { ageDays: 10 }), NOW) - (50 - tenDays)) < 1e-9);
    // Created in the future (clock skew): never first.
    assert.equal(oldestDeletionOrder(machine('x', { ageDays: -1 }), NOW), 0);
  });

  it('returns nothing for 0 and everything when asked for more than there are', () => {
    const machines = [machine('a'), machine('b')];
    assert.deepEqual(machinesToDeletePrioritized(machines, 0, randomDeletionOrder, NOW), []);
    assert.deepEqual(names(machinesToDeletePrioritized(machines, 5, randomDeletionOrder, NOW)), ['a', 'b']);
  });

  it('rejects an unknown order', () => {
    assert.throws(
      () => deletePriorityFunc(withOrder('Sideways' as 'Random')),
      /Unsupported deletion order Sideways/,
    );
  });

  it('treats Unknown health as healthy and False as unhealthy', () => {
    assert.equal(isMachineHealthy(machine('a', { conditions: [['NodeHealthy', 'Unknown']] })), true);
    assert.equal(isMachineHealthy(machine('a', { conditions: [['HealthCheckSucceeded', 'Unknown']] })), true);
    assert.equal(isMachineHealthy(machine('a', { conditions: [['HealthCheckSucceeded', 'False']] })), false);
    assert.equal(isMachineHealthy(machine('a', { node: false })), false);
  });

  it('remediates Machines with the remediate-machine annotation first, then newest first', () => {
    const sorted = sortMachinesToRemediate([
      machine('old', { ageDays: 9 }),
      machine('new', { ageDays: 1 }),
      machine('marked', { ageDays: 20, annotations: { 'cluster.x-k8s.io/remediate-machine': '' } }),
      machine('new-b', { ageDays: 1 }),
    ]);
    assert.deepEqual(names(sorted), ['marked', 'new', 'new-b', 'old']);
  });
});
