// ClusterCache against simulated workload clusters of the in-memory provider: each has its own API endpoint
// (TLS from <cluster>-ca), reached only through the <cluster>-kubeconfig Secret this test writes.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { silentLogger } from '../../src/controller-runtime/log/logger.js';
import { Manager } from '../../src/controller-runtime/manager/manager.js';
import {
  ClusterCache,
  type ClusterCacheOptions,
  type ClusterKey,
  ClusterNotConnectedError,
  isClusterNotConnected,
  remoteConnectionProbeCondition,
} from '../../src/core/cluster-cache/index.js';
import { createAdminKubeconfig, stringifyKubeconfig } from '../../src/pki/index.js';
import {
  b64,
  CLUSTER,
  createCluster,
  createMachine,
  DEV_CLUSTER,
  eventually,
  getObj,
  type Harness,
  machineReady,
  markInfrastructureProvisioned,
  metricValue,
  NODE,
  type TestCluster,
  useHarness,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' };
const PROVIDER_ID = 'spec.providerID';
const UNREACHABLE = 'inmemory.capi-ts.io/unreachable';

interface Workload {
  c: TestCluster;
  key: ClusterKey;
  server: string;
  node: string;
}

/** A Cluster whose infrastructure is provisioned and whose first control plane machine runs (the endpoint answers). */
async function runningCluster(h: Harness, name: string): Promise<Workload> {
  const namespace = await h.namespace();
  const c = await createCluster(h, namespace, name);
  await markInfrastructureProvisioned(h, c);
  const m = await createMachine(h, c, `${name}-cp-0`, { controlPlane: true });
  await machineReady(h, namespace, m.devMachineName);
  const endpoint = (await getObj(h, DEV_CLUSTER, namespace, name))?.spec?.controlPlaneEndpoint;
  assert.ok(endpoint, 'the DevCluster advertises its endpoint');
  return {
    c,
    key: { namespace, name },
    server: `https://${endpoint.host}:${endpoint.port}`,
    node: m.devMachineName,
  };
}

/** What core's Cluster controller (or KCP) writes: `<cluster>-kubeconfig`, key `value`, an admin kubeconfig. */
async function writeKubeconfig(h: Harness, c: TestCluster, server: string): Promise<void> {
  const kubeconfig = await createAdminKubeconfig({
    ca: c.ca,
    clusterName: c.name,
    server,
    keyAlgorithm: 'ECDSA-P256',
  });
  await h.client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'cluster.x-k8s.io/secret',
    metadata: {
      name: `${c.name}-kubeconfig`,
      namespace: c.namespace,
      labels: { 'cluster.x-k8s.io/cluster-name': c.name },
    },
    data: { value: b64(stringifyKubeconfig(kubeconfig)) },
  });
}

async function setUnreachable(h: Harness, w: Workload, unreachable: boolean): Promise<void> {
  await h.client.patch(
    { ...DEV_CLUSTER, metadata: { name: w.key.name, namespace: w.key.namespace } },
    { type: 'merge', data: { metadata: { annotations: { [UNREACHABLE]: unreachable ? 'true' : null } } } },
  );
}

interface Running {
  cache: ClusterCache;
  registry: Registry;
  /** Every onConnectionChange call, in order (clusters of other tests included: the cache sees every Cluster). */
  changes: { cluster: string; connected: boolean }[];
  stop(): Promise<void>;
}

