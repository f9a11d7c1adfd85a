import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/controller-runtime/api/object.js';
import {
  condition,
  createBootstrapData,
  createCluster,
  createMachine,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  type Harness,
  markInfrastructureProvisioned,
  NODE,
  type Obj,
  POD,
  useHarness,
  machineReady,
  workloadClient,
} from './harness.js';

const STEP_CONDITIONS = ['VMProvisioned', 'NodeProvisioned', 'EtcdProvisioned', 'APIServerProvisioned'];

/** Follows a DevMachine's conditions through a watch, noting when each first turned True and every reason seen. */
function followConditions(h: Harness, ns: string, name: string) {
  const trueAt = new Map<string, number>();
  const reasons = new Map<string, Set<string>>();
  const controller = new AbortController();
  const done = (async () => {
    for await (const event of h.client.watch<Obj>(DEV_MACHINE, {
      namespace: ns,
      signal: controller.signal,
    })) {
      if (event.object.metadata?.name !== name) continue;
      for (const c of event.object.status?.conditions ?? []) {
        if (!reasons.has(c.type)) reasons.set(c.type, new Set());
        reasons.get(c.type)!.add(c.reason);
        if (c.status === 'True' && !trueAt.has(c.type)) trueAt.set(c.type, Date.now());
      }
    }
  })().catch(() => undefined);
  return {
    trueAt,
    reasons,
    async stop() {
      controller.abort();
      await done;
    },
  };
}

async function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('in-memory backend: provisioning steps, delays and deletion', () => {
  const harness = useHarness();

  it('goes VM -> Node -> etcd + API server with the configured startup durations, reporting each wait', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'timed');
    await markInfrastructureProvisioned(h, c);
    const started = Date.now();
    const follow = followConditions(h, ns, 'timed-cp-0-dev');
    await createMachine(h, c, 'timed-cp-0', {
      controlPlane: true,
      timings: { vm: '400ms', node: '300ms', etcd: '200ms', apiServer: '500ms' },
    });
    await eventually(
      'Ready',
      async () => condition(await getObj(h, DEV_MACHINE, ns, 'timed-cp-0-dev'), 'Ready')?.status === 'True',
    );
    await follow.stop();

    const at = (type: string): number => {
      const t = follow.trueAt.get(type);
      assert.ok(t, `${type} turned True`);
      return t - started;
    };
    // Each step waits its own duration after the step it follows (etcd and API server both after the Node), so
    // it cannot be seen done before the sum of the durations on its path (observed times only run late).
    assert.ok(at('VMProvisioned') >= 400, `VM after ${at('VMProvisioned')} ms`);
    assert.ok(at('NodeProvisioned') >= 700, `Node after ${at('NodeProvisioned')} ms (400 + 300)`);
    assert.ok(at('EtcdProvisioned') >= 900, `etcd after ${at('EtcdProvisioned')} ms (400 + 300 + 200)`);
    assert.ok(
      at('APIServerProvisioned') >= 1200,
      `API server after ${at('APIServerProvisioned')} ms (400 + 300 + 500)`,
    );
    assert.ok(at('NodeProvisioned') >= at('VMProvisioned'), 'the Node after the VM');
    assert.ok(at('APIServerProvisioned') >= at('EtcdProvisioned'), 'the longer step finishes later');
    // While waiting, every step said so.
    for (const type of STEP_CONDITIONS)
      assert.ok(
        follow.reasons.get(type)?.has('WaitingForStartupTimeout'),
        `${type} reported WaitingForStartupTimeout`,
      );
    const readyReasons = follow.reasons.get('Ready') ?? new Set();
    assert.ok(
      readyReasons.size >= 2,
      `Ready went through NotReady to Ready (${[...readyReasons].join(', ')})`,
    );
  });

  it('waits for the bootstrap data Secret before the VM step, naming it', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'nodata');
    await markInfrastructureProvisioned(h, c);
    // The Machine names a data Secret that does not exist yet.
    await createMachine(h, c, 'nodata-cp-0', { controlPlane: true, withoutData: true });
    await h.client.patch(
      {
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'Machine',
        metadata: { name: 'nodata-cp-0', namespace: ns },
      },
      { type: 'merge', data: { spec: { bootstrap: { dataSecretName: 'nodata-cp-0-bootstrap' } } } },
    );
    const waiting = await eventually('WaitingForBootstrapData', async () => {
      const vm = condition(await getObj(h, DEV_MACHINE, ns, 'nodata-cp-0-dev'), 'VMProvisioned');
      return vm?.reason === 'WaitingForBootstrapData' && vm.message ? vm : undefined;
    });
    assert.match(waiting.message!, /bootstrap data Secret nodata-cp-0-bootstrap not found/);
    await createBootstrapData(h, c, 'nodata-cp-0');
    await eventually(
      'provisioned once the data exists',
      async () => condition(await getObj(h, DEV_MACHINE, ns, 'nodata-cp-0-dev'), 'Ready')?.status === 'True',
      15_000,
    );
  });

  it('deleting a DevMachine removes its Node, static Pods and etcd member; deleting the DevCluster frees the endpoint', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'gone');
    await markInfrastructureProvisioned(h, c);
    await createMachine(h, c, 'gone-cp-0', { controlPlane: true });
    await createMachine(h, c, 'gone-cp-1', { controlPlane: true });
    for (const m of ['gone-cp-0-dev', 'gone-cp-1-dev']) await machineReady(h, ns, m);
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, 'gone'))!.spec!.controlPlaneEndpoint!;
    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    const workload = h.provider.cloud.get(`${ns}/gone`)!;
    assert.equal(workload.etcd.members().length, 2);

    await h.client.delete({
      apiVersion: DEV_MACHINE.apiVersion,
      kind: 'DevMachine',
      metadata: { name: 'gone-cp-1-dev', namespace: ns },
    });
    await eventually(
      'DevMachine gone (finalizer released)',
      async () => !(await getObj(h, DEV_MACHINE, ns, 'gone-cp-1-dev')),
    );
    await assert.rejects(
      wl.get(NODE, { name: 'gone-cp-1-dev' }),
      (err: { code?: number }) => err.code === 404,
    );
    const pods = await wl.list<KubeObject>(POD, {
      namespace: 'kube-system',
      fieldSelector: 'spec.nodeName=gone-cp-1-dev',
    });
    assert.deepEqual(
      pods.items.map((p) => p.metadata.name),
      [],
    );
    assert.deepEqual(
      workload.etcd.members().map((m) => m.name),
      ['gone-cp-0-dev'],
    );
    // The remaining control plane machine still serves the endpoint.
    await wl.get(NODE, { name: 'gone-cp-0-dev' });
    wl.close();

    const portsBefore = h.provider.cloud.ports.inUse;
    await h.client.delete({
      apiVersion: DEV_CLUSTER.apiVersion,
      kind: 'DevCluster',
      metadata: { name: 'gone', namespace: ns },
    });
    await eventually('DevCluster gone', async () => !(await getObj(h, DEV_CLUSTER, ns, 'gone')));
    assert.equal(h.provider.cloud.get(`${ns}/gone`), undefined);
    assert.equal(h.provider.cloud.ports.inUse, portsBefore - 1);
    assert.equal(await refused(endpoint.port), true, 'the port is closed');
  });
});
