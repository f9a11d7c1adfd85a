import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TypeRef } from '../../src/controller-runtime/api/object.js';
import { setupMachineSetController } from '../../src/core/reconcilers/machine-set/setup.js';
import {
  CLUSTER,
  condition,
  createBootstrapData,
  DEV_MACHINE,
  DEV_MACHINE_TEMPLATE,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  NODE,
  type Obj,
  type TestCluster,
  useHarness,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';
import { applyPlainCluster, createDevMachineTemplate, setupCore } from './core-helpers.js';

const MACHINE_SET: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet' };
const MACHINE_DEPLOYMENT: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment' };
const KUBEADM_CONFIG: TypeRef = { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2', kind: 'KubeadmConfig' };
const KUBEADM_CONFIG_TEMPLATE: TypeRef = {
  apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmConfigTemplate',
};
const KCP: TypeRef = { apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2', kind: 'KubeadmControlPlane' };

const SET_NAME = 'cluster.x-k8s.io/set-name';
const STEP = { provisioning: { startupDuration: '0s' } };
const IN_MEMORY = { backend: { inMemory: { vm: STEP, node: STEP, etcd: STEP, apiServer: STEP } } };
const PROVISION_TIMEOUT = 60_000;

type MachineSetObj = Obj & {
  spec?: Obj['spec'] & {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> };
  };
  status?: Obj['status'] & {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    upToDateReplicas?: number;
    selector?: string;
    observedGeneration?: number;
    versions?: { version: string; replicas: number }[];
  };
};

/**
 * A Cluster without a control plane provider, as in the Machine controller test: DevCluster, `<name>-ca` and
 * `<name>-etcd`, one control plane Machine with bootstrap data; plus `workers-bootstrap`, the bootstrap data all
 * workers share, and the `workers` DevMachineTemplate.
 */
async function createWorkloadCluster(h: Harness, name: string): Promise<TestCluster> {
  const ns = await h.namespace();
  const c = await applyPlainCluster(h, ns, name, [{ name: `${name}-cp-0`, controlPlane: true }]);
  await createBootstrapData(h, c, 'workers');
  await createDevMachineTemplate(h, ns, 'workers');
  return c;
}

interface MachineSetOptions {
  replicas: number;
  order?: 'Random' | 'Newest' | 'Oldest';
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ownerReferences?: Obj['metadata']['ownerReferences'];
  version?: string;
  bootstrap?: Record<string, unknown>;
  templateMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** More Machine template spec fields. */
  templateSpec?: Record<string, unknown>;
}

async function createMachineSet(
  h: Harness,
  c: { namespace: string; name: string },
  name: string,
  o: MachineSetOptions,
): Promise<MachineSetObj> {
  return h.client.create<MachineSetObj>({
    apiVersion: MACHINE_SET.apiVersion,
    kind: 'MachineSet',
    metadata: {
      name,
      namespace: c.namespace,
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.ownerReferences ? { ownerReferences: o.ownerReferences } : {}),
    },
    spec: {
      clusterName: c.name,
      replicas: o.replicas,
      ...(o.order ? { deletion: { order: o.order } } : {}),
      selector: { matchLabels: { pool: name } },
      template: {
        metadata: {
          labels: { pool: name, ...o.templateMetadata?.labels },
          ...(o.templateMetadata?.annotations ? { annotations: o.templateMetadata.annotations } : {}),
        },
        spec: {
          clusterName: c.name,
          version: o.version ?? 'v1.33.1',
          bootstrap: o.bootstrap ?? { dataSecretName: 'workers-bootstrap' },
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: 'workers',
          },
          ...o.templateSpec,
        },
      },
    },
  });
}

async function getMs(h: Harness, namespace: string, name: string): Promise<MachineSetObj | undefined> {
  try {
    return await h.client.get<MachineSetObj>(MACHINE_SET, { namespace, name });
  } catch {
    return undefined;
  }
}

const msObj = (c: { namespace: string }, name: string) => ({
  apiVersion: MACHINE_SET.apiVersion,
  kind: 'MachineSet',
  metadata: { name, namespace: c.namespace },
});

async function scale(h: Harness, c: { namespace: string }, name: string, replicas: number): Promise<void> {
  await h.client.patch(msObj(c, name), { type: 'merge', data: { spec: { replicas } } });
}