/** A manager of its own (the harness's is already started) running just the ClusterCache, with fast timings. */
function startClusterCache(h: Harness, options: Partial<ClusterCacheOptions> = {}): Running {
  const registry = new Registry();
  const manager = new Manager({
    restConfig: { ...h.api.client.config, qps: 1000, burst: 2000 },
    registry,
    logger: silentLogger(),
  });
  const cache = new ClusterCache({
    managementClient: h.client,
    probeIntervalMs: 100,
    probeTimeoutMs: 200,
    connectionRetryMs: 150,
    indexes: [
      {
        type: NODE,
        name: PROVIDER_ID,
        extract: (node: KubeObject) => {
          const id = (node.spec as { providerID?: string } | undefined)?.providerID;
          return id ? [id] : [];
        },
      },
    ],
    ...options,
  });
  cache.setupWithManager(manager);
  const changes: Running['changes'] = [];
  cache.onConnectionChange((cluster, connected) =>
    changes.push({ cluster: `${cluster.namespace}/${cluster.name}`, connected }),
  );
  const stopping = new AbortController();
  const running = manager.start(stopping.signal);
  return {
    cache,
    registry,
    changes,
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

/** The connect/disconnect notifications about one cluster. */
const changesOf = (r: Running, key: ClusterKey): boolean[] =>
  r.changes.filter((c) => c.cluster === `${key.namespace}/${key.name}`).map((c) => c.connected);

const labelsOf = (key: ClusterKey) => ({ cluster_name: key.name, cluster_namespace: key.namespace });

/** `rest_client_requests_total` towards the workload endpoint: what went to its API server, not the cache. */
const apiRequests = (r: Running, w: Workload) =>
  metricValue(r.registry, 'rest_client_requests_total', { host: new URL(w.server).host });

describe('ClusterCache against simulated workload clusters', () => {
  const harness = useHarness();

  it('connects once <cluster>-kubeconfig exists; reads watched kinds from the cache; watch() sees updates', async () => {
    const h = harness();
    const w = await runningCluster(h, 'lazy');
    const r = startClusterCache(h);
    try {
      // No Secret yet: every attempt fails, is counted as a failed probe and retried; callers are refused at once.
      await eventually('two failed attempts', () => r.cache.healthState(w.key).consecutiveFailures >= 2);
      assert.throws(() => r.cache.getClient(w.key), ClusterNotConnectedError);
      assert.equal(r.cache.healthState(w.key).connected, false);
      assert.deepEqual(remoteConnectionProbeCondition(r.cache.healthState(w.key), Date.now()), {
        type: 'RemoteConnectionProbe',
        status: 'False',
        reason: 'ProbeFailed',
        message: 'Remote connection not established yet',
      });

      await writeKubeconfig(h, w.c, w.server);
      await eventually('connected', () => r.cache.healthState(w.key).connected);
      assert.deepEqual(changesOf(r, w.key), [true]);
      const state = r.cache.healthState(w.key);
      assert.equal(state.consecutiveFailures, 0);
      assert.ok(state.lastProbeSuccessTime !== undefined);
      assert.equal(remoteConnectionProbeCondition(state, Date.now()).status, 'True');
      assert.equal(await metricValue(r.registry, 'capi_cluster_cache_connection_up', labelsOf(w.key)), 1);
      assert.equal(r.cache.getRestConfig(w.key).server, w.server);
      assert.equal(r.cache.getRestConfig(w.key).qps, 20);
      assert.equal(r.cache.getRestConfig(w.key).burst, 30);

      // Nodes by provider ID: the index of the per-cluster cache answers; the API server itself refuses the field.
      const client = r.cache.getClient(w.key);
      const selector = `${PROVIDER_ID}=in-memory://${w.node}`;
      const byProviderId = await client.list(NODE, { fieldSelector: selector });
      assert.deepEqual(
        byProviderId.items.map((n) => n.metadata.name),
        [w.node],
      );
      await assert.rejects(
        r.cache.getUncachedClient(w.key).list(NODE, { fieldSelector: selector }),
        /field label not supported/,
      );
      // Cached kinds cost no request to the workload cluster; other kinds are read from its API server.
      // (First let the informer's watch request, opened right after its list, be counted.)
      const before = await eventually('no request in flight', async () => {
        const count = await apiRequests(r, w);
        await sleep(150);
        return (await apiRequests(r, w)) === count ? count : undefined;
      });
      await client.get(NODE, { name: w.node });
      assert.equal(await apiRequests(r, w), before, 'a cached read');
      const namespaces = await client.list(NAMESPACE);
      assert.ok(namespaces.items.some((n) => n.metadata.name === 'kube-system'));
      assert.equal(await apiRequests(r, w), before + 1, 'a live read');

      // watch(): the handler sees the initial state and later changes; a second watch of the same name is a no-op.
      const seen: { name?: string; event: string; touched?: string }[] = [];
      const record = (obj: KubeObject, event: string) =>
        seen.push({
          name: obj.metadata.name,
          event,
          touched: obj.metadata.labels?.['test.capi-ts.io/touched'],
        });
      r.cache.watch(w.key, { name: 'test/nodes', type: NODE, handler: record });
      const duplicate: string[] = [];
      r.cache.watch(w.key, { name: 'test/nodes', type: NODE, handler: (_o, e) => duplicate.push(e) });
      await eventually('the initial add', () => seen.some((e) => e.event === 'add' && e.name === w.node));
      const wl = await workloadClient(w.c, w.server);
      try {
        await wl.patch(
          { ...NODE, metadata: { name: w.node } },
          { type: 'merge', data: { metadata: { labels: { 'test.capi-ts.io/touched': 'yes' } } } },
        );
        await eventually('the update', () => seen.some((e) => e.event === 'update' && e.touched === 'yes'));
        const cached = await client.get(NODE, { name: w.node });
        assert.equal(cached.metadata.labels?.['test.capi-ts.io/touched'], 'yes');
        assert.deepEqual(duplicate, []);

        // A watch of a kind nothing else caches; once stopped its handler hears nothing more.
        const configMaps: string[] = [];
        r.cache.watch(w.key, {
          name: 'test/configmaps',
          type: CONFIG_MAP,
          handler: (obj, event) => configMaps.push(`${event} ${obj.metadata.name}`),
        });
        await wl.create({ ...CONFIG_MAP, metadata: { name: 'first', namespace: 'default' } });
        await eventually('the ConfigMap add', () => configMaps.includes('add first'));
        r.cache.stopWatch(w.key, 'test/configmaps');
        await wl.create({ ...CONFIG_MAP, metadata: { name: 'second', namespace: 'default' } });
        const got = await client.get(CONFIG_MAP, { namespace: 'default', name: 'second' });
        assert.equal(got.metadata.name, 'second', 'read from the API server once the informer is gone');
        await sleep(300);
        assert.ok(!configMaps.some((e) => e.endsWith('second')), configMaps.join(', '));
      } finally {
        wl.close();
      }
    } finally {
      await r.stop();
    }
  });

  it('drops an unreachable cluster after 5 failed probes, refuses callers at once, and reconnects with its watches', async () => {
    const h = harness();
    const w = await runningCluster(h, 'flaky');
    await writeKubeconfig(h, w.c, w.server);
    const r = startClusterCache(h);
    try {
      await eventually('connected', () => r.cache.healthState(w.key).connected);
      const seen: { event: string; touched?: string }[] = [];
      r.cache.watch(w.key, {
        name: 'test/nodes',
        type: NODE,
        handler: (obj, event) =>
          seen.push({ event, touched: obj.metadata.labels?.['test.capi-ts.io/touched'] }),
      });
      await eventually('the initial add', () => seen.some((e) => e.event === 'add'));
      await eventually(
        'a successful probe',
        async () =>
          (await metricValue(r.registry, 'capi_cluster_cache_healthchecks_total', {
            ...labelsOf(w.key),
            status: 'success',
          })) >= 1,
      );
      assert.equal(await metricValue(r.registry, 'capi_cluster_cache_healthcheck', labelsOf(w.key)), 1);
      const staleClient = r.cache.getClient(w.key);
      // What the Cluster controller registers with its grace period (here 300 ms) to turn the condition False.
      const probeFailures: string[] = [];
      r.cache.onProbeFailure(300, (cluster) => probeFailures.push(`${cluster.namespace}/${cluster.name}`));
      const ours = () => probeFailures.filter((k) => k === `${w.key.namespace}/${w.key.name}`).length;
      assert.equal(ours(), 0, 'not while the probes succeed');

      await setUnreachable(h, w, true);
      await eventually('disconnected', () => !r.cache.healthState(w.key).connected, 10_000);
      const down = r.cache.healthState(w.key);
      assert.ok(down.consecutiveFailures >= 5, `${down.consecutiveFailures} failures`);
      assert.ok(down.lastProbeSuccessTime !== undefined && down.lastProbeTime! > down.lastProbeSuccessTime);

      // Nothing waits on the dead cluster: every entry point throws synchronously.
      assert.throws(
        () => r.cache.getClient(w.key),
        (err: unknown) =>
          isClusterNotConnected(err) && /connection to the workload cluster .+ is down/.test(err.message),
      );
      assert.throws(() => r.cache.getUncachedClient(w.key), ClusterNotConnectedError);
      assert.throws(() => r.cache.getRestConfig(w.key), ClusterNotConnectedError);
      assert.throws(
        () => r.cache.watch(w.key, { name: 'test/other', type: NODE, handler: () => undefined }),
        ClusterNotConnectedError,
      );
      // A client handed out before the drop fails too, instead of reading a cache that no longer follows.
      await assert.rejects(staleClient.get(NODE, { name: w.node }), ClusterNotConnectedError);

      // Within the grace period the condition still holds True; past it, False with the last success.
      assert.equal(remoteConnectionProbeCondition(down, Date.now()).status, 'True');
      const failed = remoteConnectionProbeCondition(down, Date.now(), 0);
      assert.equal(failed.status, 'False');
      assert.equal(failed.reason, 'ProbeFailed');
      assert.match(
        failed.message ?? '',
        /^Remote connection probe failed, probe last succeeded at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );

      assert.ok(
        (await metricValue(r.registry, 'capi_cluster_cache_healthchecks_total', {
          ...labelsOf(w.key),
          status: 'error',
        })) >= 5,
      );
      assert.equal(await metricValue(r.registry, 'capi_cluster_cache_healthcheck', labelsOf(w.key)), 0);
      assert.equal(await metricValue(r.registry, 'capi_cluster_cache_connection_up', labelsOf(w.key)), 0);
      assert.deepEqual(changesOf(r, w.key), [true, false]);

      // Connection creation is retried (each failed attempt counts), not hammered.
      const failures = down.consecutiveFailures;
      await eventually(
        'a retried connection',
        () => r.cache.healthState(w.key).consecutiveFailures > failures,
      );

      assert.equal(ours(), 1, 'told once that the probe has not succeeded for 300 ms');

      // Reachable again: a new connection, the registered watch relists and follows changes again.
      seen.length = 0;
      await setUnreachable(h, w, false);
      await eventually('reconnected', () => r.cache.healthState(w.key).connected, 15_000);
      assert.deepEqual(changesOf(r, w.key), [true, false, true]);
      assert.equal(r.cache.healthState(w.key).consecutiveFailures, 0);
      await eventually('the relist after reconnecting', () => seen.some((e) => e.event === 'add'));
      const wl = await workloadClient(w.c, w.server);
      try {
        await wl.patch(
          { ...NODE, metadata: { name: w.node } },
          { type: 'merge', data: { metadata: { labels: { 'test.capi-ts.io/touched': 'again' } } } },
        );
      } finally {
        wl.close();
      }
      await eventually('the update after reconnecting', () =>
        seen.some((e) => e.event === 'update' && e.touched === 'again'),
      );
      await eventually(
        'a successful probe again',
        async () => (await metricValue(r.registry, 'capi_cluster_cache_healthcheck', labelsOf(w.key))) === 1,
      );
      assert.equal(await metricValue(r.registry, 'capi_cluster_cache_connection_up', labelsOf(w.key)), 1);
      // Probes succeed every 100 ms again: even a 1 s grace period holds.
      assert.equal(
        remoteConnectionProbeCondition(r.cache.healthState(w.key), Date.now(), 1_000).status,
        'True',
      );
    } finally {
      await r.stop();
    }
  });

  it('waits for the infrastructure, keeps retrying an endpoint that never answers, and forgets a deleted Cluster', async () => {
    const h = harness();
    const namespace = await h.namespace();
    const c = await createCluster(h, namespace, 'silent');
    const key = { namespace, name: 'silent' };
    // The endpoint is bound but no API server runs behind it yet: connections are dropped.
    const endpoint = await eventually('the endpoint', async () => {
      return (await getObj(h, DEV_CLUSTER, namespace, 'silent'))?.spec?.controlPlaneEndpoint;
    });
    await writeKubeconfig(h, c, `https://${endpoint.host}:${endpoint.port}`);
    const r = startClusterCache(h);
    try {
      await sleep(400);
      assert.deepEqual(r.cache.healthState(key), { connected: false, consecutiveFailures: 0 }, 'not tried');

      await markInfrastructureProvisioned(h, c);
      await eventually('failed attempts', () => r.cache.healthState(key).consecutiveFailures >= 2);
      assert.throws(() => r.cache.getClient(key), ClusterNotConnectedError);
      assert.equal(await metricValue(r.registry, 'capi_cluster_cache_connection_up', labelsOf(key)), 0);

      // A control plane machine brings the API server up: the next attempt connects.
      const m = await createMachine(h, c, 'silent-cp-0', { controlPlane: true });
      await machineReady(h, namespace, m.devMachineName);
      await eventually('connected', () => r.cache.healthState(key).connected);

      await h.client.delete({ ...CLUSTER, metadata: { name: 'silent', namespace } });
      await eventually('disconnected', () => !r.cache.healthState(key).connected);
      assert.deepEqual(r.cache.healthState(key), { connected: false, consecutiveFailures: 0 }, 'forgotten');
      assert.throws(() => r.cache.getClient(key), ClusterNotConnectedError);
      assert.deepEqual(changesOf(r, key), [true, false]);
      const series = await r.registry.getSingleMetric('capi_cluster_cache_connection_up')?.get();
      assert.ok(
        !series?.values.some((v) => v.labels.cluster_name === 'silent'),
        'the deleted Cluster leaves no series behind',
      );
    } finally {
      await r.stop();
    }
  });

  it('backs off between failed connection attempts from the first retry up to connectionRetryMs', async () => {
    const h = harness();
    const namespace = await h.namespace();
    const c = await createCluster(h, namespace, 'backoff');
    const key = { namespace, name: 'backoff' };
    const endpoint = await eventually('the endpoint', async () => {
      return (await getObj(h, DEV_CLUSTER, namespace, 'backoff'))?.spec?.controlPlaneEndpoint;
    });
    await writeKubeconfig(h, c, `https://${endpoint.host}:${endpoint.port}`);
    const r = startClusterCache(h, { connectionFirstRetryMs: 100, connectionRetryMs: 400 });
    try {
      await markInfrastructureProvisioned(h, c);
      // The time of each failed attempt, seen through the failure count.
      const attempts: number[] = [];
      let seen = 0;
      const deadline = Date.now() + 10_000;
      while (attempts.length < 6 && Date.now() < deadline) {
        const failures = r.cache.healthState(key).consecutiveFailures;
        if (failures > seen) {
          for (let i = seen; i < failures; i++) attempts.push(Date.now());
          seen = failures;
        }
        await sleep(5);
      }
      assert.equal(attempts.length, 6, 'six failed attempts');
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      // 100, 200, 400 (capped), 400, 400 ms, plus the time an attempt takes.
      for (const [i, want] of [100, 200, 400, 400, 400].entries()) {
        assert.ok(
          gaps[i]! >= want - 15,
          `gap ${i + 1} is ${gaps[i]} ms, want at least ${want} (gaps ${gaps.join(', ')})`,
        );
        assert.ok(
          gaps[i]! < want + 300,
          `gap ${i + 1} is ${gaps[i]} ms, want about ${want} (gaps ${gaps.join(', ')})`,
        );
      }
    } finally {
      await r.stop();
    }
  });
});
