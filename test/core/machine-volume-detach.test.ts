// Machine deletion waits, after the drain, for the Node's volumes to be detached: VolumeAttachments naming the
// Node and the Node's status.volumesAttached, mapped through PersistentVolumes to their claims, all in a
// simulated workload cluster of the in-memory backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import {
  CLUSTER,
  condition,
  DEV_MACHINE,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  NODE,
  type Obj,
  POD,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import { applyPlainCluster, clusterWorkloadClient, type PlainMachine, setupCore } from './core-helpers.js';

const PV = { apiVersion: 'v1', kind: 'PersistentVolume' };
const VA = { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment' };
const DRIVER = 'csi.example.com';
const csiName = (handle: string) => `kubernetes.io/csi/${DRIVER}^${handle}`;

interface Setup {
  ns: string;
  wl: KubeClient;
  /** The worker Machine, also the name of its Node. */
  worker: string;
}

/** A Cluster with a control plane Machine and one worker whose Node is up. */
async function clusterWithWorker(
  h: Harness,
  name: string,
  worker: Partial<PlainMachine> = {},
): Promise<Setup> {
  const ns = await h.namespace();
  const workerName = `${name}-w-0`;
  const c = await applyPlainCluster(h, ns, name, [
    { name: `${name}-cp-0`, controlPlane: true },
    { ...worker, name: workerName },
  ]);
  const cluster = await eventually(
    'Cluster Available',
    async () => {
      const obj = await getObj(h, CLUSTER, ns, name);
      return condition(obj, 'Available')?.status === 'True' ? obj : undefined;
    },
    60_000,
  );
  await eventually(
    'worker Node referenced',
    async () =>
      ((await getObj(h, MACHINE, ns, workerName))?.status as { nodeRef?: { name?: string } } | undefined)
        ?.nodeRef?.name === workerName,
    60_000,
  );
  return { ns, wl: await clusterWorkloadClient(c, cluster), worker: workerName };
}

async function createPersistentVolume(
  wl: KubeClient,
  name: string,
  o: { claim?: string; handle?: string } = {},
): Promise<void> {
  const [namespace, claim] = o.claim?.split('/') ?? [];
  await wl.create({
    ...PV,
    metadata: { name },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      csi: { driver: DRIVER, volumeHandle: o.handle ?? name },
      ...(o.claim ? { claimRef: { kind: 'PersistentVolumeClaim', namespace, name: claim } } : {}),
    },
  });
}

/** What the attach/detach controller and the CSI attacher leave behind for an attached volume. */
async function attach(
  wl: KubeClient,
  name: string,
  pv: string,
  node: string,
  attached = true,
): Promise<void> {
  const va = await wl.create<Obj>({
    ...VA,
    metadata: { name },
    spec: { attacher: DRIVER, nodeName: node, source: { persistentVolumeName: pv } },
  });
  await wl.patchStatus(va, { type: 'merge', data: { status: { attached } } });
}

const detach = (wl: KubeClient, name: string) => wl.delete({ ...VA, metadata: { name } });

async function setVolumesAttached(wl: KubeClient, node: string, names: string[]): Promise<void> {
  const n = await wl.get<Obj>(NODE, { name: node });
  await wl.patchStatus(n, {
    type: 'merge',
    data: { status: { volumesAttached: names.map((name) => ({ name, devicePath: '' })) } },
  });
}

const deleteMachine = (h: Harness, ns: string, name: string) =>
  h.client.delete({ apiVersion: MACHINE.apiVersion, kind: 'Machine', metadata: { name, namespace: ns } });

/** The Deleting condition once it says WaitingForVolumeDetach and `ok` accepts its message. */
async function waitingForVolumes(
  h: Harness,
  ns: string,
  machine: string,
  ok: (message: string) => boolean = () => true,
): Promise<{ message: string; machine: Obj }> {
  return eventually(
    'Deleting reason WaitingForVolumeDetach',
    async () => {
      const m = await getObj(h, MACHINE, ns, machine);
      const deleting = condition(m, 'Deleting');
      return deleting?.reason === 'WaitingForVolumeDetach' && ok(deleting.message ?? '')
        ? { message: deleting.message!, machine: m! }
        : undefined;
    },
    30_000,
  );
}

