import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CLUSTER,
  condition,
  DEV_MACHINE,
  eventually,
  getObj,
  MACHINE,
  NODE,
  type Obj,
  useHarness,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';
import { applyPlainCluster, setupCore } from './core-helpers.js';

const run = promisify(execFile);

describe('Machine controller: Machines become Nodes of a simulated workload cluster', () => {
  const harness = useHarness({ setup: setupCore });

  it('links bootstrap, infrastructure and Node, makes the Cluster Available, and deletes everything', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'm1';
    const c = await applyPlainCluster(h, ns, name, [
      { name: 'm1-cp-0', controlPlane: true },
      { name: 'm1-w-0' },
    ]);

    const cluster = await eventually(
      'Cluster Available with the stand-alone worker counted',
      async () => {
        // Stand-alone worker Machines are not part of WorkersAvailable (upstream), so the
        // Cluster can be Available a moment before the worker's own Available is counted.
        const obj = await getObj(h, CLUSTER, ns, name);
        const workers = (obj?.status as { workers?: { availableReplicas?: number } } | undefined)?.workers;
        return condition(obj, 'Available')?.status === 'True' && workers?.availableReplicas === 1
          ? obj
          : undefined;
      },
      60_000,
    );
    assert.equal(condition(cluster, 'RemoteConnectionProbe')?.status, 'True');
    assert.equal(condition(cluster, 'ControlPlaneInitialized')?.status, 'True');
    const counters = cluster.status as {
      controlPlane?: Record<string, number>;
      workers?: Record<string, number>;
    };
    assert.equal(counters.controlPlane?.readyReplicas, 1);
    assert.equal(counters.workers?.availableReplicas, 1);

    const wl = await workloadClient(
      c,
      `https://${(cluster.spec!.controlPlaneEndpoint as { host: string; port: number }).host}:${(cluster.spec!.controlPlaneEndpoint as { host: string; port: number }).port}`,
    );
    try {
      for (const machine of ['m1-cp-0', 'm1-w-0']) {
        const m = (await getObj(h, MACHINE, ns, machine))!;
        const status = m.status as {
          phase?: string;
          nodeRef?: { name: string };
          nodeInfo?: { kubeletVersion?: string };
        };
        assert.equal(status.phase, 'Running', machine);
        assert.equal(status.nodeInfo?.kubeletVersion, 'v1.33.1');
        assert.equal(m.spec!.providerID, `in-memory://${machine}`);
        for (const type of [
          'BootstrapConfigReady',
          'InfrastructureReady',
          'NodeReady',
          'NodeHealthy',
          'Ready',
          'Available',
        ])
          assert.equal(condition(m, type)?.status, 'True', `${machine} ${type}`);
        assert.equal(condition(m, 'UpToDate'), undefined, `${machine} has no UpToDate condition`);
        const dm = (await getObj(h, DEV_MACHINE, ns, machine))!;
        assert.deepEqual(
          dm.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
          [['Machine', machine, true]],
        );
        const node = await wl.get<Obj>(NODE, { name: status.nodeRef!.name });
        assert.equal(node.metadata.annotations?.['cluster.x-k8s.io/machine'], machine);
        assert.equal(node.metadata.annotations?.['cluster.x-k8s.io/cluster-name'], name);
      }
    } finally {
      wl.close();
    }

    // kubectl shows upstream's columns for Machines.
    const { stdout } = await run('kubectl', [
      '--kubeconfig',
      h.api.kubeconfigPath,
      'get',
      'machines',
      '-n',
      ns,
    ]);
    const [header, ...rows] = stdout.trim().split('\n');
    assert.match(
      header!,
      /^NAME\s+CLUSTER\s+NODE NAME\s+FAILURE DOMAIN\s+READY\s+AVAILABLE\s+UP-TO-DATE\s+PHASE\s+AGE\s+VERSION$/,
    );
    assert.equal(rows.length, 2);
    // Stand-alone Machines have no UpToDate condition (upstream: only a MachineDeployment or a control plane
    // judges whether its Machines are up to date), so that column stays empty.
    for (const row of rows)
      assert.match(row, /^m1-(cp|w)-0\s+m1\s+m1-(cp|w)-0\s+True\s+True\s+Running\s+\S+\s+v1\.33\.1$/);

    await h.client.delete({
      apiVersion: CLUSTER.apiVersion,
      kind: 'Cluster',
      metadata: { name, namespace: ns },
    });
    await eventually('Cluster gone', async () => !(await getObj(h, CLUSTER, ns, name)), 60_000);
    for (const machine of ['m1-cp-0', 'm1-w-0']) {
      await eventually(`${machine} gone`, async () => !(await getObj(h, MACHINE, ns, machine)));
      assert.equal(await getObj(h, DEV_MACHINE, ns, machine), undefined);
    }
    assert.equal(h.provider.cloud.get(`${ns}/${name}`), undefined);
  });
});
