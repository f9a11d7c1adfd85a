// What the Machine controller keeps on Nodes and reports about them, seen through the real workload API server
// of the in-memory backend: Machine taints (MachineTaintPropagation), the outdated-revision taint during
// MachineDeployment rollouts, the interruptible label, certificate expiry of control plane Machines, the grace
// period for Node conditions while a workload cluster does not answer, and no UpToDate on stand-alone Machines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import type { Manager } from '../../src/controller-runtime/manager/manager.js';
import { setupCoreControllers } from '../../src/main/core-controllers.js';
import {
  b64,
  CLUSTER,
  condition,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  metricValue,
  NODE,
  type Obj,
  type TestCluster,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import {
  applyPlainCluster,
  clusterWorkloadClient,
  createDevMachineTemplate,
  createMachineDeployment,
  MACHINE_DEPLOYMENT,
  poolMachines,
} from './core-helpers.js';

const KUBEADM_CONFIG = { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2', kind: 'KubeadmConfig' };
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
const TAINTS_FROM_MACHINE = 'cluster.x-k8s.io/taints-from-machine';
const UNINITIALIZED = 'node.cluster.x-k8s.io/uninitialized';
const OUTDATED = 'node.cluster.x-k8s.io/outdated-revision';
const INTERRUPTIBLE = 'cluster.x-k8s.io/interruptible';
const EXPIRY = 'machine.cluster.x-k8s.io/certificates-expiry';

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

const cacheIntervals = { probeIntervalMs: 500, probeTimeoutMs: 1000, connectionRetryMs: 250 };

function setup(options: Parameters<typeof setupCoreControllers>[1] = {}) {
  return (manager: Manager): void => {
    setupCoreControllers(manager, { clusterCache: cacheIntervals, ...options });
  };
}

interface ExtraMachine {
  name: string;
  controlPlane?: boolean;
  annotations?: Record<string, string>;
  /** Extra Machine spec fields (taints, a bootstrap configRef, ...). */
  spec?: Record<string, unknown>;
}

/**
 * A Machine and its DevMachine (0 s steps) in a plain cluster, with bootstrap data that makes the simulated
 * kubelet register its Node with the uninitialized taint, as CABPK's does.
 */
async function addMachine(h: Harness, c: TestCluster, m: ExtraMachine): Promise<void> {
  await h.client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'cluster.x-k8s.io/secret',
    metadata: {
      name: `${m.name}-bootstrap`,
      namespace: c.namespace,
      labels: { 'cluster.x-k8s.io/cluster-name': c.name },
    },
    data: {
      value: b64(
        `#cloud-config\nwrite_files:\n  - path: /run/kubeadm/kubeadm-join-config.yaml\n    content: |\n      nodeRegistration:\n        taints:\n          - key: ${UNINITIALIZED}\n            effect: NoSchedule\nruncmd:\n  - kubeadm join --config /run/kubeadm/kubeadm-join-config.yaml\n`,
      ),
      format: b64('cloud-config'),
    },
  });
  await h.client.create({
    ...MACHINE,
    metadata: {
      name: m.name,
      namespace: c.namespace,
      labels: m.controlPlane ? { 'cluster.x-k8s.io/control-plane': '' } : {},
      ...(m.annotations ? { annotations: m.annotations } : {}),
    },
    spec: {
      clusterName: c.name,
      version: 'v1.33.1',
      bootstrap: { dataSecretName: `${m.name}-bootstrap` },
      infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: m.name },
      ...m.spec,
    },
  });
  const step = { provisioning: { startupDuration: '0s' } };
  await h.client.create({
    ...DEV_MACHINE,
    metadata: { name: m.name, namespace: c.namespace },
    spec: { backend: { inMemory: { vm: step, node: step, etcd: step, apiServer: step } } },
  });
}