const machineGone = (h: Harness, ns: string, machine: string, timeoutMs = 30_000) =>
  eventually(`Machine ${machine} deleted`, async () => !(await getObj(h, MACHINE, ns, machine)), timeoutMs);

const exists = async (wl: KubeClient, type: { apiVersion: string; kind: string }, name: string) =>
  wl.get(type, { name }).then(
    () => true,
    () => false,
  );

describe('Machine deletion waits for the Node volumes to be detached', () => {
  const harness = useHarness({ setup: setupCore });

  it('attached volumes block deletion, listed in Deleting, until they are detached', async () => {
    const h = harness();
    const { ns, wl, worker } = await clusterWithWorker(h, 'vd');
    try {
      await createPersistentVolume(wl, 'pv-data', { claim: 'default/data', handle: 'vol-data' });
      await createPersistentVolume(wl, 'pv-static');
      await createPersistentVolume(wl, 'pv-elsewhere', { claim: 'default/other' });
      await attach(wl, 'va-data', 'pv-data', worker);
      await attach(wl, 'va-static', 'pv-static', worker);
      await attach(wl, 'va-gone', 'pv-gone', worker);
      // Neither attached nor for this Node: not waited for.
      await attach(wl, 'va-attaching', 'pv-elsewhere', worker, false);
      await attach(wl, 'va-other-node', 'pv-elsewhere', `${worker}-other`);
      await setVolumesAttached(wl, worker, [csiName('vol-data'), csiName('vol-orphan')]);

      await deleteMachine(h, ns, worker);
      const { message, machine } = await waitingForVolumes(h, ns, worker);
      const startedAt = (machine.status as { deletion?: { waitForNodeVolumeDetachStartTime?: string } })
        .deletion?.waitForNodeVolumeDetachStartTime;
      assert.ok(startedAt, 'waitForNodeVolumeDetachStartTime recorded');
      assert.equal(
        message,
        [
          `Waiting for Node volumes to be detached (started at ${startedAt})`,
          '* PersistentVolumeClaims: default/data',
          '* PersistentVolumes without a .spec.claimRef to a PersistentVolumeClaim: pv-static',
          `* Node with .status.volumesAttached entries not matching a PersistentVolume: ${csiName('vol-orphan')}`,
          '* VolumeAttachment with .spec.source.persistentVolumeName not matching a PersistentVolume: pv-gone',
        ].join('\n'),
      );
      // The drain is over (the Node is cordoned) but nothing is torn down while volumes are attached.
      const node = await wl.get<Obj>(NODE, { name: worker });
      assert.equal((node.spec as { unschedulable?: boolean }).unschedulable, true);
      assert.equal((await getObj(h, DEV_MACHINE, ns, worker))?.metadata.deletionTimestamp, undefined);

      // The VolumeAttachments go; the Node still reports the claim's volume.
      for (const va of ['va-data', 'va-static', 'va-gone']) await detach(wl, va);
      await waitingForVolumes(
        h,
        ns,
        worker,
        (m) =>
          m ===
          [
            `Waiting for Node volumes to be detached (started at ${startedAt})`,
            '* PersistentVolumeClaims: default/data',
            `* Node with .status.volumesAttached entries not matching a PersistentVolume: ${csiName('vol-orphan')}`,
          ].join('\n'),
      );

      await setVolumesAttached(wl, worker, []);
      await machineGone(h, ns, worker);
      assert.equal(await exists(wl, NODE, worker), false, 'the Node is deleted after its volumes');
    } finally {
      wl.close();
    }
  });

  it('nodeVolumeDetachTimeoutSeconds lets the deletion go on with volumes still attached', async () => {
    const h = harness();
    const { ns, wl, worker } = await clusterWithWorker(h, 'vt', {
      spec: { deletion: { nodeVolumeDetachTimeoutSeconds: 3 } },
    });
    try {
      await createPersistentVolume(wl, 'pv-data', { claim: 'default/data' });
      await attach(wl, 'va-data', 'pv-data', worker);
      const deletedAt = Date.now();
      await deleteMachine(h, ns, worker);
      await waitingForVolumes(h, ns, worker, (m) => m.includes('* PersistentVolumeClaims: default/data'));
      await machineGone(h, ns, worker);
      // waitForNodeVolumeDetachStartTime has whole seconds, so the timeout can end up to 1 s early.
      assert.ok(Date.now() - deletedAt >= 2000, 'not before nodeVolumeDetachTimeoutSeconds');
      assert.equal(await exists(wl, VA, 'va-data'), true);
    } finally {
      wl.close();
    }
  });

  it('the exclude-wait-for-node-volume-detach annotation skips the wait', async () => {
    const h = harness();
    const { ns, wl, worker } = await clusterWithWorker(h, 've');
    try {
      await createPersistentVolume(wl, 'pv-data', { claim: 'default/data' });
      await attach(wl, 'va-data', 'pv-data', worker);
      const m = await getObj(h, MACHINE, ns, worker);
      await h.client.patch(m!, {
        type: 'merge',
        data: {
          metadata: { annotations: { 'machine.cluster.x-k8s.io/exclude-wait-for-node-volume-detach': '' } },
        },
      });
      await deleteMachine(h, ns, worker);
      await machineGone(h, ns, worker);
      assert.equal(await exists(wl, VA, 'va-data'), true);
    } finally {
      wl.close();
    }
  });

  it('volumes of Pods the drain skips (DaemonSet) are not waited for', async () => {
    const h = harness();
    const { ns, wl, worker } = await clusterWithWorker(h, 'vs');
    try {
      await wl.create({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent', namespace: 'default' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            metadata: { labels: { app: 'agent' } },
            spec: {
              containers: [{ name: 'agent', image: 'agent:1' }],
              volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'agent-data' } }],
            },
          },
        },
      });
      await eventually('agent Pod on the worker', async () => {
        const pods = await wl.list<Obj>(POD, { namespace: 'default', labelSelector: 'app=agent' });
        return pods.items.some((p) => (p.spec as { nodeName?: string }).nodeName === worker);
      });
      await createPersistentVolume(wl, 'pv-agent', { claim: 'default/agent-data' });
      await createPersistentVolume(wl, 'pv-app', { claim: 'default/app-data' });
      await attach(wl, 'va-agent', 'pv-agent', worker);
      await attach(wl, 'va-app', 'pv-app', worker);

      await deleteMachine(h, ns, worker);
      const { message } = await waitingForVolumes(h, ns, worker);
      assert.match(message, /\n\* PersistentVolumeClaims: default\/app-data$/);
      assert.doesNotMatch(message, /agent-data/);

      await detach(wl, 'va-app');
      await machineGone(h, ns, worker);
      assert.equal(await exists(wl, VA, 'va-agent'), true);
    } finally {
      wl.close();
    }
  });

  it('an unreachable Node is not waited for', async () => {
    const h = harness();
    const { ns, wl, worker } = await clusterWithWorker(h, 'vu');
    try {
      await createPersistentVolume(wl, 'pv-data', { claim: 'default/data' });
      await attach(wl, 'va-data', 'pv-data', worker);
      // The kubelet stopped posting status: the node lifecycle controller sets Ready to Unknown.
      const n = await wl.get<Obj>(NODE, { name: worker });
      const conditions = (n.status as { conditions: Record<string, unknown>[] }).conditions.map((c) =>
        c.type === 'Ready'
          ? {
              ...c,
              status: 'Unknown',
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
            }
          : c,
      );
      await wl.patchStatus(n, { type: 'merge', data: { status: { conditions } } });
      await deleteMachine(h, ns, worker);
      await machineGone(h, ns, worker);
      assert.equal(await exists(wl, VA, 'va-data'), true);
    } finally {
      wl.close();
    }
  });
});
