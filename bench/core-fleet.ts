/**
 * Child process of the core bench: what `capi up` runs (embedded API server, a manager with the core
 * controllers and the dev provider's in-memory backend) in one process; N clusters of one control plane and
 * one worker Machine (no control plane provider: plain Machines with bootstrap data, zero simulated delays)
 * are applied as a user would, and the time until every Cluster is `Available` is measured. One JSON line out.
 *
 * argv: <clusters>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { startEmbeddedApiServer } from '../src/apiserver/embedded/embedded-api-server.js';
import type { KubeObject } from '../src/controller-runtime/api/object.js';
import { KubeClient } from '../src/controller-runtime/client/kube-client.js';
import { silentLogger } from '../src/controller-runtime/log/logger.js';
import { Manager } from '../src/controller-runtime/manager/manager.js';
import { setupCoreControllers } from '../src/main/core-controllers.js';
import { clusterApiCrds } from '../src/main/crds.js';
import { installCrds } from '../src/main/install-crds.js';
import { CertificateAuthority } from '../src/pki/index.js';
import { setupDevProvider } from '../src/providers/infrastructure-dev/setup.js';
import { generateDashboardToken } from '../src/dashboard/auth.js';
import { DashboardServer } from '../src/dashboard/dashboard-server.js';

const clusters = Number(process.argv[2] ?? 1);
const NS = 'fleet';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-core-fleet-'));
const server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0, inMemory: true });
const base = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
const client = new KubeClient({ ...base.config, qps: 5000, burst: 10_000 });
await installCrds(client, clusterApiCrds());
await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
const manager = new Manager({
  restConfig: { ...client.config },
  registry: new Registry(),
  logger: silentLogger(),
});
const provider = setupDevProvider(manager, { inMemory: { minPort: 40000, maxPort: 49999 } });
// The cluster cache's connection retry is upstream's 30 s; a connection attempt made before the endpoint
// serves would otherwise dominate the time to Available. 1 s keeps the measurement about the controllers.
setupCoreControllers(manager, { clusterCache: { connectionRetryMs: 1000 } });
const stop = new AbortController();
const running = manager.start(stop.signal);
await manager.cache.waitForCacheSync(stop.signal);

const cas: { ca: CertificateAuthority; etcd: CertificateAuthority }[] = [];
for (let i = 0; i < clusters; i++)
  cas.push({
    ca: await CertificateAuthority.create({ commonName: 'kubernetes', keyAlgorithm: 'ECDSA-P256' }),
    etcd: await CertificateAuthority.create({ commonName: 'etcd-ca', keyAlgorithm: 'ECDSA-P256' }),
  });

const secret = (name: string, cluster: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'cluster.x-k8s.io/secret',
  metadata: { name, namespace: NS, labels: { 'cluster.x-k8s.io/cluster-name': cluster } },
  data,
});
const step = { provisioning: { startupDuration: '0s' } };

async function apply(i: number): Promise<void> {
  const name = `c${i}`;
  await client.create(
    secret(`${name}-ca`, name, {
      'tls.crt': b64(cas[i]!.ca.certificatePem),
      'tls.key': b64(cas[i]!.ca.keyPair.privateKeyPem),
    }),
  );
  await client.create(
    secret(`${name}-etcd`, name, {
      'tls.crt': b64(cas[i]!.etcd.certificatePem),
      'tls.key': b64(cas[i]!.etcd.keyPair.privateKeyPem),
    }),
  );
  await client.create({
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Cluster',
    metadata: { name, namespace: NS },
    spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name } },
  });
  await client.create({
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
    kind: 'DevCluster',
    metadata: { name, namespace: NS },
    spec: { backend: { inMemory: {} } },
  });
  for (const [machine, controlPlane] of [
    [`${name}-cp`, true],
    [`${name}-w`, false],
  ] as const) {
    await client.create(
      secret(`${machine}-data`, name, { value: b64('#cloud-config\n'), format: b64('cloud-config') }),
    );
    await client.create({
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Machine',
      metadata: {
        name: machine,
        namespace: NS,
        labels: controlPlane ? { 'cluster.x-k8s.io/control-plane': '' } : {},
      },
      spec: {
        clusterName: name,
        version: 'v1.33.1',
        bootstrap: { dataSecretName: `${machine}-data` },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: machine },
      },
    });
    await client.create({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'DevMachine',
      metadata: { name: machine, namespace: NS },
      spec: { backend: { inMemory: { vm: step, node: step, etcd: step, apiServer: step } } },
    });
  }
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(8, clusters) }, async () => {
    while (next < clusters) await apply(next++);
  }),
);
const appliedMs = performance.now() - started;
const availableAt: number[] = [];
const seen = new Set<string>();
for (;;) {
  const list = await client.list<
    KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
  >({ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' }, { namespace: NS });
  for (const c of list.items)
    if (
      !seen.has(c.metadata.name!) &&
      c.status?.conditions?.some((x) => x.type === 'Available' && x.status === 'True')
    ) {
      seen.add(c.metadata.name!);
      availableAt.push(performance.now() - started);
    }
  if (seen.size === clusters) break;
  if (performance.now() - started > 15 * 60_000)
    throw new Error(`only ${seen.size} of ${clusters} Clusters Available after 15 min`);
  await sleep(100);
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

// Observability at this size, once every Cluster is Available: a Prometheus scrape of the manager's registry
// (the per-object state gauges are computed from the caches at scrape time), and the dashboard's three views
// read through the API as a browser loads them (the machine view lists the Events of its timeline).
async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}
let scrapeBytes = 0;
const scrapeMs = await median(
  20,
  async () => (scrapeBytes = Buffer.byteLength(await manager.registry.metrics())),
);
const token = generateDashboardToken();
const dashboard = await DashboardServer.start({ client, host: '127.0.0.1', port: 0, token });
const page = async (p: string): Promise<void> => {
  const res = await fetch(`${dashboard.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET /${p}: ${res.status}`);
  await res.text();
};
const fleetPageMs = await median(20, () => page(''));
const clusterPageMs = await median(20, () => page(`clusters/${NS}/c0`));
const machinePageMs = await median(20, () => page(`machines/${NS}/c0-w`));
await dashboard.close();
console.log(
  JSON.stringify({
    clusters,
    appliedMs,
    availableAt,
    peakRss,
    scrapeMs,
    scrapeBytes,
    fleetPageMs,
    clusterPageMs,
    machinePageMs,
  }),
);
stop.abort();
await running.catch(() => undefined);
await provider.cloud.stop();
client.close();
base.close();
await server.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
