import assert from 'node:assert/strict';
import https from 'node:https';
import { describe, it } from 'node:test';
import type { EmbeddedApiServer } from '../../../../../apiserver/embedded/embedded-api-server.js';
import type { KubeObject } from '../../../../../apiserver/registry/resource-definition.js';
import { restConfigFromKubeconfigFiles } from '../../../../../controller-runtime/client/rest-config.js';
import { type DeploymentStatus, POD_TEMPLATE_HASH_LABEL, podTemplateHash } from './deployment-controller.js';
import { isPodReady } from './pod-helpers.js';
import { MIRROR_POD_ANNOTATION } from './simulated-kubelet.js';
import { scope, useTestCluster, waitFor } from './test-support.js';
import { startWorkloadSimulation } from './workload-simulation.js';

/** POST .../pods/<name>/eviction over HTTPS as the admin, as `kubectl drain` does. */
async function evict(server: EmbeddedApiServer, namespace: string, name: string): Promise<number> {
  const config = restConfigFromKubeconfigFiles([server.paths.kubeconfig]);
  const url = new URL(`/api/v1/namespaces/${namespace}/pods/${name}/eviction`, config.server);
  const body = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } });
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        agent: false,
        ca: config.caPem,
        cert: config.clientCertificatePem,
        key: config.clientKeyPem,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('SimulatedDeploymentController', () => {
  const cluster = useTestCluster((server) => startWorkloadSimulation(server.registry, server.catalog));
  const deploymentDef = () => cluster.def('apps', 'v1', 'deployments');
  const pdbDef = () => cluster.def('policy', 'v1', 'poddisruptionbudgets');
  const dsDef = () => cluster.def('apps', 'v1', 'daemonsets');

  const createDeployment = (name: string, replicas: number, image = 'nginx:1.27', extra = {}) =>
    cluster.registry.create(
      deploymentDef(),
      'default',
      {
        metadata: { name },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'app', image }], terminationGracePeriodSeconds: 1 },
          },
          ...extra,
        },
      },
      scope,
    );
  const patchDeployment = (name: string, patch: Record<string, unknown>) =>
    cluster.registry.patch(deploymentDef(), 'default', name, 'merge', patch, scope);
  const podsOf = (app: string): KubeObject[] =>
    cluster.storedPods('default').filter((p) => p.metadata?.labels?.app === app);
  const live = (pods: KubeObject[]) => pods.filter((p) => !p.metadata?.deletionTimestamp);
  const nodeOf = (pod: KubeObject) => (pod.spec as { nodeName?: string }).nodeName;
  const statusOf = (name: string) =>
    (cluster.registry.tryGet(deploymentDef(), 'default', name)?.status ?? {}) as DeploymentStatus;
  const condition = (name: string, type: string) => statusOf(name).conditions?.find((c) => c.type === type);
  const settled = (name: string, replicas: number) => {
    const s = statusOf(name);
    return (
      (s.replicas ?? 0) === replicas &&
      (s.updatedReplicas ?? 0) === replicas &&
      (s.availableReplicas ?? 0) === replicas &&
      condition(name, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
      live(podsOf(name)).length === replicas
    );
  };

  it('keeps spec.replicas pods spread over the nodes, running, and reports the Deployment available', async () => {
    for (const name of ['node-1', 'node-2', 'node-3']) await cluster.createNode(name);
    const deployment = await createDeployment('web', 3);
    await waitFor('web settled at 3', () => settled('web', 3));

    const pods = podsOf('web');
    const hash = podTemplateHash((deployment.spec as { template: unknown }).template);
    for (const pod of pods) {
      assert.match(pod.metadata!.name!, new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      assert.equal(pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL], hash);
      assert.deepEqual(pod.metadata?.ownerReferences?.[0], {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: deployment.metadata!.uid!,
        controller: true,
        blockOwnerDeletion: true,
      });
      assert.equal((pod.status as { phase: string }).phase, 'Running');
    }
    assert.deepEqual(pods.map(nodeOf).sort(), ['node-1', 'node-2', 'node-3'], 'one pod per node');
    const status = statusOf('web');
    assert.equal(status.observedGeneration, 1);
    assert.equal(status.readyReplicas, 3);
    assert.equal(status.unavailableReplicas, undefined);
    assert.deepEqual(
      status.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
        [
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "web-${hash}" has successfully progressed.`,
        ],
      ],
    );

    await patchDeployment('web', { spec: { replicas: 5 } });
    await waitFor('web settled at 5', () => settled('web', 5));
    await patchDeployment('web', { spec: { replicas: 1 } });
    await waitFor('web settled at 1', () => settled('web', 1));
    assert.equal(statusOf('web').observedGeneration, 3);
  });

  it('rolls a new image out pod by pod and reports the rollout complete', async () => {
    for (const name of ['node-1', 'node-2']) await cluster.createNode(name);
    await createDeployment('coredns', 2, 'registry.k8s.io/coredns/coredns:v1.11.1', {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
    await waitFor('coredns settled', () => settled('coredns', 2));
    const oldNames = new Set(podsOf('coredns').map((p) => p.metadata!.name!));

    // What the control plane provider does: patch the image.
    const patched = await patchDeployment('coredns', {
      spec: {
        template: {
          spec: { containers: [{ name: 'app', image: 'registry.k8s.io/coredns/coredns:v1.11.3' }] },
        },
      },
    });
    const newHash = podTemplateHash((patched.object.spec as { template: unknown }).template);
    // maxUnavailable 0: ready pods never drop below two during the rollout.
    let minReady = Infinity;
    await waitFor('rollout complete', () => {
      minReady = Math.min(minReady, live(podsOf('coredns')).filter(isPodReady).length);
      return settled('coredns', 2) && condition('coredns', 'Progressing')?.message?.includes(newHash);
    });
    assert.ok(minReady >= 2, `ready pods went down to ${minReady}`);
    const pods = live(podsOf('coredns'));
    assert.ok(pods.every((p) => !oldNames.has(p.metadata!.name!)));
    assert.ok(
      pods.every(
        (p) =>
          (p.status as { containerStatuses: { image: string }[] }).containerStatuses[0]!.image ===
          'registry.k8s.io/coredns/coredns:v1.11.3',
      ),
    );
    assert.equal(statusOf('coredns').observedGeneration, 2);
  });

  it('drains nodes: cordon, evictions held by the budget (429), pods recreated on another node', async () => {
    await cluster.createNode('old-1');
    await cluster.createNode('old-2');
    await cluster.registry.create(
      dsDef(),
      'kube-system',
      {
        metadata: { name: 'kube-proxy' },
        spec: {
          selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
          template: {
            metadata: { labels: { 'k8s-app': 'kube-proxy' } },
            spec: { containers: [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.32.0' }] },
          },
        },
      },
      scope,
    );
    await cluster.registry.create(
      cluster.podDef,
      'kube-system',
      {
        metadata: { name: 'etcd-old-1', annotations: { [MIRROR_POD_ANNOTATION]: 'abc' } },
        spec: {
          nodeName: 'old-1',
          hostNetwork: true,
          containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.16-0' }],
        },
      },
      scope,
    );
    await createDeployment('web', 2);
    await cluster.registry.create(
      pdbDef(),
      'default',
      { metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } },
      scope,
    );
    await waitFor('web settled', () => settled('web', 2));
    const budget = () =>
      (cluster.registry.get(pdbDef(), 'default', 'web').status ?? {}) as { disruptionsAllowed?: number };
    await waitFor('the budget allows one disruption', () => budget().disruptionsAllowed === 1);
    const podOn = (node: string) => live(podsOf('web')).find((p) => nodeOf(p) === node)!;
    const first = podOn('old-1');
    const second = podOn('old-2');
    assert.ok(first && second, 'one web pod per node');

    // Drain both old nodes: cordon, then evict what is neither a DaemonSet nor a mirror pod.
    for (const node of ['old-1', 'old-2']) await cluster.patchNode(node, { spec: { unschedulable: true } });
    assert.equal(await evict(cluster.server, 'default', first.metadata!.name!), 201);
    // The replacement has nowhere to go, so the budget has no disruption left.
    const replacement = await waitFor('a replacement pending', () =>
      live(podsOf('web')).find((p) => p.metadata?.name !== second.metadata?.name && !nodeOf(p)),
    );
    assert.equal(await evict(cluster.server, 'default', second.metadata!.name!), 429);
    const pending = await waitFor('the replacement reported unschedulable', () => {
      const conditions = (cluster.getPod(replacement.metadata!.name!)?.status ?? {}) as {
        conditions?: { type: string; status: string; message: string }[];
      };
      return conditions.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    assert.match(pending.message, /^0\/2 nodes are available: 2 node\(s\) were unschedulable\./);
    await waitFor('the evicted pod gone (grace period over)', () =>
      podsOf('web').every((p) => p.metadata?.name !== first.metadata?.name),
    );

    // A new node joins: the replacement lands there, becomes ready, and the budget lets the drain go on.
    await cluster.createNode('new-1');
    await waitFor(
      'the second eviction admitted',
      async () => (await evict(cluster.server, 'default', second.metadata!.name!)) === 201,
    );
    await waitFor('both web pods running on new-1', () => {
      const pods = podsOf('web');
      return pods.length === 2 && pods.every((p) => nodeOf(p) === 'new-1' && isPodReady(p));
    });
    await waitFor('web settled again', () => settled('web', 2));

    // What the drain skipped is still there and running; the new node got its daemon pod too.
    await waitFor('a ready kube-proxy on every node', () => {
      const daemonPods = cluster
        .storedPods('kube-system')
        .filter((p) => p.metadata?.ownerReferences?.[0]?.kind === 'DaemonSet');
      return daemonPods.filter(isPodReady).map(nodeOf).sort().join() === 'new-1,old-1,old-2';
    });
    assert.ok(
      isPodReady(cluster.registry.get(cluster.podDef, 'kube-system', 'etcd-old-1')),
      'the mirror pod stays',
    );
  });

  it('replaces the pods of a deleted node on the remaining nodes', async () => {
    for (const name of ['node-1', 'node-2']) await cluster.createNode(name);
    await createDeployment('web', 4);
    await waitFor('web settled', () => settled('web', 4));
    const onNode1 = podsOf('web')
      .filter((p) => nodeOf(p) === 'node-1')
      .map((p) => p.metadata!.name!);
    assert.equal(onNode1.length, 2);

    await cluster.registry.delete(cluster.nodeDef, undefined, 'node-1', {}, scope);
    await waitFor('node-1 pods gone', () => podsOf('web').every((p) => !onNode1.includes(p.metadata!.name!)));
    await waitFor('four pods on node-2', () => {
      const pods = podsOf('web');
      return pods.length === 4 && pods.every((p) => nodeOf(p) === 'node-2' && isPodReady(p));
    });
    await waitFor('web settled', () => settled('web', 4));
  });

  it('Recreate: removes every old pod before starting new ones', async () => {
    await cluster.createNode('node-1');
    await createDeployment('db', 2, 'postgres:16', { strategy: { type: 'Recreate' } });
    await waitFor('db settled', () => settled('db', 2));
    await patchDeployment('db', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'postgres:17' }] } } },
    });
    let overlap = false;
    await waitFor('db rolled', () => {
      const pods = podsOf('db');
      const images = new Set(
        pods.map((p) => (p.spec as { containers: { image: string }[] }).containers[0]!.image),
      );
      if (images.size > 1) overlap = true;
      return settled('db', 2) && images.size === 1 && images.has('postgres:17');
    });
    assert.equal(overlap, false, 'old and new pods never coexist');
    assert.equal(condition('db', 'Available')?.status, 'True');
  });
});
