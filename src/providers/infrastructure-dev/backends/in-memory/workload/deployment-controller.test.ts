import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { restConfigFromKubeconfigFiles } from '../../../../../controller-runtime/client/rest-config.js';
import {
  type EmbeddedApiServer,
  startEmbeddedApiServer,
} from '../../../../../apiserver/embedded/embedded-api-server.js';
import { internalScope } from '../../../../../apiserver/registry/generic-registry.js';
import type {
  KubeObject,
  ResourceDefinition,
} from '../../../../../apiserver/registry/resource-definition.js';
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from './deployment-controller.js';
import { isPodReady } from './pod-scheduler.js';
import { MIRROR_POD_ANNOTATION } from './simulated-kubelet.js';
import { setNodeReady, startWorkloadSimulation, type WorkloadSimulation } from './workload-simulation.js';

const scope = internalScope('test');

async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

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
  let dataDir: string;
  let server: EmbeddedApiServer;
  let simulation: WorkloadSimulation;
  let podDef: ResourceDefinition;
  let nodeDef: ResourceDefinition;
  let deploymentDef: ResourceDefinition;
  let pdbDef: ResourceDefinition;
  let dsDef: ResourceDefinition;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-sim-deploy-'));
    server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0, inMemory: true });
    podDef = server.catalog.get('', 'v1', 'pods')!;
    nodeDef = server.catalog.get('', 'v1', 'nodes')!;
    deploymentDef = server.catalog.get('apps', 'v1', 'deployments')!;
    pdbDef = server.catalog.get('policy', 'v1', 'poddisruptionbudgets')!;
    dsDef = server.catalog.get('apps', 'v1', 'daemonsets')!;
    simulation = startWorkloadSimulation(server.registry, server.catalog);
  });
  afterEach(async () => {
    await simulation.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function createNode(name: string): Promise<void> {
    await server.registry.create(nodeDef, undefined, { metadata: { name } }, scope);
    await server.registry.mutate(
      nodeDef,
      undefined,
      name,
      (node) => {
        node.status = { addresses: [{ type: 'InternalIP', address: '172.18.0.9' }] };
        return true;
      },
      'test',
    );
    await setNodeReady(server.registry, server.catalog, name, true);
  }

  const createDeployment = (name: string, replicas: number, image = 'nginx:1.27', extra = {}) =>
    server.registry.create(
      deploymentDef,
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
    server.registry.patch(deploymentDef, 'default', name, 'merge', patch, scope);
  const podsOf = (app: string): KubeObject[] =>
    server.registry.store
      .range('/registry/core/pods/default/')
      .kvs.map((kv) => JSON.parse(kv.value) as KubeObject)
      .filter((p) => p.metadata?.labels?.app === app);
  const live = (pods: KubeObject[]) => pods.filter((p) => !p.metadata?.deletionTimestamp);
  const nodeOf = (pod: KubeObject) => (pod.spec as { nodeName?: string }).nodeName;
  const statusOf = (name: string) =>
    (server.registry.tryGet(deploymentDef, 'default', name)?.status ?? {}) as DeploymentStatus;
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
    for (const name of ['node-1', 'node-2', 'node-3']) await createNode(name);
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
    for (const name of ['node-1', 'node-2']) await createNode(name);
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
      return settled('coredns', 2) && condition('coredns', 'Progressing')?.message.includes(newHash);
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
    await createNode('old-1');
    await createNode('old-2');
    await server.registry.create(
      dsDef,
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
    await server.registry.create(
      podDef,
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
    await server.registry.create(
      pdbDef,
      'default',
      { metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } },
      scope,
    );
    await waitFor('web settled', () => settled('web', 2));
    const budget = () =>
      (server.registry.get(pdbDef, 'default', 'web').status ?? {}) as { disruptionsAllowed?: number };
    await waitFor('the budget allows one disruption', () => budget().disruptionsAllowed === 1);
    const podOn = (node: string) => live(podsOf('web')).find((p) => nodeOf(p) === node)!;
    const first = podOn('old-1');
    const second = podOn('old-2');
    assert.ok(first && second, 'one web pod per node');

    // Drain both old nodes: cordon, then evict what is neither a DaemonSet nor a mirror pod.
    for (const node of ['old-1', 'old-2'])
      await server.registry.patch(
        nodeDef,
        undefined,
        node,
        'merge',
        { spec: { unschedulable: true } },
        scope,
      );
    assert.equal(await evict(server, 'default', first.metadata!.name!), 201);
    // The replacement has nowhere to go, so the budget has no disruption left.
    const replacement = await waitFor('a replacement pending', () =>
      live(podsOf('web')).find((p) => p.metadata?.name !== second.metadata?.name && !nodeOf(p)),
    );
    assert.equal(await evict(server, 'default', second.metadata!.name!), 429);
    const pending = await waitFor('the replacement reported unschedulable', () => {
      const conditions = (server.registry.tryGet(podDef, 'default', replacement.metadata!.name!)?.status ??
        {}) as {
        conditions?: { type: string; status: string; message: string }[];
      };
      return conditions.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    assert.match(pending.message, /^0\/2 nodes are available: 2 node\(s\) were unschedulable\./);
    await waitFor('the evicted pod gone (grace period over)', () =>
      podsOf('web').every((p) => p.metadata?.name !== first.metadata?.name),
    );

    // A new node joins: the replacement lands there, becomes ready, and the budget lets the drain go on.
    await createNode('new-1');
    await waitFor(
      'the second eviction admitted',
      async () => (await evict(server, 'default', second.metadata!.name!)) === 201,
    );
    await waitFor('both web pods running on new-1', () => {
      const pods = podsOf('web');
      return pods.length === 2 && pods.every((p) => nodeOf(p) === 'new-1' && isPodReady(p));
    });
    await waitFor('web settled again', () => settled('web', 2));

    // What the drain skipped is still there and running; the new node got its daemon pod too.
    await waitFor('a ready kube-proxy on every node', () => {
      const daemonPods = server.registry.store
        .range('/registry/core/pods/kube-system/')
        .kvs.map((kv) => JSON.parse(kv.value) as KubeObject)
        .filter((p) => p.metadata?.ownerReferences?.[0]?.kind === 'DaemonSet');
      return daemonPods.filter(isPodReady).map(nodeOf).sort().join() === 'new-1,old-1,old-2';
    });
    assert.ok(isPodReady(server.registry.get(podDef, 'kube-system', 'etcd-old-1')), 'the mirror pod stays');
  });

  it('replaces the pods of a deleted node on the remaining nodes', async () => {
    for (const name of ['node-1', 'node-2']) await createNode(name);
    await createDeployment('web', 4);
    await waitFor('web settled', () => settled('web', 4));
    const onNode1 = podsOf('web')
      .filter((p) => nodeOf(p) === 'node-1')
      .map((p) => p.metadata!.name!);
    assert.equal(onNode1.length, 2);

    await server.registry.delete(nodeDef, undefined, 'node-1', {}, scope);
    await waitFor('node-1 pods gone', () => podsOf('web').every((p) => !onNode1.includes(p.metadata!.name!)));
    await waitFor('four pods on node-2', () => {
      const pods = podsOf('web');
      return pods.length === 4 && pods.every((p) => nodeOf(p) === 'node-2' && isPodReady(p));
    });
    await waitFor('web settled', () => settled('web', 4));
  });

  it('Recreate: removes every old pod before starting new ones', async () => {
    await createNode('node-1');
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