/** A plain cluster with these Machines; returns it once its first Machine's Node is Ready, with a workload client. */
async function runningCluster(
  h: Harness,
  name: string,
  machines: ExtraMachine[],
  ns?: string,
): Promise<{ c: TestCluster; wl: KubeClient }> {
  const namespace = ns ?? (await h.namespace());
  const c = await applyPlainCluster(h, namespace, name, []);
  for (const m of machines) await addMachine(h, c, m);
  const cluster = await eventually(
    `Cluster ${name} has an endpoint`,
    async () => {
      const obj = await getObj(h, CLUSTER, namespace, name);
      return obj?.spec?.controlPlaneEndpoint?.host ? obj : undefined;
    },
    60_000,
  );
  const wl = await clusterWorkloadClient(c, cluster);
  await nodeOf(h, c, machines[0]!.name);
  return { c, wl };
}

/** The Machine once NodeReady is True (its Node linked and synced at least once). */
async function readyMachine(h: Harness, c: TestCluster, machine: string): Promise<Obj> {
  return eventually(
    `${machine} NodeReady`,
    async () => {
      const m = await getObj(h, MACHINE, c.namespace, machine);
      return condition(m, 'NodeReady')?.status === 'True' ? m : undefined;
    },
    60_000,
  );
}

async function nodeOf(h: Harness, c: TestCluster, machine: string): Promise<string> {
  const m = await readyMachine(h, c, machine);
  return (m.status as { nodeRef: { name: string } }).nodeRef.name;
}

const taintsOf = (node: Obj | undefined): Taint[] =>
  ((node?.spec as { taints?: Taint[] } | undefined)?.taints ?? []).map(({ key, value, effect }) => ({
    key,
    ...(value ? { value } : {}),
    effect,
  }));

const getNode = (wl: KubeClient, name: string): Promise<Obj> => wl.get<Obj>(NODE, { name });

async function setMachineTaints(
  h: Harness,
  c: TestCluster,
  machine: string,
  taints: unknown[],
): Promise<void> {
  await h.client.patch(
    { ...MACHINE, metadata: { name: machine, namespace: c.namespace } },
    { type: 'merge', data: { spec: { taints } } },
  );
}

