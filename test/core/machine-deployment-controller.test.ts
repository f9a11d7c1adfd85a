// The MachineDeployment controller against the embedded API server. The MachineSet controller is not part of
// this test: `fakeMachineSetController` stands in for it (one Machine per replica, created or deleted a tick
// after spec.replicas changes, the MachineSet status following the Machines a tick later), so rollouts move.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject, TypeRef } from '../../src/controller-runtime/api/object.js';
import { setupMachineDeploymentController } from '../../src/core/reconcilers/machine-deployment/setup.js';
import {
  CLUSTER,
  condition,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';

const MD: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment' };
const MS: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet' };
const DEV_MACHINE_TEMPLATE: TypeRef = {
  apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
  kind: 'DevMachineTemplate',
};

const HASH_LABEL = 'machine-template-hash';
const DEPLOYMENT_NAME = 'cluster.x-k8s.io/deployment-name';
const CLUSTER_NAME = 'cluster.x-k8s.io/cluster-name';
const REVISION = 'machinedeployment.clusters.x-k8s.io/revision';
const DISABLE_CREATE = 'cluster.x-k8s.io/disable-machine-create';
const RANDOM = '[bcdfghjklmnpqrstvwxz2456789]{5}';

type MachineSetObj = Obj & {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: Record<string, unknown>;
    };
  };
  status?: Obj['status'] & { replicas?: number; availableReplicas?: number; upToDateReplicas?: number };
};

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const rand = () => [...randomBytes(5)].map((b) => 'bcdfghjklmnpqrstvwxz2456789'[b % 27]).join('');
const controllerUid = (o: KubeObject) => o.metadata.ownerReferences?.find((r) => r.controller)?.uid;

/**
 * A minimal MachineSet controller: each tick it first reports the Machines it saw (replicas, ready and
 * available = Machines, upToDate = Machines whose UpToDate condition is True, observedGeneration), then creates
 * or deletes Machines towards spec.replicas (never creating when `disable-machine-create` is "true").
 */
