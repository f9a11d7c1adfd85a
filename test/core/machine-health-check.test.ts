import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import {
  CLUSTER,
  condition,
  eventually,
  getObj,
  MACHINE,
  useHarness,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';
import { applyPlainCluster, setNodeReady, setupCore } from './core-helpers.js';

const MHC = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineHealthCheck' };

describe('MachineHealthCheck', () => {
  const harness = useHarness({ setup: setupCore });

  it('judges workers by their Nodes, refuses to remediate when too many are unhealthy, and marks one for its owner when allowed', async () => {
    const h = harness();
    const ns = await h.namespace();
    const workers = ['hc-w-0', 'hc-w-1', 'hc-w-2'];
    const c = await applyPlainCluster(h, ns, 'hc', [
      { name: 'hc-cp-0', controlPlane: true },
      ...workers.map((name) => ({ name, labels: { pool: 'workers' } })),
    ]);
    const cluster = await eventually(
      'Cluster Available',
      async () => {
        const obj = await getObj(h, CLUSTER, ns, 'hc');
        return condition(obj, 'Available')?.status === 'True' ? obj : undefined;
      },
      60_000,
    );
    await h.client.create({
      ...MHC,
      metadata: { name: 'workers', namespace: ns },
      spec: {
        clusterName: 'hc',
        selector: { matchLabels: { pool: 'workers' } },
        checks: { unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 1 }] },
        remediation: { triggerIf: { unhealthyLessThanOrEqualTo: '40%' } },
      },
    });
    const healthy = await eventually('all healthy', async () => {
      const mhc = await getObj(h, MHC, ns, 'workers');
      const st = mhc?.status as { currentHealthy?: number; expectedMachines?: number } | undefined;
      // Counters and conditions are separate writes: wait for both.
      return st?.expectedMachines === 3 &&
        st.currentHealthy === 3 &&
        condition(mhc, 'RemediationAllowed')?.status === 'True'
        ? mhc
        : undefined;
    });
    assert.deepEqual((healthy.status as { targets?: string[] }).targets, workers);
    for (const w of workers)
      await eventually(
        `${w} HealthCheckSucceeded`,
        async () => condition(await getObj(h, MACHINE, ns, w), 'HealthCheckSucceeded')?.status === 'True',
      );

    const endpoint = cluster.spec!.controlPlaneEndpoint as { host: string; port: number };
    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    const setReady = (node: string, status: 'True' | 'False') => setNodeReady(wl, node, status);
    try {
      // Two of three workers down: more than 40%, so nothing is remediated and the condition says why.
      // Both turn NotReady at the same (whole) second, rounded up: neither passes the 1 s timeout before the
      // other is NotReady too, so the check never sees one of three unhealthy (within 40%) on its way to two.
      const together = new Date(Math.ceil(Date.now() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await setNodeReady(wl, 'hc-w-0', 'False', together);
      await setNodeReady(wl, 'hc-w-1', 'False', together);
      const restricted = await eventually('TooManyUnhealthy', async () => {
        const mhc = await getObj(h, MHC, ns, 'workers');
        return condition(mhc, 'RemediationAllowed')?.reason === 'TooManyUnhealthy' ? mhc : undefined;
      });
      assert.equal(condition(restricted, 'RemediationAllowed')?.status, 'False');
      assert.equal(
        condition(restricted, 'RemediationAllowed')?.message,
        'Remediation is not allowed, the number of not started or unhealthy machines exceeds maxUnhealthy (total: 3, unhealthy: 2, maxUnhealthy: 40%)',
      );
      assert.equal((restricted.status as { currentHealthy?: number }).currentHealthy, 1);
      for (const w of ['hc-w-0', 'hc-w-1']) {
        const m = await getObj(h, MACHINE, ns, w);
        assert.equal(condition(m, 'HealthCheckSucceeded')?.reason, 'UnhealthyNode', w);
        assert.match(
          condition(m, 'HealthCheckSucceeded')!.message!,
          /Condition Ready on Node is reporting status False for more than 1s/,
        );
        assert.equal(condition(m, 'OwnerRemediated'), undefined, `${w} is not handed to remediation`);
      }
      const events = await h.client.list<
        KubeObject & { reason?: string; involvedObject?: { name?: string } }
      >({ apiVersion: 'v1', kind: 'Event' }, { namespace: ns });
      assert.ok(
        events.items.some(
          (e) => e.reason === 'RemediationRestricted' && e.involvedObject?.name === 'workers',
        ),
      );

      // One recovers: one of three (33%) is within 40%, so the other is marked for its owner to remediate.
      await setReady('hc-w-1', 'True');
      const marked = await eventually('OwnerRemediated=False on hc-w-0', async () => {
        const m = await getObj(h, MACHINE, ns, 'hc-w-0');
        return condition(m, 'OwnerRemediated')?.status === 'False' ? m : undefined;
      });
      assert.equal(condition(marked, 'OwnerRemediated')?.reason, 'WaitingForRemediation');
      // The Machines are marked before the MachineHealthCheck's own status is written.
      await eventually(
        'RemediationAllowed again',
        async () => condition(await getObj(h, MHC, ns, 'workers'), 'RemediationAllowed')?.status === 'True',
      );
      assert.equal(condition(await getObj(h, MACHINE, ns, 'hc-w-1'), 'HealthCheckSucceeded')?.status, 'True');
    } finally {
      wl.close();
    }
  });
});