describe('Machine controller: Node sync (MachineTaintPropagation on)', () => {
  const harness = useHarness({ setup: setup({ featureGates: { MachineTaintPropagation: true } }) });

  it('keeps Always taints on the Node, sets OnInitialization taints once, and never touches taints of others', async () => {
    const h = harness();
    const dedicated = { key: 'example.com/dedicated', value: 'gpu', effect: 'NoSchedule' };
    const warming = { key: 'example.com/warming', effect: 'PreferNoSchedule' };
    const theirs = { key: 'other.io/theirs', effect: 'NoSchedule' };
    const { c, wl } = await runningCluster(h, 't1', [
      { name: 't1-cp-0', controlPlane: true },
      {
        name: 't1-w-0',
        spec: {
          taints: [
            { ...dedicated, propagation: 'Always' },
            { ...warming, propagation: 'OnInitialization' },
          ],
        },
      },
    ]);
    try {
      const nodeName = await nodeOf(h, c, 't1-w-0');
      // Once Cluster API initialized the Node: both taints, no uninitialized taint, the Always one tracked.
      let node = await eventually('Node initialized with the Machine taints', async () => {
        const n = await getNode(wl, nodeName);
        return n.metadata.annotations?.[TAINTS_FROM_MACHINE] !== undefined ? n : undefined;
      });
      assert.deepEqual(taintsOf(node), [dedicated, warming]);
      assert.equal(node.metadata.annotations?.[TAINTS_FROM_MACHINE], 'example.com/dedicated:NoSchedule');

      // Someone replaces the Node's taints: the Always taint comes back, the OnInitialization one does not,
      // and their own taint stays.
      await wl.patch(node, { type: 'merge', data: { spec: { taints: [theirs] } } });
      node = await eventually('Always taint restored', async () => {
        const n = await getNode(wl, nodeName);
        return taintsOf(n).some((t) => t.key === dedicated.key) ? n : undefined;
      });
      assert.deepEqual(taintsOf(node), [theirs, dedicated]);

      // A new value on the Machine reaches the Node in place.
      await setMachineTaints(h, c, 't1-w-0', [
        { ...dedicated, value: 'tpu', propagation: 'Always' },
        { ...warming, propagation: 'OnInitialization' },
      ]);
      node = await eventually('taint value updated', async () => {
        const n = await getNode(wl, nodeName);
        return taintsOf(n).some((t) => t.key === dedicated.key && t.value === 'tpu') ? n : undefined;
      });
      assert.deepEqual(taintsOf(node), [theirs, { ...dedicated, value: 'tpu' }]);

      // Dropped from the Machine: removed from the Node, and no longer tracked.
      await setMachineTaints(h, c, 't1-w-0', [{ ...warming, propagation: 'OnInitialization' }]);
      node = await eventually('Always taint removed', async () => {
        const n = await getNode(wl, nodeName);
        return taintsOf(n).some((t) => t.key === dedicated.key) ? undefined : n;
      });
      assert.deepEqual(taintsOf(node), [theirs]);
      assert.equal(node.metadata.annotations?.[TAINTS_FROM_MACHINE], '');
    } finally {
      wl.close();
    }
  });

  it('taints the Nodes of an outdated MachineSet PreferNoSchedule, and untaints them when it is current again', async () => {
    const h = harness();
    const { c, wl } = await runningCluster(h, 'o1', [{ name: 'o1-cp-0', controlPlane: true }]);
    try {
      // OnDelete keeps the old Machine until someone deletes it, so the outdated state lasts.
      await createMachineDeployment(h, c, 'o1-md', 1, { strategy: { type: 'OnDelete' } });
      const [worker] = await eventually('the MachineDeployment Machine', async () => {
        const ms = await poolMachines(h, c.namespace, 'o1-md');
        return ms.length === 1 ? ms : undefined;
      });
      const nodeName = await nodeOf(h, c, worker!.metadata.name!);
      const outdated = async (want: boolean) =>
        eventually(`outdated-revision taint ${want ? 'present' : 'absent'}`, async () => {
          const taints = taintsOf(await getNode(wl, nodeName));
          return taints.some((t) => t.key === OUTDATED) === want ? taints : undefined;
        });
      // Current: no taint (the first sync has happened once the Node is Ready).
      assert.ok(!taintsOf(await getNode(wl, nodeName)).some((t) => t.key === OUTDATED));

      // A template change makes a new MachineSet (revision 2): the old Machine's Node is outdated.
      await createDevMachineTemplate(h, c.namespace, 'o1-md-b');
      const setTemplate = (name: string) =>
        h.client.patch(
          { ...MACHINE_DEPLOYMENT, metadata: { name: 'o1-md', namespace: c.namespace } },
          {
            type: 'merge',
            data: { spec: { template: { spec: { infrastructureRef: { name } } } } },
          },
        );
      await setTemplate('o1-md-b');
      assert.deepEqual(
        (await outdated(true)).find((t) => t.key === OUTDATED),
        { key: OUTDATED, effect: 'PreferNoSchedule' },
      );

      // Rolling back makes the old MachineSet the newest again (revision 3): the taint goes.
      await setTemplate('o1-md');
      await outdated(false);
      await eventually('the MachineDeployment at revision 3', async () => {
        const md = await getObj(h, MACHINE_DEPLOYMENT, c.namespace, 'o1-md');
        return md?.metadata.annotations?.['machinedeployment.clusters.x-k8s.io/revision'] === '3';
      });
    } finally {
      wl.close();
    }
  });

  it('labels the Node of an interruptible instance, and unlabels it when the provider says otherwise', async () => {
    const h = harness();
    // The dev provider has no spot instances; give its DevMachine the contract's status.interruptible field,
    // as a provider that has them would.
    const crd = await h.client.get<Obj>(CRD, { name: 'devmachines.infrastructure.cluster.x-k8s.io' });
    const versions = (crd.spec as { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] })
      .versions;
    for (const v of versions) {
      const status = (v.schema.openAPIV3Schema.properties as Record<string, { properties: object }>).status!;
      status.properties = { ...status.properties, interruptible: { type: 'boolean' } };
    }
    await h.client.update(crd);
    const { c, wl } = await runningCluster(h, 'i1', [{ name: 'i1-cp-0', controlPlane: true }]);
    try {
      const nodeName = await nodeOf(h, c, 'i1-cp-0');
      assert.equal((await getNode(wl, nodeName)).metadata.labels?.[INTERRUPTIBLE], undefined);
      const setInterruptible = (value: boolean) =>
        h.client.patchStatus(
          { ...DEV_MACHINE, metadata: { name: 'i1-cp-0', namespace: c.namespace } },
          { type: 'merge', data: { status: { interruptible: value } } },
        );
      await setInterruptible(true);
      const labelled = await eventually('interruptible label', async () => {
        const n = await getNode(wl, nodeName);
        return n.metadata.labels?.[INTERRUPTIBLE] === '' ? n : undefined;
      });
      assert.match(
        labelled.metadata.annotations?.['cluster.x-k8s.io/labels-from-machine'] ?? '',
        /interruptible/,
      );
      await setInterruptible(false);
      await eventually('interruptible label removed', async () => {
        const n = await getNode(wl, nodeName);
        return INTERRUPTIBLE in (n.metadata.labels ?? {}) ? undefined : n;
      });
    } finally {
      wl.close();
    }
  });

  it('reports certificate expiry of control plane Machines from the Machine, else the bootstrap config', async () => {
    const h = harness();
    const ns = await h.namespace();
    // A bootstrap config that is done (as CABPK leaves it) and says when the certificates it made expire.
    await h.client.create({
      ...KUBEADM_CONFIG,
      metadata: { name: 'x1-cp-0', namespace: ns, annotations: { [EXPIRY]: '2031-01-02T03:04:05+01:00' } },
      spec: { format: 'cloud-config' },
    });
    await h.client.patchStatus(
      { ...KUBEADM_CONFIG, metadata: { name: 'x1-cp-0', namespace: ns } },
      {
        type: 'merge',
        data: {
          status: { initialization: { dataSecretCreated: true }, dataSecretName: 'x1-cp-0-bootstrap' },
        },
      },
    );
    const { c, wl } = await runningCluster(
      h,
      'x1',
      [
        {
          name: 'x1-cp-0',
          controlPlane: true,
          spec: {
            bootstrap: {
              configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: 'x1-cp-0' },
            },
          },
        },
        // Workers have no certificates to report, whatever their annotations say.
        { name: 'x1-w-0', annotations: { [EXPIRY]: '2031-01-01T00:00:00Z' } },
      ],
      ns,
    );
    wl.close();
    const expiry = async (want: string | undefined) =>
      eventually(`certificatesExpiryDate ${want ?? 'cleared'}`, async () => {
        const m = await getObj(h, MACHINE, ns, 'x1-cp-0');
        return (m?.status as { certificatesExpiryDate?: string } | undefined)?.certificatesExpiryDate === want
          ? m
          : undefined;
      });
    const annotateMachine = (value: string | null) =>
      h.client.patch(
        { ...MACHINE, metadata: { name: 'x1-cp-0', namespace: ns } },
        { type: 'merge', data: { metadata: { annotations: { [EXPIRY]: value } } } },
      );

    await expiry('2031-01-02T02:04:05Z');
    // The Machine's own annotation wins.
    await annotateMachine('2032-06-30T12:00:00Z');
    await expiry('2032-06-30T12:00:00Z');

    // Not a time: the reconcile fails (and is retried) and the date stays as it was.
    const errorsBefore = await metricValue(h.registry, 'controller_runtime_reconcile_errors_total', {
      controller: 'machine',
    });
    await annotateMachine('next tuesday');
    await eventually('a failed reconcile', async () => {
      const errors = await metricValue(h.registry, 'controller_runtime_reconcile_errors_total', {
        controller: 'machine',
      });
      return errors > errorsBefore;
    });
    await expiry('2032-06-30T12:00:00Z');

    // Neither the Machine nor its bootstrap config says: cleared.
    await annotateMachine(null);
    await expiry('2031-01-02T02:04:05Z');
    await h.client.patch(
      { ...KUBEADM_CONFIG, metadata: { name: 'x1-cp-0', namespace: ns } },
      { type: 'merge', data: { metadata: { annotations: { [EXPIRY]: null } } } },
    );
    await expiry(undefined);

    const worker = await readyMachine(h, c, 'x1-w-0');
    assert.equal((worker.status as { certificatesExpiryDate?: string }).certificatesExpiryDate, undefined);
  });

  it('sets no UpToDate condition on stand-alone Machines; Ready and Available do not need it', async () => {
    const h = harness();
    const { c, wl } = await runningCluster(h, 'u1', [
      { name: 'u1-cp-0', controlPlane: true },
      { name: 'u1-w-0' },
    ]);
    wl.close();
    for (const name of ['u1-cp-0', 'u1-w-0']) {
      const m = await eventually(`${name} Available`, async () => {
        const obj = await getObj(h, MACHINE, c.namespace, name);
        return condition(obj, 'Available')?.status === 'True' ? obj : undefined;
      });
      assert.equal(condition(m, 'Ready')?.status, 'True');
      assert.equal(condition(m, 'UpToDate'), undefined, name);
    }
  });
});

