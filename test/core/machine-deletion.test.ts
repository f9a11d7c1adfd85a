import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLUSTER,
  condition,
  eventually,
  getObj,
  MACHINE,
  type Obj,
  useHarness,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';
import { applyPlainCluster, createUnevictableDatabase, setupCore } from './core-helpers.js';

describe('Machine deletion drains the Node', () => {
  const harness = useHarness({ setup: setupCore });

  it('a Pod behind a PDB with maxUnavailable 0 blocks deletion until nodeDrainTimeoutSeconds, named in Deleting', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'dr', [
      { name: 'dr-cp-0', controlPlane: true },
      { name: 'dr-w-0', spec: { deletion: { nodeDrainTimeoutSeconds: 4 } } },
    ]);
    const cluster = await eventually(
      'Cluster Available',
      async () => {
        const obj = await getObj(h, CLUSTER, ns, 'dr');
        return condition(obj, 'Available')?.status === 'True' ? obj : undefined;
      },
      60_000,
    );
    const endpoint = cluster.spec!.controlPlaneEndpoint as { host: string; port: number };
    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    try {
      // A database pinned to the worker (the control plane Node is tainted), with a budget allowing no disruption.
      const pod = await createUnevictableDatabase(wl, 'dr-w-0');

      const deletedAt = Date.now();
      await h.client.delete({
        apiVersion: MACHINE.apiVersion,
        kind: 'Machine',
        metadata: { name: 'dr-w-0', namespace: ns },
      });
      const blocked = await eventually('Deleting names the blocking Pod', async () => {
        const m = await getObj(h, MACHINE, ns, 'dr-w-0');
        const deleting = condition(m, 'Deleting');
        return deleting?.reason === 'DrainingNode' && deleting.message?.includes(pod.metadata.name!)
          ? deleting
          : undefined;
      });
      assert.match(blocked.message!, /^Drain not completed yet \(started at .*\):/);
      assert.match(blocked.message!, /disruption budget db needs 1 healthy pods and has 1 currently/);
      const m = await getObj(h, MACHINE, ns, 'dr-w-0');
      assert.ok((m!.status as { deletion?: { nodeDrainStartTime?: string } }).deletion?.nodeDrainStartTime);
      // The Node is cordoned while it waits.
      const node = await wl.get<Obj>({ apiVersion: 'v1', kind: 'Node' }, { name: 'dr-w-0' });
      assert.equal((node.spec as { unschedulable?: boolean }).unschedulable, true);

      // After the timeout the deletion goes on: the Machine, its infrastructure and its Node go away.
      await eventually(
        'Machine deleted after the drain timeout',
        async () => !(await getObj(h, MACHINE, ns, 'dr-w-0')),
        30_000,
      );
      // nodeDrainStartTime has whole seconds (metav1.Time), so the timeout can end up to 1 s early.
      assert.ok(Date.now() - deletedAt >= 3000, 'not before nodeDrainTimeoutSeconds');
      await eventually('Node deleted', async () => {
        try {
          await wl.get({ apiVersion: 'v1', kind: 'Node' }, { name: 'dr-w-0' });
          return false;
        } catch (err) {
          return (err as { code?: number }).code === 404;
        }
      });
    } finally {
      wl.close();
    }
  });
});