function fakeMachineSetController(h: Harness, namespace: string, tickMs = 100): { stop(): Promise<void> } {
  let stopped = false;
  const tick = async () => {
    const mss = (await h.client.list<MachineSetObj>(MS, { namespace })).items;
    const machines = (await h.client.list<Obj>(MACHINE, { namespace })).items;
    const uids = new Set(mss.map((ms) => ms.metadata.uid));
    for (const m of machines)
      if (!uids.has(controllerUid(m)) && !m.metadata.deletionTimestamp)
        await h.client.delete(m).catch(() => undefined);
    for (const ms of mss) {
      const owned = machines
        .filter((m) => controllerUid(m) === ms.metadata.uid && !m.metadata.deletionTimestamp)
        .sort((a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
        );
      const n = owned.length;
      const status = {
        replicas: n,
        readyReplicas: n,
        availableReplicas: n,
        upToDateReplicas: owned.filter((m) => condition(m, 'UpToDate')?.status === 'True').length,
        observedGeneration: ms.metadata.generation,
      };
      const current = ms.status ?? {};
      if (Object.entries(status).some(([k, v]) => (current as Record<string, unknown>)[k] !== v))
        await h.client.patchStatus(ms, { type: 'merge', data: { status } }).catch(() => undefined);
      if (ms.metadata.deletionTimestamp) continue;
      const desired = ms.spec.replicas ?? 0;
      for (const m of owned.slice(0, Math.max(n - desired, 0)))
        await h.client.delete(m).catch(() => undefined);
      if (ms.metadata.annotations?.[DISABLE_CREATE] === 'true') continue;
      for (let i = n; i < desired; i++) await createMachine(h, ms);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await tick().catch(() => undefined);
      await sleep(tickMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function createMachine(h: Harness, ms: MachineSetObj): Promise<void> {
  const template = ms.spec.template;
  const machine = await h.client.create<Obj>({
    apiVersion: MACHINE.apiVersion,
    kind: 'Machine',
    metadata: {
      name: `${ms.metadata.name}-${rand()}`,
      namespace: ms.metadata.namespace,
      labels: {
        ...template.metadata?.labels,
        'cluster.x-k8s.io/set-name': ms.metadata.name!,
        ...(ms.metadata.labels?.[DEPLOYMENT_NAME]
          ? { [DEPLOYMENT_NAME]: ms.metadata.labels[DEPLOYMENT_NAME] }
          : {}),
      },
      ownerReferences: [
        {
          apiVersion: MS.apiVersion,
          kind: 'MachineSet',
          name: ms.metadata.name!,
          uid: ms.metadata.uid!,
          controller: true,
        },
      ],
    },
    spec: { ...template.spec },
  });
  const t = now();
  await h.client.patchStatus(machine, {
    type: 'merge',
    data: {
      status: {
        conditions: [
          { type: 'Available', status: 'True', reason: 'Available', message: '', lastTransitionTime: t },
          { type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: t },
        ],
      },
    },
  });
}

async function createClusterAndTemplates(h: Harness, ns: string, cluster: string): Promise<void> {
  await h.client.create({
    apiVersion: CLUSTER.apiVersion,
    kind: 'Cluster',
    metadata: { name: cluster, namespace: ns },
    spec: { clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] } } },
  });
  for (const name of ['tmpl-a', 'tmpl-b'])
    await h.client.create({
      ...DEV_MACHINE_TEMPLATE,
      metadata: { name, namespace: ns },
      spec: { template: { spec: { backend: { inMemory: {} } } } },
    });
}

function machineDeployment(
  ns: string,
  name: string,
  cluster: string,
  options: { replicas?: number; strategy?: Record<string, unknown>; paused?: boolean } = {},
): Obj {
  return {
    apiVersion: MD.apiVersion,
    kind: 'MachineDeployment',
    metadata: { name, namespace: ns },
    spec: {
      clusterName: cluster,
      replicas: options.replicas ?? 3,
      ...(options.paused ? { paused: true } : {}),
      selector: { matchLabels: { [DEPLOYMENT_NAME]: name } },
      rollout: {
        strategy: options.strategy ?? {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
        },
      },
      template: {
        metadata: { labels: { [DEPLOYMENT_NAME]: name } },
        spec: {
          clusterName: cluster,
          version: 'v1.33.1',
          bootstrap: { dataSecretName: 'bootstrap-data' },
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: 'tmpl-a',
          },
        },
      },
    },
  };
}

const machineSetsOf = async (h: Harness, ns: string, md: string): Promise<MachineSetObj[]> =>
  (await h.client.list<MachineSetObj>(MS, { namespace: ns })).items
    .filter((ms) => ms.metadata.labels?.[DEPLOYMENT_NAME] === md)
    .sort(
      (a, b) =>
        Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0),
    );

const machinesOf = async (h: Harness, ns: string, md: string): Promise<Obj[]> =>
  (
    await h.client.list<Obj>(MACHINE, { namespace: ns, labelSelector: { [DEPLOYMENT_NAME]: md } })
  ).items.filter((m) => !m.metadata.deletionTimestamp);

const mdStatus = (md: Obj | undefined) =>
  (md?.status ?? {}) as {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    upToDateReplicas?: number;
    phase?: string;
    selector?: string;
    observedGeneration?: number;
  };