describe('Machine controller: Node sync (MachineTaintPropagation off)', () => {
  const harness = useHarness({ setup: setup({ featureGates: { MachineTaintPropagation: false } }) });

  it('leaves Machine taints off the Node and does not track any', async () => {
    const h = harness();
    const { c, wl } = await runningCluster(h, 'g1', [
      { name: 'g1-cp-0', controlPlane: true },
      {
        name: 'g1-w-0',
        spec: { taints: [{ key: 'example.com/dedicated', effect: 'NoSchedule', propagation: 'Always' }] },
      },
    ]);
    try {
      const node = await getNode(wl, await nodeOf(h, c, 'g1-w-0'));
      // The Node is synced (traced back to its Machine, uninitialized taint gone) but carries no Machine taint.
      assert.equal(node.metadata.annotations?.['cluster.x-k8s.io/machine'], 'g1-w-0');
      assert.deepEqual(taintsOf(node), []);
      assert.equal(node.metadata.annotations?.[TAINTS_FROM_MACHINE], undefined);
    } finally {
      wl.close();
    }
  });
});

describe('Machine controller: Node conditions while the workload cluster does not answer', () => {
  const GRACE_MS = 8000;
  const harness = useHarness({ setup: setup({ remoteConditionsGracePeriodMs: GRACE_MS }) });

  it('keeps the last known Node conditions for the grace period, then reports ConnectionDown', async () => {
    const h = harness();
    const { c, wl } = await runningCluster(h, 'r1', [{ name: 'r1-cp-0', controlPlane: true }]);
    wl.close();
    await readyMachine(h, c, 'r1-cp-0');
    const setUnreachable = (unreachable: boolean) =>
      h.client.patch(
        { ...DEV_CLUSTER, metadata: { name: 'r1', namespace: c.namespace } },
        {
          type: 'merge',
          data: {
            metadata: { annotations: { 'inmemory.capi-ts.io/unreachable': unreachable ? 'true' : null } },
          },
        },
      );
    const cutAt = Date.now();
    await setUnreachable(true);
    // The cluster cache drops the connection after 5 failed probes (a few seconds here); the Machine keeps
    // NodeReady/NodeHealthy True until the grace period since the last successful probe has passed.
    let down: Obj | undefined;
    while (!down) {
      const m = await getObj(h, MACHINE, c.namespace, 'r1-cp-0');
      const ready = condition(m, 'NodeReady');
      if (ready?.status !== 'True') down = m;
      else {
        assert.ok(Date.now() - cutAt < GRACE_MS + 15_000, 'NodeReady never turned Unknown');
        await sleep(50);
      }
    }
    const elapsed = Date.now() - cutAt;
    // The last success was about one probe interval (0.5 s) before the cut at most.
    assert.ok(elapsed >= GRACE_MS - 1000, `NodeReady changed after ${elapsed} ms, before the grace period`);
    for (const type of ['NodeReady', 'NodeHealthy']) {
      const cond = condition(down, type);
      assert.equal(cond?.status, 'Unknown', type);
      assert.equal(cond?.reason, 'ConnectionDown', type);
      assert.match(cond?.message ?? '', /^Last successful probe at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, type);
    }
    assert.equal(condition(down, 'Ready')?.status, 'Unknown');

    // Back: the Node's conditions again.
    await setUnreachable(false);
    await readyMachine(h, c, 'r1-cp-0');
  });
});