/** The Machines carrying the MachineSet's set-name label, by name. */
async function machinesOf(h: Harness, namespace: string, ms: string): Promise<Obj[]> {
  const list = await h.client.list<Obj>(MACHINE, { namespace, labelSelector: { [SET_NAME]: ms } });
  return list.items.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

const names = (objs: Obj[]): string[] => objs.map((o) => o.metadata.name!).sort();
const nodeName = (m: Obj): string | undefined => (m.status as { nodeRef?: { name?: string } })?.nodeRef?.name;

/** Waits until the MachineSet has exactly `n` Machines, none deleting, all with a Node, and status says so. */
async function settled(
  h: Harness,
  namespace: string,
  ms: string,
  n: number,
): Promise<{ ms: MachineSetObj; machines: Obj[] }> {
  return eventually(
    `${ms} settled at ${n} Machines with Nodes`,
    async () => {
      const machines = await machinesOf(h, namespace, ms);
      if (machines.length !== n || machines.some((m) => m.metadata.deletionTimestamp || !nodeName(m)))
        return undefined;
      const obj = await getMs(h, namespace, ms);
      const st = obj?.status;
      if (st?.replicas !== n || st.readyReplicas !== n || st.availableReplicas !== n) return undefined;
      // Counters and conditions are separate writes: wait for both.
      if (condition(obj, 'MachinesReady')?.status !== 'True') return undefined;
      return { ms: obj!, machines };
    },
    PROVISION_TIMEOUT,
  );
}

async function setMachineConditions(
  h: Harness,
  m: Obj,
  conditions: { type: string; status: string; reason: string; message?: string }[],
): Promise<void> {
  // Controllers write the Machine meanwhile: retry on conflicts, as any writer of conditions must.
  await eventually(`conditions set on ${m.metadata.name}`, async () => {
    const current = (await getObj(h, MACHINE, m.metadata.namespace, m.metadata.name!))!;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const kept = (current.status?.conditions ?? []).filter((c) => !conditions.some((n) => n.type === c.type));
    await h.client.patchStatus(current, {
      type: 'merge',
      data: {
        metadata: { resourceVersion: current.metadata.resourceVersion },
        status: {
          conditions: [...kept, ...conditions.map((c) => ({ message: '', lastTransitionTime: now, ...c }))],
        },
      },
    });
    return true;
  });
}

describe('MachineSet controller: Machines from templates on a simulated workload cluster', () => {
  const harness = useHarness({
    setup: (m) => {
      setupCore(m);
      setupMachineSetController(m);
    },
  });
  let shared: Promise<TestCluster> | undefined;
  const sharedCluster = (): Promise<TestCluster> => (shared ??= createWorkloadCluster(harness(), 'ms'));

  it('scales 0 -> 3 -> 1: clones, Nodes, counters, conditions', async () => {
    const h = harness();
    const c = await sharedCluster();
    const ns = c.namespace;
    // Pods of the simulated cluster may land on the Node being drained; do not wait their grace periods out.
    await createMachineSet(h, c, 'scale', {
      replicas: 0,
      templateSpec: { deletion: { nodeDrainTimeoutSeconds: 2 } },
    });

    const empty = await eventually('MachineSet reconciled', async () => {
      const obj = await getMs(h, ns, 'scale');
      return obj?.status?.observedGeneration === obj?.metadata.generation && condition(obj, 'MachinesReady')
        ? obj
        : undefined;
    });
    assert.deepEqual(empty.metadata.finalizers, ['cluster.x-k8s.io/machineset']);
    assert.deepEqual(
      empty.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller ?? false]),
      [['Cluster', 'ms', false]],
    );
    assert.equal(empty.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'ms');
    assert.deepEqual(empty.spec?.selector?.matchLabels, {
      pool: 'scale',
      'cluster.x-k8s.io/cluster-name': 'ms',
    });
    assert.equal(empty.spec?.template?.metadata?.labels?.['cluster.x-k8s.io/cluster-name'], 'ms');
    assert.equal(empty.status?.selector, 'cluster.x-k8s.io/cluster-name=ms,pool=scale');
    assert.equal(empty.status?.replicas, 0);
    for (const [type, status, reason] of [
      ['MachinesReady', 'True', 'NoReplicas'],
      ['MachinesUpToDate', 'True', 'NoReplicas'],
      ['ScalingUp', 'False', 'NotScalingUp'],
      ['ScalingDown', 'False', 'NotScalingDown'],
      ['Remediating', 'False', 'NotRemediating'],
      ['Deleting', 'False', 'NotDeleting'],
      ['Paused', 'False', 'NotPaused'],
    ])
      assert.deepEqual(
        [condition(empty, type!)?.status, condition(empty, type!)?.reason],
        [status, reason],
        type,
      );

    await scale(h, c, 'scale', 3);
    const scaling = await eventually('ScalingUp reported', async () => {
      const obj = await getMs(h, ns, 'scale');
      return condition(obj, 'ScalingUp')?.status === 'True' || (await machinesOf(h, ns, 'scale')).length === 3
        ? obj
        : undefined;
    });
    if (condition(scaling, 'ScalingUp')?.status === 'True')
      assert.match(condition(scaling, 'ScalingUp')!.message ?? '', /^Scaling up from \d to 3 replicas$/);

    const { ms, machines } = await settled(h, ns, 'scale', 3);
    assert.equal(
      ms.status?.upToDateReplicas,
      0,
      'nobody says Machines of a stand-alone MachineSet are up to date',
    );
    assert.deepEqual(ms.status?.versions, [{ version: 'v1.33.1', replicas: 3 }]);
    assert.deepEqual(
      [condition(ms, 'MachinesReady')?.status, condition(ms, 'MachinesReady')?.reason],
      ['True', 'Ready'],
    );
    assert.equal(condition(ms, 'ScalingUp')?.status, 'False');
    const wl = await workloadClient(
      c,
      `https://${(await getObj(h, CLUSTER, ns, 'ms'))!.spec!.controlPlaneEndpoint!.host}:${(await getObj(h, CLUSTER, ns, 'ms'))!.spec!.controlPlaneEndpoint!.port}`,
    );
    try {
      for (const m of machines) {
        const name = m.metadata.name!;
        assert.match(name, /^scale-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
        assert.deepEqual(
          m.metadata.ownerReferences?.filter((r) => r.controller).map((r) => [r.kind, r.name]),
          [['MachineSet', 'scale']],
        );
        assert.equal(m.metadata.labels?.pool, 'scale');
        assert.equal(m.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'ms');
        const spec = m.spec as {
          bootstrap?: { dataSecretName?: string };
          infrastructureRef?: { kind: string; name: string };
        };
        assert.equal(spec.bootstrap?.dataSecretName, 'workers-bootstrap');
        assert.deepEqual([spec.infrastructureRef?.kind, spec.infrastructureRef?.name], ['DevMachine', name]);
        const dm = (await getObj(h, DEV_MACHINE, ns, name))!;
        assert.equal(dm.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], 'workers');
        assert.equal(
          dm.metadata.annotations?.['cluster.x-k8s.io/cloned-from-groupkind'],
          'DevMachineTemplate.infrastructure.cluster.x-k8s.io',
        );
        assert.equal(dm.metadata.labels?.[SET_NAME], 'scale');
        assert.equal(dm.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'ms');
        assert.ok(
          dm.metadata.ownerReferences?.some((r) => r.kind === 'Machine' && r.name === name && r.controller),
          'the Machine adopted its DevMachine',
        );
        const node = await wl.get<Obj>(NODE, { name: nodeName(m)! });
        assert.equal(node.metadata.annotations?.['cluster.x-k8s.io/owner-kind'], 'MachineSet');
        assert.equal(node.metadata.annotations?.['cluster.x-k8s.io/owner-name'], 'scale');
      }
    } finally {
      wl.close();
    }
    // The template is owned by the Cluster (kept with it by clusterctl move).
    const template = (await getObj(h, DEV_MACHINE_TEMPLATE, ns, 'workers'))!;
    assert.ok(template.metadata.ownerReferences?.some((r) => r.kind === 'Cluster' && r.name === 'ms'));

    // Machines up to date (what the MachineDeployment logic reports) are counted and aggregated.
    for (const m of machines)
      await setMachineConditions(h, m, [{ type: 'UpToDate', status: 'True', reason: 'UpToDate' }]);
    await eventually('MachinesUpToDate True', async () => {
      const obj = await getMs(h, ns, 'scale');
      return obj?.status?.upToDateReplicas === 3 && condition(obj, 'MachinesUpToDate')?.reason === 'UpToDate';
    });
    await setMachineConditions(h, machines[0]!, [
      {
        type: 'UpToDate',
        status: 'False',
        reason: 'NotUpToDate',
        message: '* Version v1.33.1, v1.34.0 required',
      },
    ]);
    const notUpToDate = await eventually('MachinesUpToDate False', async () => {
      const obj = await getMs(h, ns, 'scale');
      return condition(obj, 'MachinesUpToDate')?.status === 'False' ? obj : undefined;
    });
    assert.equal(condition(notUpToDate, 'MachinesUpToDate')?.reason, 'NotUpToDate');
    assert.match(
      condition(notUpToDate, 'MachinesUpToDate')?.message ?? '',
      new RegExp(machines[0]!.metadata.name!),
    );
    assert.equal(notUpToDate.status?.upToDateReplicas, 2);

    // Random order deletes healthy Machines by name: the last one stays.
    await scale(h, c, 'scale', 1);
    const after = await settled(h, ns, 'scale', 1);
    assert.deepEqual(names(after.machines), [machines[2]!.metadata.name]);
    for (const m of machines.slice(0, 2)) {
      await eventually(
        `${m.metadata.name} gone`,
        async () => !(await getObj(h, MACHINE, ns, m.metadata.name!)),
      );
      assert.equal(await getObj(h, DEV_MACHINE, ns, m.metadata.name!), undefined);
    }
    const final = await eventually('ScalingDown over', async () => {
      const obj = await getMs(h, ns, 'scale');
      return condition(obj, 'ScalingDown')?.reason === 'NotScalingDown' ? obj : undefined;
    });
    assert.equal(final.status?.replicas, 1);
  });

  it('deletes the newest or oldest Machines first, and Machines annotated delete-machine before any', async () => {
    const h = harness();
    const c = await sharedCluster();
    const ns = c.namespace;
    await createMachineSet(h, c, 'order', { replicas: 1, order: 'Newest' });
    // Creation timestamps have whole seconds: one Machine per second gives each its own age.
    const created: string[] = [];
    for (let n = 1; n <= 3; n++) {
      if (n > 1) {
        await sleep(1100);
        await scale(h, c, 'order', n);
      }
      const { machines } = await settled(h, ns, 'order', n);
      created.push(names(machines).find((m) => !created.includes(m))!);
    }
    const [oldest, middle] = created as [string, string, string];

    await scale(h, c, 'order', 2);
    assert.deepEqual(
      names((await settled(h, ns, 'order', 2)).machines),
      [oldest, middle].sort(),
      'Newest deletes the newest',
    );

    await h.client.patch(msObj(c, 'order'), {
      type: 'merge',
      data: { spec: { deletion: { order: 'Oldest' } } },
    });
    await sleep(1100);
    await scale(h, c, 'order', 3);
    const withFourth = names((await settled(h, ns, 'order', 3)).machines);
    const fourth = withFourth.find((m) => m !== oldest && m !== middle)!;
    await scale(h, c, 'order', 2);
    assert.deepEqual(
      names((await settled(h, ns, 'order', 2)).machines),
      [middle, fourth].sort(),
      'Oldest deletes the oldest',
    );

    // The user's choice wins over the order: the newest goes although Oldest would pick the middle one.
    await h.client.patch(
      { apiVersion: MACHINE.apiVersion, kind: 'Machine', metadata: { name: fourth, namespace: ns } },
      { type: 'merge', data: { metadata: { annotations: { 'cluster.x-k8s.io/delete-machine': 'yes' } } } },
    );
    await scale(h, c, 'order', 1);
    assert.deepEqual(names((await settled(h, ns, 'order', 1)).machines), [middle]);
  });

  it('adopts orphan Machines its selector matches, not Machines another controller owns', async () => {
    const h = harness();
    const c = await sharedCluster();
    const ns = c.namespace;
    const owner = await h.client.create<Obj>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'someone-else', namespace: ns },
    });
    for (const [name, ownerReferences] of [
      ['orphan', undefined],
      [
        'taken',
        [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'someone-else',
            uid: owner.metadata.uid!,
            controller: true,
          },
        ],
      ],
    ] as const) {
      await h.client.create({
        apiVersion: MACHINE.apiVersion,
        kind: 'Machine',
        metadata: {
          name,
          namespace: ns,
          labels: { pool: 'adopt', 'cluster.x-k8s.io/cluster-name': 'ms' },
          ...(ownerReferences ? { ownerReferences: [...ownerReferences] } : {}),
        },
        spec: {
          clusterName: 'ms',
          version: 'v1.33.1',
          bootstrap: { dataSecretName: 'workers-bootstrap' },
          infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name },
        },
      });
      await h.client.create({
        apiVersion: DEV_MACHINE.apiVersion,
        kind: 'DevMachine',
        metadata: { name, namespace: ns },
        spec: IN_MEMORY,
      });
    }
    await createMachineSet(h, c, 'adopt', { replicas: 2 });

    const { ms } = await eventually(
      'adopted plus one created',
      async () => {
        const obj = await getMs(h, ns, 'adopt');
        return obj?.status?.replicas === 2 && obj.status.readyReplicas === 2 ? { ms: obj } : undefined;
      },
      PROVISION_TIMEOUT,
    );
    assert.equal(ms.status?.availableReplicas, 2);
    const orphan = (await getObj(h, MACHINE, ns, 'orphan'))!;
    assert.deepEqual(
      orphan.metadata.ownerReferences?.filter((r) => r.controller).map((r) => [r.kind, r.name]),
      [['MachineSet', 'adopt']],
    );
    // Labels the template has are put on the adopted Machine, the ones it had stay.
    assert.equal(orphan.metadata.labels?.[SET_NAME], 'adopt');
    const taken = (await getObj(h, MACHINE, ns, 'taken'))!;
    assert.deepEqual(
      taken.metadata.ownerReferences?.filter((r) => r.controller).map((r) => [r.kind, r.name]),
      [['ConfigMap', 'someone-else']],
    );
    assert.equal(taken.metadata.labels?.[SET_NAME], undefined);
    const all = await h.client.list<Obj>(MACHINE, { namespace: ns, labelSelector: { pool: 'adopt' } });
    assert.equal(all.items.length, 3, 'one Machine created next to the adopted one');
  });

  it('propagates template labels, annotations and in-place fields to existing Machines without replacing them', async () => {
    const h = harness();
    const c = await sharedCluster();
    const ns = c.namespace;
    await createMachineSet(h, c, 'inplace', {
      replicas: 1,
      templateMetadata: { labels: { tier: 'bronze' } },
    });
    const { machines } = await settled(h, ns, 'inplace', 1);
    const name = machines[0]!.metadata.name!;
    assert.equal(machines[0]!.metadata.labels?.tier, 'bronze');
    // Something else's label on the Machine is not the MachineSet's business.
    await h.client.patch(
      { apiVersion: MACHINE.apiVersion, kind: 'Machine', metadata: { name, namespace: ns } },
      { type: 'merge', data: { metadata: { labels: { owner: 'user' } } } },
    );
    await h.client.patch(msObj(c, 'inplace'), {
      type: 'json',
      data: [
        { op: 'replace', path: '/spec/template/metadata/labels/tier', value: 'gold' },
        { op: 'add', path: '/spec/template/metadata/annotations', value: { team: 'infra' } },
        { op: 'add', path: '/spec/template/spec/minReadySeconds', value: 7 },
        { op: 'add', path: '/spec/template/spec/readinessGates', value: [{ conditionType: 'Custom' }] },
        { op: 'add', path: '/spec/template/spec/deletion', value: { nodeDrainTimeoutSeconds: 30 } },
      ],
    });
    const m = await eventually('in-place fields on the Machine', async () => {
      const obj = await getObj(h, MACHINE, ns, name);
      const spec = obj?.spec as
        { minReadySeconds?: number; deletion?: { nodeDrainTimeoutSeconds?: number } } | undefined;
      return obj?.metadata.labels?.tier === 'gold' &&
        spec?.minReadySeconds === 7 &&
        spec.deletion?.nodeDrainTimeoutSeconds === 30
        ? obj
        : undefined;
    });
    assert.equal(m.metadata.uid, machines[0]!.metadata.uid, 'the same Machine');
    assert.equal(m.metadata.annotations?.team, 'infra');
    assert.equal(m.metadata.labels?.owner, 'user');
    assert.deepEqual((m.spec as { readinessGates?: unknown }).readinessGates, [{ conditionType: 'Custom' }]);
    const dm = await eventually('labels on the DevMachine', async () => {
      const obj = await getObj(h, DEV_MACHINE, ns, name);
      return obj?.metadata.labels?.tier === 'gold' ? obj : undefined;
    });
    assert.equal(dm.metadata.annotations?.team, 'infra');

    // A label the template drops goes from the Machine and the DevMachine too.
    await h.client.patch(msObj(c, 'inplace'), {
      type: 'json',
      data: [{ op: 'remove', path: '/spec/template/metadata/labels/tier' }],
    });
    await eventually('label removed', async () => {
      const obj = await getObj(h, MACHINE, ns, name);
      const dmObj = await getObj(h, DEV_MACHINE, ns, name);
      return obj?.metadata.labels?.tier === undefined && dmObj?.metadata.labels?.tier === undefined;
    });
    assert.equal((await getObj(h, MACHINE, ns, name))?.metadata.labels?.owner, 'user');
    assert.equal((await machinesOf(h, ns, 'inplace')).length, 1);
  });

  it('remediates Machines a health check marked by replacing them', async () => {
    const h = harness();
    const c = await sharedCluster();
    const ns = c.namespace;
    await createMachineSet(h, c, 'remediate', { replicas: 2 });
    const { machines } = await settled(h, ns, 'remediate', 2);
    const [sick, healthy] = machines as [Obj, Obj];
    await setMachineConditions(h, sick, [
      { type: 'HealthCheckSucceeded', status: 'False', reason: 'UnhealthyNode', message: 'Node failed' },
      { type: 'OwnerRemediated', status: 'False', reason: 'WaitingForRemediation' },
    ]);
    await eventually(
      'unhealthy Machine gone',
      async () => !(await getObj(h, MACHINE, ns, sick.metadata.name!)),
      PROVISION_TIMEOUT,
    );
    const after = await settled(h, ns, 'remediate', 2);
    const now = names(after.machines);
    assert.ok(now.includes(healthy.metadata.name!));
    assert.ok(!now.includes(sick.metadata.name!));
    assert.equal(condition(after.ms, 'Remediating')?.status, 'False');

    // A health check that recovers takes the remediation request back.
    await setMachineConditions(h, healthy, [
      { type: 'HealthCheckSucceeded', status: 'True', reason: 'HealthCheckSucceeded' },
      { type: 'OwnerRemediated', status: 'False', reason: 'WaitingForRemediation' },
    ]);
    await eventually('OwnerRemediated removed', async () => {
      const obj = await getObj(h, MACHINE, ns, healthy.metadata.name!);
      return obj && !condition(obj, 'OwnerRemediated');
    });
    assert.ok(await getObj(h, MACHINE, ns, healthy.metadata.name!), 'the recovered Machine stays');
  });

  it('remediates at most maxInFlight Machines of its MachineDeployment at a time', async () => {
    const h = harness();
    const c = await sharedCluster();
    const ns = c.namespace;
    const md = await h.client.create<Obj>({
      apiVersion: MACHINE_DEPLOYMENT.apiVersion,
      kind: 'MachineDeployment',
      metadata: {
        name: 'md',
        namespace: ns,
        // Paused: a MachineDeployment controller, if one runs, leaves it (and the MachineSet below) to this test.
        annotations: { 'machinedeployment.clusters.x-k8s.io/revision': '1', 'cluster.x-k8s.io/paused': '' },
      },
      spec: {
        clusterName: 'ms',
        replicas: 3,
        remediation: { maxInFlight: 1 },
        selector: { matchLabels: { pool: 'md-1' } },
        template: {
          metadata: { labels: { pool: 'md-1' } },
          spec: {
            clusterName: 'ms',
            bootstrap: { dataSecretName: 'workers-bootstrap' },
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: 'workers',
            },
          },
        },
      },
    });
    await createMachineSet(h, c, 'md-1', {
      replicas: 3,
      labels: { 'cluster.x-k8s.io/deployment-name': 'md' },
      annotations: { 'machinedeployment.clusters.x-k8s.io/revision': '1' },
      ownerReferences: [
        {
          apiVersion: MACHINE_DEPLOYMENT.apiVersion,
          kind: 'MachineDeployment',
          name: 'md',
          uid: md.metadata.uid!,
          controller: true,
        },
      ],
    });
    const { ms, machines } = await settled(h, ns, 'md-1', 3);
    assert.deepEqual(
      ms.metadata.ownerReferences?.map((r) => r.kind),
      ['MachineDeployment'],
      'a MachineSet of a MachineDeployment is not given to the Cluster',
    );
    assert.equal(machines[0]!.metadata.labels?.['cluster.x-k8s.io/deployment-name'], 'md');
    // Hold the first deletion with a pre-terminate hook, so the remediation stays in flight.
    const [a, b] = machines as [Obj, Obj];
    for (const m of [a, b])
      await h.client.patch(m, {
        type: 'merge',
        data: {
          metadata: { annotations: { 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/test': '' } },
        },
      });
    for (const m of [a, b])
      await setMachineConditions(h, m, [
        { type: 'HealthCheckSucceeded', status: 'False', reason: 'UnhealthyNode' },
        { type: 'OwnerRemediated', status: 'False', reason: 'WaitingForRemediation' },
      ]);
    // The condition is set before the Machine is deleted: wait for both.
    const states = await eventually('one remediating, one deferred', async () => {
      const objs = await Promise.all([a, b].map((m) => getObj(h, MACHINE, ns, m.metadata.name!)));
      const reasons = objs.map((o) => condition(o, 'OwnerRemediated')?.reason).sort();
      const deletingOne = objs.find((o) => condition(o, 'OwnerRemediated')?.reason === 'MachineDeleting');
      return reasons[0] === 'MachineDeleting' &&
        reasons[1] === 'RemediationDeferred' &&
        deletingOne?.metadata.deletionTimestamp
        ? objs
        : undefined;
    });
    const deferred = states.find((o) => condition(o, 'OwnerRemediated')?.reason === 'RemediationDeferred')!;
    const deleting = states.find((o) => condition(o, 'OwnerRemediated')?.reason === 'MachineDeleting')!;
    assert.ok(deleting.metadata.deletionTimestamp);
    assert.equal(deferred.metadata.deletionTimestamp, undefined);
    assert.match(
      condition(deferred, 'OwnerRemediated')?.message ?? '',
      /too many remediations in progress \(spec.strategy.remediation.maxInFlight is 1\)/,
    );
    const remediating = await eventually('Remediating condition', async () => {
      const obj = await getMs(h, ns, 'md-1');
      return condition(obj, 'Remediating')?.status === 'True' ? obj : undefined;
    });
    assert.equal(condition(remediating, 'Remediating')?.reason, 'Remediating');

    // Once the first is gone the second goes, and both are replaced.
    await h.client.patch(deleting, {
      type: 'json',
      data: [
        {
          op: 'remove',
          path: '/metadata/annotations/pre-terminate.delete.hook.machine.cluster.x-k8s.io~1test',
        },
      ],
    });
    await h.client.patch(deferred, {
      type: 'json',
      data: [
        {
          op: 'remove',
          path: '/metadata/annotations/pre-terminate.delete.hook.machine.cluster.x-k8s.io~1test',
        },
      ],
    });
    const healed = await settled(h, ns, 'md-1', 3);
    assert.ok(
      !names(healed.machines).includes(a.metadata.name!) &&
        !names(healed.machines).includes(b.metadata.name!),
    );
  });

  it('deletes its Machines and DevMachines when deleted, then goes', async () => {
    const h = harness();
    const c = await sharedCluster();
    const ns = c.namespace;
    await createMachineSet(h, c, 'doomed', { replicas: 2 });
    const { machines } = await settled(h, ns, 'doomed', 2);
    await h.client.delete(msObj(c, 'doomed'));
    const deleting = await eventually('Deleting condition', async () => {
      const obj = await getMs(h, ns, 'doomed');
      return obj === undefined || condition(obj, 'Deleting')?.status === 'True' ? (obj ?? 'gone') : undefined;
    });
    if (deleting !== 'gone') assert.equal(condition(deleting, 'Deleting')?.reason, 'Deleting');
    await eventually('MachineSet gone', async () => !(await getMs(h, ns, 'doomed')), PROVISION_TIMEOUT);
    for (const m of machines) {
      assert.equal(await getObj(h, MACHINE, ns, m.metadata.name!), undefined);
      await eventually(
        `${m.metadata.name} DevMachine gone`,
        async () => !(await getObj(h, DEV_MACHINE, ns, m.metadata.name!)),
      );
    }
  });

  it('clones a BootstrapConfigTemplate per Machine, and rolls the clone back when the InfraMachine cannot be made', async () => {
    const h = harness();
    const c = await sharedCluster();
    const ns = c.namespace;
    await h.client.create({
      apiVersion: KUBEADM_CONFIG_TEMPLATE.apiVersion,
      kind: 'KubeadmConfigTemplate',
      metadata: { name: 'kubeadm-workers', namespace: ns },
      spec: {
        template: {
          metadata: { labels: { 'from-template': 'yes' } },
          spec: { preKubeadmCommands: ['echo hello'] },
        },
      },
    });
    const bootstrap = {
      configRef: {
        apiGroup: 'bootstrap.cluster.x-k8s.io',
        kind: 'KubeadmConfigTemplate',
        name: 'kubeadm-workers',
      },
    };
    // The InfraMachine template is missing: the KubeadmConfig made for the Machine is deleted again.
    await h.client.create({
      apiVersion: MACHINE_SET.apiVersion,
      kind: 'MachineSet',
      metadata: { name: 'kubeadm', namespace: ns },
      spec: {
        clusterName: 'ms',
        replicas: 1,
        selector: { matchLabels: { pool: 'kubeadm' } },
        template: {
          metadata: { labels: { pool: 'kubeadm' } },
          spec: {
            clusterName: 'ms',
            version: 'v1.33.1',
            bootstrap,
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: 'later',
            },
          },
        },
      },
    });
    const blocked = await eventually('ScalingUp blocked', async () => {
      const obj = await getMs(h, ns, 'kubeadm');
      return condition(obj, 'ScalingUp')?.message?.includes('DevMachineTemplate does not exist')
        ? obj
        : undefined;
    });
    assert.equal(
      condition(blocked, 'ScalingUp')?.message,
      'Scaling up from 0 to 1 replicas is blocked because:\n* DevMachineTemplate does not exist',
    );
    assert.equal((await machinesOf(h, ns, 'kubeadm')).length, 0);
    await eventually('no KubeadmConfig left behind', async () => {
      const list = await h.client.list(KUBEADM_CONFIG, { namespace: ns });
      return list.items.length === 0;
    });

    await createDevMachineTemplate(h, ns, 'later');
    const machine = await eventually(
      'Machine with both clones',
      async () => {
        const [m] = await machinesOf(h, ns, 'kubeadm');
        return m && (m.spec as { bootstrap?: { configRef?: unknown } }).bootstrap?.configRef ? m : undefined;
      },
      PROVISION_TIMEOUT,
    );
    const name = machine.metadata.name!;
    assert.deepEqual((machine.spec as { bootstrap?: unknown }).bootstrap, {
      configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name },
    });
    const config = await eventually('KubeadmConfig adopted by its Machine', async () => {
      const obj = await getObj(h, KUBEADM_CONFIG, ns, name);
      return obj?.metadata.ownerReferences?.some((r) => r.kind === 'Machine' && r.controller)
        ? obj
        : undefined;
    });
    assert.equal(config.metadata.labels?.['from-template'], 'yes');
    assert.equal(config.metadata.labels?.[SET_NAME], 'kubeadm');
    assert.equal(config.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'ms');
    assert.equal(config.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], 'kubeadm-workers');
    assert.equal(
      config.metadata.annotations?.['cluster.x-k8s.io/cloned-from-groupkind'],
      'KubeadmConfigTemplate.bootstrap.cluster.x-k8s.io',
    );
    assert.deepEqual((config.spec as { preKubeadmCommands?: string[] }).preKubeadmCommands, ['echo hello']);
    assert.ok(await getObj(h, DEV_MACHINE, ns, name));

    await h.client.delete(msObj(c, 'kubeadm'));
    await eventually('MachineSet gone', async () => !(await getMs(h, ns, 'kubeadm')), PROVISION_TIMEOUT);
    await eventually('KubeadmConfig gone', async () => !(await getObj(h, KUBEADM_CONFIG, ns, name)));
  });

  it('holds scale-up while preflight checks fail, and lets the skip annotation through', async () => {
    const h = harness();
    const ns = await h.namespace();
    // A Cluster with a control plane that has not reported a version yet: it is provisioning.
    await h.client.create({
      apiVersion: KCP.apiVersion,
      kind: 'KubeadmControlPlane',
      metadata: { name: 'pf', namespace: ns },
      spec: {
        version: 'v1.33.1',
        machineTemplate: {
          spec: {
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: 'workers',
            },
          },
        },
      },
    });
    await h.client.create({
      apiVersion: CLUSTER.apiVersion,
      kind: 'Cluster',
      metadata: { name: 'pf', namespace: ns },
      spec: {
        controlPlaneRef: {
          apiGroup: 'controlplane.cluster.x-k8s.io',
          kind: 'KubeadmControlPlane',
          name: 'pf',
        },
      },
    });
    await createDevMachineTemplate(h, ns, 'workers');
    const c = { namespace: ns, name: 'pf' };
    await createMachineSet(h, c, 'pf', { replicas: 1, version: 'v1.34.0' });
    const blocked = await eventually('ScalingUp blocked by preflight checks', async () => {
      const obj = await getMs(h, ns, 'pf');
      return condition(obj, 'ScalingUp')?.message?.includes('preflight check failed') ? obj : undefined;
    });
    assert.equal(condition(blocked, 'ScalingUp')?.status, 'True');
    assert.equal(
      condition(blocked, 'ScalingUp')?.message,
      [
        'Scaling up from 0 to 1 replicas is blocked because:',
        `* KubeadmControlPlane ${ns}/pf is provisioning ("ControlPlaneIsStable" preflight check failed)`,
        '* MachineSet version (1.34.0) and ControlPlane version (1.33.1) do not conform to the kubernetes version skew policy as MachineSet version is higher than ControlPlane version ("KubernetesVersionSkew" preflight check failed)',
      ].join('\n'),
    );
    assert.equal((await machinesOf(h, ns, 'pf')).length, 0);

    await h.client.patch(msObj(c, 'pf'), {
      type: 'merge',
      data: {
        metadata: {
          annotations: { 'machineset.cluster.x-k8s.io/skip-preflight-checks': 'ControlPlaneIsStable' },
        },
      },
    });
    const skewOnly = await eventually('only the version skew left', async () => {
      const obj = await getMs(h, ns, 'pf');
      const msg = condition(obj, 'ScalingUp')?.message ?? '';
      return msg.includes('KubernetesVersionSkew') && !msg.includes('ControlPlaneIsStable') ? obj : undefined;
    });
    assert.ok(skewOnly);
    assert.equal((await machinesOf(h, ns, 'pf')).length, 0);

    await h.client.patch(msObj(c, 'pf'), {
      type: 'merge',
      data: {
        metadata: {
          annotations: {
            'machineset.cluster.x-k8s.io/skip-preflight-checks':
              'ControlPlaneIsStable, KubernetesVersionSkew',
          },
        },
      },
    });
    await eventually(
      'Machine created once the checks are skipped',
      async () => (await machinesOf(h, ns, 'pf')).length === 1,
    );
  });
});
