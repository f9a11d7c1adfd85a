import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CLUSTER,
  createCluster,
  createMachine,
  DEV_CLUSTER,
  eventually,
  getObj,
  machineReady,
  markControlPlaneInitialized,
  useHarness,
} from './harness.js';

/** Whether this process can listen on the port (nobody holds it). */
async function canBind(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Provisions a DevCluster with a running control plane machine; its advertised endpoint port. */
async function provisioned(
  h: ReturnType<ReturnType<typeof useHarness>>,
  ns: string,
  name: string,
): Promise<number> {
  const c = await createCluster(h, ns, name);
  const dc = await eventually(`${name} endpoint`, async () => {
    const obj = await getObj(h, DEV_CLUSTER, ns, name);
    return obj?.spec?.controlPlaneEndpoint?.port ? obj : undefined;
  });
  await markControlPlaneInitialized(h, c);
  const { devMachineName } = await createMachine(h, c, `${name}-cp-0`, { controlPlane: true });
  await machineReady(h, ns, devMachineName);
  return dc.spec!.controlPlaneEndpoint!.port;
}

describe('in-memory backend: a DevCluster that leaves the management plane', () => {
  const harness = useHarness();

  it('releases the workload cluster and its port when the DevCluster disappears without its deletion (moved away)', async () => {
    const h = harness();
    const ns = await h.namespace();
    const port = await provisioned(h, ns, 'moving');
    const stays = await provisioned(h, ns, 'staying');
    assert.equal(await canBind(port), false, 'the endpoint is held while the DevCluster exists');

    // What `capi move` does on the source: pause, strip the finalizer, delete (the backend's deletion never runs).
    await h.client.patch(
      { ...CLUSTER, metadata: { namespace: ns, name: 'moving' } },
      { type: 'merge', data: { spec: { paused: true } } },
    );
    const ref = { ...DEV_CLUSTER, metadata: { namespace: ns, name: 'moving' } };
    await h.client.patch(ref, { type: 'merge', data: { metadata: { finalizers: null } } });
    await h.client.delete(ref);

    await eventually('the port released', async () => (await canBind(port)) || undefined, 5_000);
    assert.equal(h.provider.cloud.get(`${ns}/moving`), undefined, 'the workload cluster is forgotten');

    // The other cluster, whose DevCluster still exists, keeps its workload cluster and endpoint.
    await sleep(200);
    assert.ok(h.provider.cloud.get(`${ns}/staying`), 'untouched while its DevCluster exists');
    assert.equal(await canBind(stays), false);
  });

  it('keeps the workload cluster of a paused DevCluster that still exists', async () => {
    const h = harness();
    const ns = await h.namespace();
    const port = await provisioned(h, ns, 'paused');
    await h.client.patch(
      { ...CLUSTER, metadata: { namespace: ns, name: 'paused' } },
      { type: 'merge', data: { spec: { paused: true } } },
    );
    await h.client.patch(
      { ...DEV_CLUSTER, metadata: { namespace: ns, name: 'paused' } },
      { type: 'merge', data: { metadata: { annotations: { touched: 'yes' } } } },
    );
    await sleep(300);
    assert.ok(h.provider.cloud.get(`${ns}/paused`));
    assert.equal(await canBind(port), false);
  });
});
