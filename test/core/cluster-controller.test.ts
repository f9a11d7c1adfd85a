import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setupClusterController } from '../../src/core/reconcilers/cluster/setup.js';
import { applyPlainCluster } from './core-helpers.js';
import {
  CLUSTER,
  condition,
  createMachine,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  MACHINE,
  machineReady,
  NODE,
  type Obj,
  SECRET,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';

describe('Cluster controller with the in-memory provider', () => {
  const harness = useHarness({ setup: (manager) => setupClusterController(manager) });

  it('owns and reads its DevCluster, writes <cluster>-kubeconfig, initializes from control plane Machines, and deletes in order', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'core';
    // What a user applies: a Cluster and its DevCluster (no owner reference: the Cluster controller sets it), and the CAs.
    const applied = await applyPlainCluster(h, ns, name, []);
    const { ca, etcdCa } = applied;

    const provisioned = await eventually('Cluster Provisioned', async () => {
      const c = await getObj(h, CLUSTER, ns, name);
      return (c?.status as { phase?: string })?.phase === 'Provisioned' ? c : undefined;
    });
    const dc = (await getObj(h, DEV_CLUSTER, ns, name))!;
    assert.deepEqual(
      dc.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
      [['Cluster', name, true]],
    );
    assert.deepEqual(provisioned.spec!.controlPlaneEndpoint, dc.spec!.controlPlaneEndpoint);
    const status = provisioned.status as {
      initialization?: Record<string, boolean>;
      failureDomains?: { name: string }[];
    };
    assert.equal(status.initialization?.infrastructureProvisioned, true);
    assert.deepEqual(
      status.failureDomains?.map((f) => f.name),
      ['fd1', 'fd2', 'fd3'],
    );
    assert.ok(provisioned.metadata.finalizers?.includes('cluster.cluster.x-k8s.io'));
    await eventually(
      'InfrastructureReady',
      async () => condition(await getObj(h, CLUSTER, ns, name), 'InfrastructureReady')?.status === 'True',
    );
    assert.equal(
      condition(await getObj(h, CLUSTER, ns, name), 'ControlPlaneInitialized')?.reason,
      'NotInitialized',
    );

    // The kubeconfig Secret, from <cluster>-ca, works once the first control plane machine serves the endpoint.
    const secret = await eventually('kubeconfig Secret', async () =>
      getObj(h, SECRET, ns, `${name}-kubeconfig`),
    );
    assert.equal((secret as KubeObject & { type?: string }).type, 'cluster.x-k8s.io/secret');
    assert.equal(secret.metadata.labels?.['cluster.x-k8s.io/cluster-name'], name);
    const testCluster = { namespace: ns, name, cluster: provisioned, ca, etcdCa };
    const cp = await createMachine(h, testCluster, 'core-cp-0', { controlPlane: true });
    await machineReady(h, ns, cp.devMachineName);
    const dir = await mkdtemp(path.join(tmpdir(), 'capi-core-'));
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, Buffer.from(secret.data!.value!, 'base64'));
    const wl = KubeClient.fromKubeconfig({ kubeconfigPath });
    try {
      const node = await wl.get<Obj>(NODE, { name: cp.devMachineName });
      // What the Machine controller will do (issue 7): link the Machine to its Node.
      await h.client.patchStatus(
        { apiVersion: MACHINE.apiVersion, kind: 'Machine', metadata: { name: 'core-cp-0', namespace: ns } },
        { type: 'merge', data: { status: { nodeRef: { name: node.metadata.name } } } },
      );
    } finally {
      wl.close();
      await rm(dir, { recursive: true, force: true });
    }
    const initialized = await eventually('ControlPlaneInitialized', async () => {
      const c = await getObj(h, CLUSTER, ns, name);
      return condition(c, 'ControlPlaneInitialized')?.status === 'True' ? c : undefined;
    });
    assert.equal(
      (initialized.status as { initialization?: Record<string, boolean> }).initialization
        ?.controlPlaneInitialized,
      true,
    );
    assert.equal((initialized.status as { controlPlane?: { replicas?: number } }).controlPlane?.replicas, 1);
    assert.equal(condition(initialized, 'WorkersAvailable')?.reason, 'NoWorkers');

    // Deletion: Machines first, then the DevCluster, then the finalizer.
    const reasons: string[] = [];
    const watching = new AbortController();
    const watched = (async () => {
      for await (const e of h.client.watch<Obj>(CLUSTER, { namespace: ns, signal: watching.signal })) {
        const r = condition(e.object, 'Deleting')?.reason;
        if (r && reasons[reasons.length - 1] !== r) reasons.push(r);
      }
    })().catch(() => undefined);
    await h.client.delete({
      apiVersion: CLUSTER.apiVersion,
      kind: 'Cluster',
      metadata: { name, namespace: ns },
    });
    await eventually('Cluster gone', async () => !(await getObj(h, CLUSTER, ns, name)), 30_000);
    watching.abort();
    await watched;
    assert.equal(await getObj(h, MACHINE, ns, 'core-cp-0'), undefined);
    // The DevMachine went with its Machine (garbage collection) and released its Node after the DevCluster.
    await eventually('DevMachine gone', async () => !(await getObj(h, DEV_MACHINE, ns, cp.devMachineName)));
    assert.equal(await getObj(h, DEV_CLUSTER, ns, name), undefined);
    assert.equal(h.provider.cloud.get(`${ns}/${name}`), undefined, 'the workload cluster is gone');
    const order = ['WaitingForWorkersDeletion', 'WaitingForInfrastructureDeletion'];
    assert.deepEqual(
      reasons.filter((r) => order.includes(r)),
      order,
      `Deleting went ${reasons.join(' -> ')}`,
    );
  });
});
