import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
} from '../../apiserver/embedded/embedded-api-server.js';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { NoKindMatchError, NotFoundError } from '../../controller-runtime/client/errors.js';
import { KubeClient } from '../../controller-runtime/client/kube-client.js';
import { clusterApiCrds } from '../../main/crds.js';
import { installCrds } from '../../main/install-crds.js';
import { ClusterNotFoundError } from '../errors.js';
import { describeCluster, describeClusterTree } from './describe-cluster.js';
import { loadClusterObjects } from './fetch.js';
import { cond, NOW } from './test-helpers.js';

/** A Reader whose every read fails with `err`. */
const failing = (err: Error): Reader => ({
  get: () => Promise.reject(err),
  list: () => Promise.reject(err),
});

describe('loadClusterObjects', () => {
  it('reports a Cluster that does not exist in one line, also when the Cluster API is not installed', async () => {
    for (const err of [
      new NotFoundError({ code: 404, message: 'clusters.cluster.x-k8s.io "demo" not found' }),
      new NoKindMatchError('cluster.x-k8s.io/v1beta2', 'Cluster'),
    ]) {
      await assert.rejects(
        loadClusterObjects(failing(err), { namespace: 'default', name: 'demo' }),
        (e: unknown) => {
          assert.ok(e instanceof ClusterNotFoundError);
          assert.equal(e.message, 'cluster "demo" not found in namespace "default"');
          return true;
        },
      );
    }
  });
});

describe('describe cluster against an API server with the Cluster API CRDs', () => {
  let server: EmbeddedApiServer;
  let client: KubeClient;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-describe-'));
    server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0, inMemory: true });
    client = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
    await installCrds(client, clusterApiCrds());
  });
  after(async () => {
    client.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads the Cluster, its Machines and what they reference, and shows references that resolve to nothing', async () => {
    const ns = 'default';
    const labels = { 'cluster.x-k8s.io/cluster-name': 'demo' };
    await client.create({
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'demo', namespace: ns },
      spec: {
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name: 'demo' },
        controlPlaneRef: {
          apiGroup: 'controlplane.cluster.x-k8s.io',
          kind: 'KubeadmControlPlane',
          name: 'demo-cp',
        },
      },
    });
    const devCluster = await client.create<KubeObject>({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'DevCluster',
      metadata: { name: 'demo', namespace: ns, labels },
      spec: { backend: { inMemory: {} } },
    });
    await client.updateStatus({
      ...devCluster,
      status: { conditions: [cond('Ready', 'False', 'NotReady', { message: 'load balancer is starting' })] },
    });
    await client.create({
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Machine',
      metadata: { name: 'demo-worker', namespace: ns, labels },
      spec: {
        clusterName: 'demo',
        version: 'v1.31.0',
        bootstrap: {
          configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: 'demo-worker' },
        },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachine',
          name: 'demo-worker',
        },
      },
    });
    await client.create({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'DevMachine',
      metadata: { name: 'demo-worker', namespace: ns, labels },
      spec: { backend: { inMemory: {} } },
    });

    const objects = await loadClusterObjects(client, { namespace: ns, name: 'demo' });
    assert.equal(objects.cluster.metadata.name, 'demo');
    assert.deepEqual(
      objects.machines?.map((m) => m.metadata.name),
      ['demo-worker'],
    );
    assert.deepEqual(objects.referenced?.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`).sort(), [
      'infrastructure.cluster.x-k8s.io/v1beta2 DevCluster/demo',
      'infrastructure.cluster.x-k8s.io/v1beta2 DevMachine/demo-worker',
    ]);
    assert.deepEqual(objects.unresolved?.map((u) => [u.ref.kind, u.reason]).sort(), [
      ['KubeadmConfig', 'KubeadmConfig "demo-worker" not found'],
      ['KubeadmControlPlane', 'KubeadmControlPlane "demo-cp" not found'],
    ]);

    const tree = await describeClusterTree(client, { namespace: ns, name: 'demo', echo: true });
    assert.deepEqual(JSON.parse(JSON.stringify(tree.children.map((n) => [n.type, n.displayName]))), [
      ['object', 'ClusterInfrastructure - DevCluster/demo'],
      ['missing', 'ControlPlane - KubeadmControlPlane/demo-cp'],
      ['virtual', 'Workers'],
    ]);

    // The binding is read only when asked for: --show-resourcesets shows its sets.
    assert.equal(objects.resourceSetBinding, undefined);
    await client.create({
      apiVersion: 'addons.cluster.x-k8s.io/v1beta2',
      kind: 'ClusterResourceSetBinding',
      metadata: { name: 'demo', namespace: ns },
      spec: { clusterName: 'demo', bindings: [{ clusterResourceSetName: 'cni' }] },
    });
    const withSets = await describeClusterTree(client, {
      namespace: ns,
      name: 'demo',
      showResourceSets: true,
    });
    assert.deepEqual(
      withSets.children
        .find((n) => n.displayName === 'ClusterResourceSets')
        ?.children.map((n) => n.displayName),
      ['ClusterResourceSet/cni'],
    );

    const out = await describeCluster(client, { namespace: ns, name: 'demo', color: false, now: NOW });
    assert.match(out, /^NAME +REPLICAS +AVAILABLE +READY +UP TO DATE +STATUS +REASON +SINCE +MESSAGE\n/);
    assert.match(
      out,
      /├─ClusterInfrastructure - DevCluster\/demo +False +NotReady +\S+ +load balancer is starting\n/,
    );
    assert.match(
      out,
      /├─ControlPlane - KubeadmControlPlane\/demo-cp +NotFound +KubeadmControlPlane "demo-cp" not found\n/,
    );
    assert.match(out, /└─Workers\n {2}└─Other\n {4}└─Machine\/demo-worker, v1\.31\.0 +1 +0 +0 +0\n/);
    assert.match(out, / {6}└─BootstrapConfig - KubeadmConfig\/demo-worker +NotFound/);

    await assert.rejects(
      describeCluster(client, { namespace: ns, name: 'nope', color: false }),
      /^ClusterNotFoundError: cluster "nope" not found in namespace "default"$/,
    );
  });
});
