import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  condition,
  createCluster,
  createMachine,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  machineReady,
  markControlPlaneInitialized,
  NODE,
  type Obj,
  useHarness,
  workloadClient,
} from './harness.js';

const STEPS = ['VMProvisioned', 'NodeProvisioned', 'EtcdProvisioned', 'APIServerProvisioned'];

describe('in-memory backend: a restart of the provider process', () => {
  const harness = useHarness();

  it('binds the advertised endpoint again and rebuilds Nodes and etcd members without re-running finished steps', async (t) => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'phoenix');
    await markControlPlaneInitialized(h, c);
    // The worker first, so it holds the first address; after the restart the control plane machine (first by
    // name) is usually reconciled first and must not take the worker's address.
    const worker = await createMachine(h, c, 'phoenix-md-0');
    await machineReady(h, ns, worker.devMachineName);
    const cp = await createMachine(h, c, 'phoenix-cp-0', { controlPlane: true });
    await machineReady(h, ns, cp.devMachineName);
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, 'phoenix'))!.spec!.controlPlaneEndpoint!;
    const internalIp = (obj: Obj | undefined): string | undefined =>
      (obj?.status?.addresses as { type: string; address: string }[] | undefined)?.find(
        (a) => a.type === 'InternalIP',
      )?.address;
    const addressesBefore = new Map<string, string | undefined>();
    for (const name of [cp.devMachineName, worker.devMachineName])
      addressesBefore.set(name, internalIp(await getObj(h, DEV_MACHINE, ns, name)));

    // Watch the DevMachines across the restart: a finished step must never be reported as not done. A Ready
    // that is not True in between (a reconcile error the new process retried) is reported, not failed on.
    const regressions: string[] = [];
    const readyFlaps: string[] = [];
    const watching = new AbortController();
    const watched = (async () => {
      for await (const event of h.client.watch<Obj>(DEV_MACHINE, {
        namespace: ns,
        signal: watching.signal,
      })) {
        for (const cond of event.object.status?.conditions ?? [])
          if (cond.status === 'True') continue;
          else if (STEPS.includes(cond.type))
            regressions.push(`${event.object.metadata.name}: ${cond.type}=${cond.status} (${cond.reason})`);
          else if (cond.type === 'Ready')
            readyFlaps.push(
              `${event.object.metadata.name}: Ready=${cond.status} (${cond.reason}) ${cond.message ?? ''}`,
            );
      }
    })().catch(() => undefined);

    await h.restartControllers();
    assert.equal(h.provider.cloud.size, 0, 'the new process starts with no workload cluster');

    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    try {
      const nodes = await eventually('both Nodes registered again on the same endpoint', async () => {
        const list = await wl.list<Obj>(NODE).catch(() => undefined);
        return list && list.items.length === 2 ? list.items : undefined;
      });
      assert.deepEqual(nodes.map((n) => n.spec!.providerID).sort(), [
        `in-memory://${cp.devMachineName}`,
        `in-memory://${worker.devMachineName}`,
      ]);
      for (const node of nodes)
        assert.equal(
          internalIp(node),
          addressesBefore.get(node.metadata.name!),
          `${node.metadata.name!} keeps its address`,
        );
      const workload = h.provider.cloud.get(`${ns}/phoenix`)!;
      assert.equal(workload.port, endpoint.port);
      assert.deepEqual(
        workload.etcd.members().map((m) => m.name),
        [cp.devMachineName],
      );
      const dc = await getObj(h, DEV_CLUSTER, ns, 'phoenix');
      assert.deepEqual(dc!.spec!.controlPlaneEndpoint, endpoint, 'the advertised endpoint did not move');
      await eventually('the control plane DevMachine Ready again', async () =>
        condition(await getObj(h, DEV_MACHINE, ns, cp.devMachineName), 'Ready')?.status === 'True'
          ? true
          : undefined,
      );
    } finally {
      wl.close();
      watching.abort();
      await watched;
    }
    for (const [name, address] of addressesBefore)
      assert.equal(internalIp(await getObj(h, DEV_MACHINE, ns, name)), address, `${name} keeps its address`);
    assert.deepEqual(regressions, []);
    for (const flap of readyFlaps) t.diagnostic(`not Ready for a moment after the restart: ${flap}`);
  });
});