/** Waits until the MachineDeployment has settled: one MachineSet holding every replica, all up to date and available. */
async function settled(
  h: Harness,
  ns: string,
  name: string,
  replicas: number,
  timeoutMs = 30_000,
): Promise<Obj> {
  return eventually(
    `${name} settled at ${replicas}`,
    async () => {
      const md = await getObj(h, MD, ns, name);
      const st = mdStatus(md);
      const mss = await machineSetsOf(h, ns, name);
      return mss.length === 1 &&
        st.replicas === replicas &&
        st.availableReplicas === replicas &&
        st.upToDateReplicas === replicas &&
        st.observedGeneration === md?.metadata.generation &&
        // Counters and conditions are two writes; wait for both.
        condition(md, 'Available')?.status === 'True' &&
        condition(md, 'ScalingUp')?.status === 'False' &&
        condition(md, 'ScalingDown')?.status === 'False' &&
        condition(md, 'MachinesUpToDate')?.status === 'True' &&
        condition(md, 'RollingOut')?.status === 'False'
        ? md
        : undefined;
    },
    timeoutMs,
  );
}

async function patchMD(h: Harness, ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await h.client.patch({ ...MD, metadata: { name, namespace: ns } }, { type: 'merge', data: { spec } });
}

describe('MachineDeployment controller', () => {
  const harness = useHarness({ setup: (m) => void setupMachineDeploymentController(m) });

  it('creates one MachineSet of the template with hash label, revision 1 and owner, and reports status', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createClusterAndTemplates(h, ns, 'c1');
    const fake = fakeMachineSetController(h, ns);
    try {
      await h.client.create(machineDeployment(ns, 'md', 'c1'));
      const md = await settled(h, ns, 'md', 3);
      const [ms] = await machineSetsOf(h, ns, 'md');
      assert.ok(ms);
      assert.match(ms.metadata.name!, new RegExp(`^md-${RANDOM}$`));
      const hash = ms.metadata.labels?.[HASH_LABEL] ?? '';
      assert.match(hash, new RegExp(`^\\d+-${RANDOM}$`));
      // The random part of the hash label is the random part of the name.
      assert.equal(hash.slice(-5), ms.metadata.name!.slice(-5));
      assert.equal(ms.spec.replicas, 3);
      assert.equal(ms.spec.selector.matchLabels?.[HASH_LABEL], hash);
      assert.equal(ms.spec.template.metadata?.labels?.[HASH_LABEL], hash);
      assert.equal(ms.spec.template.metadata?.labels?.[CLUSTER_NAME], 'c1');
      assert.equal(ms.metadata.labels?.[DEPLOYMENT_NAME], 'md');
      assert.deepEqual(
        {
          revision: ms.metadata.annotations?.[REVISION],
          desired: ms.metadata.annotations?.['machinedeployment.clusters.x-k8s.io/desired-replicas'],
          max: ms.metadata.annotations?.['machinedeployment.clusters.x-k8s.io/max-replicas'],
          disableCreate: ms.metadata.annotations?.[DISABLE_CREATE],
        },
        { revision: '1', desired: '3', max: '4', disableCreate: 'false' },
      );
      assert.deepEqual(
        ms.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
        [['MachineDeployment', 'md', md.metadata.uid, true]],
      );
      assert.equal((ms.spec as { clusterName?: string }).clusterName, 'c1');
      assert.equal(ms.spec.template.spec.version, 'v1.33.1');

      // The MachineDeployment: finalizer, labels, owner, revision, counters, selector and conditions.
      assert.ok(md.metadata.finalizers?.includes('cluster.x-k8s.io/machinedeployment'));
      assert.equal(md.metadata.labels?.[CLUSTER_NAME], 'c1');
      assert.equal(md.metadata.annotations?.[REVISION], '1');
      assert.deepEqual(
        md.metadata.ownerReferences?.map((r) => [r.kind, r.name]),
        [['Cluster', 'c1']],
      );
      const st = mdStatus(md);
      assert.equal(st.phase, 'Running');
      assert.equal(st.readyReplicas, 3);
      assert.equal(st.selector, `${CLUSTER_NAME}=c1,${DEPLOYMENT_NAME}=md`);
      for (const [type, status, reason] of [
        ['Available', 'True', 'Available'],
        ['MachinesReady', 'True', 'Ready'],
        ['MachinesUpToDate', 'True', 'UpToDate'],
        ['RollingOut', 'False', 'NotRollingOut'],
        ['ScalingUp', 'False', 'NotScalingUp'],
        ['ScalingDown', 'False', 'NotScalingDown'],
        ['Remediating', 'False', 'NotRemediating'],
        ['Deleting', 'False', 'NotDeleting'],
        ['Paused', 'False', 'NotPaused'],
      ])
        assert.deepEqual(
          [type, condition(md, type!)?.status, condition(md, type!)?.reason],
          [type, status, reason],
        );

      // Its Machines are up to date; the template it stamps from belongs to the Cluster.
      const machines = await machinesOf(h, ns, 'md');
      assert.equal(machines.length, 3);
      for (const m of machines) assert.equal(condition(m, 'UpToDate')?.reason, 'UpToDate');
      const template = await getObj(h, DEV_MACHINE_TEMPLATE, ns, 'tmpl-a');
      assert.deepEqual(
        template?.metadata.ownerReferences?.map((r) => [r.kind, r.name]),
        [['Cluster', 'c1']],
      );

      // Deleting the MachineDeployment deletes its MachineSet (the fake deletes the Machines), then the finalizer goes.
      await h.client.delete(md);
      await eventually('MachineDeployment gone', async () => !(await getObj(h, MD, ns, 'md')));
      assert.deepEqual(await machineSetsOf(h, ns, 'md'), []);
    } finally {
      await fake.stop();
    }
  });

  it('scales the MachineSet with the MachineDeployment: 3 -> 5 -> 1', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createClusterAndTemplates(h, ns, 'c2');
    const fake = fakeMachineSetController(h, ns);
    try {
      await h.client.create(machineDeployment(ns, 'md', 'c2'));
      await settled(h, ns, 'md', 3);
      const [before] = await machineSetsOf(h, ns, 'md');
      await patchMD(h, ns, 'md', { replicas: 5 });
      const scaledUp = await eventually('ScalingUp reported', async () => {
        const md = await getObj(h, MD, ns, 'md');
        const c = condition(md, 'ScalingUp');
        return c?.status === 'True' ? c : undefined;
      });
      assert.match(scaledUp.message ?? '', /^Scaling up from 3 to 5 replicas$/);
      await settled(h, ns, 'md', 5);
      let [ms] = await machineSetsOf(h, ns, 'md');
      assert.equal(ms?.metadata.name, before?.metadata.name);
      assert.equal(ms?.spec.replicas, 5);
      assert.equal(ms?.metadata.annotations?.['machinedeployment.clusters.x-k8s.io/desired-replicas'], '5');
      assert.equal(ms?.metadata.annotations?.['machinedeployment.clusters.x-k8s.io/max-replicas'], '6');
      await patchMD(h, ns, 'md', { replicas: 1 });
      // Counters (phase) and conditions are separate writes, so each is looked for on its own.
      let phaseSeen = false;
      let conditionMessage: string | undefined;
      await eventually('ScalingDown reported', async () => {
        const md = await getObj(h, MD, ns, 'md');
        phaseSeen ||= mdStatus(md).phase === 'ScalingDown';
        if (condition(md, 'ScalingDown')?.status === 'True')
          conditionMessage ??= condition(md, 'ScalingDown')?.message;
        return phaseSeen && conditionMessage !== undefined;
      });
      assert.equal(conditionMessage, 'Scaling down from 5 to 1 replicas');
      const md = await settled(h, ns, 'md', 1);
      [ms] = await machineSetsOf(h, ns, 'md');
      assert.equal(ms?.metadata.name, before?.metadata.name);
      assert.equal(ms?.spec.replicas, 1);
      assert.equal(md.metadata.annotations?.[REVISION], '1');
      assert.equal((await machinesOf(h, ns, 'md')).length, 1);
    } finally {
      await fake.stop();
    }
  });

  it('rolls out a template change within maxSurge 1 / maxUnavailable 0 and deletes the old MachineSet', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createClusterAndTemplates(h, ns, 'c3');
    const fake = fakeMachineSetController(h, ns);
    try {
      await h.client.create(machineDeployment(ns, 'md', 'c3'));
      await settled(h, ns, 'md', 3);
      const [oldMS] = await machineSetsOf(h, ns, 'md');
      const oldMachines = (await machinesOf(h, ns, 'md')).map((m) => m.metadata.name);

      // Sample what a user would see while the rollout runs.
      let maxMachines = 0;
      let minAvailable = Number.POSITIVE_INFINITY;
      let maxMachineSets = 0;
      let rollingOutMessage: string | undefined;
      let oldMachineNotUpToDate: string | undefined;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const machines = await machinesOf(h, ns, 'md');
          const mss = await machineSetsOf(h, ns, 'md');
          maxMachines = Math.max(maxMachines, machines.length);
          maxMachineSets = Math.max(maxMachineSets, mss.length);
          minAvailable = Math.min(
            minAvailable,
            mss.reduce((sum, ms) => sum + (ms.status?.availableReplicas ?? 0), 0),
          );
          const md = await getObj(h, MD, ns, 'md');
          const rollingOut = condition(md, 'RollingOut');
          if (rollingOut?.status === 'True') rollingOutMessage ??= rollingOut.message;
          for (const m of machines)
            if (oldMachines.includes(m.metadata.name) && condition(m, 'UpToDate')?.status === 'False')
              oldMachineNotUpToDate ??= `${condition(m, 'UpToDate')?.reason}: ${condition(m, 'UpToDate')?.message}`;
          await sleep(15);
        }
      })();
      await patchMD(h, ns, 'md', {
        template: {
          metadata: { labels: { [DEPLOYMENT_NAME]: 'md' } },
          spec: {
            clusterName: 'c3',
            version: 'v1.33.1',
            bootstrap: { dataSecretName: 'bootstrap-data' },
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: 'tmpl-b',
            },
          },
        },
      });
      const newMS = await eventually('a new MachineSet', async () => {
        const mss = await machineSetsOf(h, ns, 'md');
        return mss.find((ms) => ms.metadata.name !== oldMS?.metadata.name);
      });
      assert.equal(newMS.metadata.annotations?.[REVISION], '2');
      assert.equal(
        newMS.spec.template.spec.infrastructureRef &&
          (newMS.spec.template.spec.infrastructureRef as { name: string }).name,
        'tmpl-b',
      );
      assert.notEqual(newMS.metadata.labels?.[HASH_LABEL], oldMS?.metadata.labels?.[HASH_LABEL]);
      const md = await settled(h, ns, 'md', 3, 60_000);
      sampling = false;
      await sampler;

      const [last] = await machineSetsOf(h, ns, 'md');
      assert.equal(last?.metadata.name, newMS.metadata.name);
      assert.equal(
        await getObj(h, MS, ns, oldMS!.metadata.name!),
        undefined,
        'the old MachineSet is deleted',
      );
      assert.equal(md.metadata.annotations?.[REVISION], '2');
      assert.ok(maxMachines <= 4, `at most replicas + maxSurge Machines (saw ${maxMachines})`);
      assert.ok(
        minAvailable >= 3,
        `never fewer than replicas - maxUnavailable available (saw ${minAvailable})`,
      );
      assert.equal(maxMachineSets, 2);
      assert.equal(
        rollingOutMessage,
        'Rolling out 3 not up-to-date replicas\n* DevMachine is not up-to-date',
      );
      assert.equal(oldMachineNotUpToDate, 'NotUpToDate: * DevMachine is not up-to-date');
      const machines = await machinesOf(h, ns, 'md');
      assert.ok(machines.every((m) => !oldMachines.includes(m.metadata.name)));
    } finally {
      await fake.stop();
    }
  });

  it('propagates in-place changes (template labels, annotations, minReadySeconds) without a new MachineSet', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createClusterAndTemplates(h, ns, 'c4');
    const fake = fakeMachineSetController(h, ns);
    try {
      await h.client.create(machineDeployment(ns, 'md', 'c4'));
      await settled(h, ns, 'md', 3);
      const [before] = await machineSetsOf(h, ns, 'md');
      await patchMD(h, ns, 'md', {
        template: {
          metadata: { labels: { [DEPLOYMENT_NAME]: 'md', tier: 'gold' }, annotations: { note: 'hello' } },
          spec: { minReadySeconds: 7, deletion: { nodeDrainTimeoutSeconds: 30 } },
        },
        deletion: { order: 'Oldest' },
      });
      const ms = await eventually('in-place fields on the MachineSet', async () => {
        const [only] = await machineSetsOf(h, ns, 'md');
        return only?.spec.template.metadata?.labels?.tier === 'gold' &&
          only.spec.template.spec.minReadySeconds === 7
          ? only
          : undefined;
      });
      assert.equal(ms.metadata.name, before?.metadata.name);
      assert.equal(ms.spec.template.metadata?.annotations?.note, 'hello');
      assert.equal(ms.metadata.labels?.tier, 'gold');
      assert.deepEqual(ms.spec.template.spec.deletion, { nodeDrainTimeoutSeconds: 30 });
      assert.deepEqual((ms.spec as { deletion?: unknown }).deletion, { order: 'Oldest' });
      assert.equal(ms.metadata.labels?.[HASH_LABEL], before?.metadata.labels?.[HASH_LABEL]);
      await sleep(500);
      assert.equal((await machineSetsOf(h, ns, 'md')).length, 1);
      const md = await settled(h, ns, 'md', 3);
      assert.equal(md.metadata.annotations?.[REVISION], '1');

      // Removing them from the MachineDeployment removes them from the MachineSet (server-side apply ownership).
      await h.client.patch(
        { ...MD, metadata: { name: 'md', namespace: ns } },
        {
          type: 'json',
          data: [
            { op: 'remove', path: '/spec/template/metadata/labels/tier' },
            { op: 'remove', path: '/spec/template/spec/minReadySeconds' },
          ],
        },
      );
      const cleared = await eventually('in-place fields removed', async () => {
        const [only] = await machineSetsOf(h, ns, 'md');
        return only &&
          only.spec.template.metadata?.labels?.tier === undefined &&
          only.spec.template.spec.minReadySeconds === undefined
          ? only
          : undefined;
      });
      assert.equal(cleared.metadata.labels?.tier, undefined);
      assert.equal(cleared.metadata.name, before?.metadata.name);
    } finally {
      await fake.stop();
    }
  });

  it('OnDelete: old MachineSets stop creating Machines; the new one grows as users delete old Machines', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createClusterAndTemplates(h, ns, 'c5');
    const fake = fakeMachineSetController(h, ns);
    try {
      await h.client.create(machineDeployment(ns, 'md', 'c5', { strategy: { type: 'OnDelete' } }));
      await settled(h, ns, 'md', 3);
      const [oldMS] = await machineSetsOf(h, ns, 'md');
      await patchMD(h, ns, 'md', { template: { spec: { version: 'v1.34.0' } } });
      const newMS = await eventually('a new MachineSet', async () =>
        (await machineSetsOf(h, ns, 'md')).find((ms) => ms.metadata.name !== oldMS?.metadata.name),
      );
      assert.equal(newMS.spec.replicas, 0);
      assert.equal(newMS.metadata.annotations?.[DISABLE_CREATE], 'false');
      await eventually(
        'old MachineSet stops creating Machines',
        async () =>
          (await getObj(h, MS, ns, oldMS!.metadata.name!))?.metadata.annotations?.[DISABLE_CREATE] === 'true',
      );
      const rollingOut = await eventually('RollingOut', async () => {
        const c = condition(await getObj(h, MD, ns, 'md'), 'RollingOut');
        return c?.status === 'True' ? c : undefined;
      });
      assert.equal(
        rollingOut.message,
        'Rolling out 3 not up-to-date replicas\n* Version v1.33.1, v1.34.0 required',
      );
      await sleep(600);
      assert.equal(
        ((await getObj(h, MS, ns, newMS.metadata.name!)) as MachineSetObj).spec.replicas,
        0,
        'no rollout without deletions',
      );

      // A user deletes one old Machine: the old MachineSet gives the replica up, the new one takes it.
      const oldMachines = (await machinesOf(h, ns, 'md')).filter(
        (m) => controllerUid(m) === oldMS?.metadata.uid,
      );
      await h.client.delete(oldMachines[0]!);
      await eventually('replica moved', async () => {
        const o = (await getObj(h, MS, ns, oldMS!.metadata.name!)) as MachineSetObj | undefined;
        const n = (await getObj(h, MS, ns, newMS.metadata.name!)) as MachineSetObj | undefined;
        return o?.spec.replicas === 2 && n?.spec.replicas === 1;
      });
      await sleep(400);
      assert.equal(((await getObj(h, MS, ns, newMS.metadata.name!)) as MachineSetObj).spec.replicas, 1);

      for (const m of oldMachines.slice(1)) await h.client.delete(m);
      await settled(h, ns, 'md', 3, 60_000);
      const [only] = await machineSetsOf(h, ns, 'md');
      assert.equal(only?.metadata.name, newMS.metadata.name);
      assert.equal(only?.spec.replicas, 3);
    } finally {
      await fake.stop();
    }
  });

  it('spec.rollout.after: in the future nothing happens, in the past the Machines are replaced', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createClusterAndTemplates(h, ns, 'c6');
    const fake = fakeMachineSetController(h, ns);
    try {
      await h.client.create(machineDeployment(ns, 'md', 'c6'));
      await settled(h, ns, 'md', 3);
      const [oldMS] = await machineSetsOf(h, ns, 'md');
      await patchMD(h, ns, 'md', { rollout: { after: new Date(Date.now() + 3_600_000).toISOString() } });
      await sleep(800);
      assert.deepEqual(
        (await machineSetsOf(h, ns, 'md')).map((ms) => ms.metadata.name),
        [oldMS?.metadata.name],
      );

      await patchMD(h, ns, 'md', { rollout: { after: now() } });
      const newMS = await eventually('a new MachineSet', async () =>
        (await machineSetsOf(h, ns, 'md')).find((ms) => ms.metadata.name !== oldMS?.metadata.name),
      );
      assert.equal(newMS.metadata.annotations?.[REVISION], '2');
      // Same template, new hash label suffix.
      assert.equal(
        newMS.metadata.labels?.[HASH_LABEL]?.split('-')[0],
        oldMS?.metadata.labels?.[HASH_LABEL]?.split('-')[0],
      );
      const md = await settled(h, ns, 'md', 3, 60_000);
      const [only] = await machineSetsOf(h, ns, 'md');
      assert.equal(only?.metadata.name, newMS.metadata.name);
      assert.equal(md.metadata.annotations?.[REVISION], '2');
    } finally {
      await fake.stop();
    }
  });

  it('spec.paused stops rollouts (scaling goes on); the paused annotation stops everything', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createClusterAndTemplates(h, ns, 'c7');
    const fake = fakeMachineSetController(h, ns);
    try {
      await h.client.create(machineDeployment(ns, 'md', 'c7'));
      await settled(h, ns, 'md', 3);
      const [ms] = await machineSetsOf(h, ns, 'md');
      await patchMD(h, ns, 'md', { paused: true });
      await patchMD(h, ns, 'md', { template: { spec: { version: 'v1.34.0' } } });
      await sleep(800);
      assert.deepEqual(
        (await machineSetsOf(h, ns, 'md')).map((m) => m.metadata.name),
        [ms?.metadata.name],
      );
      await patchMD(h, ns, 'md', { replicas: 4 });
      await eventually(
        'scaled while paused',
        async () => (await machineSetsOf(h, ns, 'md'))[0]?.spec.replicas === 4,
      );
      assert.equal((await machineSetsOf(h, ns, 'md')).length, 1);
      // Machines of the old template are reported, even while the rollout waits.
      await eventually(
        'RollingOut while paused',
        async () => condition(await getObj(h, MD, ns, 'md'), 'RollingOut')?.status === 'True',
      );

      // The paused annotation: the Paused condition, and no scaling at all.
      await h.client.patch(
        { ...MD, metadata: { name: 'md', namespace: ns } },
        { type: 'merge', data: { metadata: { annotations: { 'cluster.x-k8s.io/paused': '' } } } },
      );
      await eventually(
        'Paused',
        async () => condition(await getObj(h, MD, ns, 'md'), 'Paused')?.status === 'True',
      );
      await patchMD(h, ns, 'md', { replicas: 2 });
      await sleep(800);
      assert.equal((await machineSetsOf(h, ns, 'md'))[0]?.spec.replicas, 4);

      // Unpaused in both ways, the rollout happens.
      await h.client.patch(
        { ...MD, metadata: { name: 'md', namespace: ns } },
        {
          type: 'merge',
          data: { metadata: { annotations: { 'cluster.x-k8s.io/paused': null } }, spec: { paused: false } },
        },
      );
      await eventually(
        'Paused False',
        async () => condition(await getObj(h, MD, ns, 'md'), 'Paused')?.status === 'False',
      );
      const md = await settled(h, ns, 'md', 2, 60_000);
      const [only] = await machineSetsOf(h, ns, 'md');
      assert.notEqual(only?.metadata.name, ms?.metadata.name);
      assert.equal(only?.spec.template.spec.version, 'v1.34.0');
      assert.equal(md.metadata.annotations?.[REVISION], '2');
    } finally {
      await fake.stop();
    }
  });

  it('adopts an orphan MachineSet matching its selector', async () => {
    const h = harness();
    const ns = await h.namespace();
    await createClusterAndTemplates(h, ns, 'c8');
    // A MachineSet left behind (e.g. by an orphaning delete of an earlier MachineDeployment).
    const template = machineDeployment(ns, 'md', 'c8').spec!.template as MachineSetObj['spec']['template'];
    await h.client.create({
      ...MS,
      metadata: {
        name: 'md-orphn',
        namespace: ns,
        labels: { [DEPLOYMENT_NAME]: 'md', [CLUSTER_NAME]: 'c8', [HASH_LABEL]: '1-orphn' },
        annotations: { [REVISION]: '4' },
      },
      spec: {
        clusterName: 'c8',
        replicas: 3,
        selector: { matchLabels: { [DEPLOYMENT_NAME]: 'md', [CLUSTER_NAME]: 'c8', [HASH_LABEL]: '1-orphn' } },
        template: {
          metadata: {
            labels: { ...template.metadata?.labels, [CLUSTER_NAME]: 'c8', [HASH_LABEL]: '1-orphn' },
          },
          spec: template.spec,
        },
      },
    });
    const fake = fakeMachineSetController(h, ns);
    try {
      await h.client.create(machineDeployment(ns, 'md', 'c8'));
      const md = await settled(h, ns, 'md', 3);
      const [ms] = await machineSetsOf(h, ns, 'md');
      assert.equal(ms?.metadata.name, 'md-orphn');
      assert.deepEqual(
        ms?.metadata.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]),
        [['MachineDeployment', md.metadata.uid, true]],
      );
      assert.equal(ms?.metadata.annotations?.[REVISION], '4');
      assert.equal(md.metadata.annotations?.[REVISION], '4');
    } finally {
      await fake.stop();
    }
  });
});
