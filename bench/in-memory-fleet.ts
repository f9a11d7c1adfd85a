/**
 * Child process of the in-memory bench: one process holding what `capi up` holds (embedded API server, a
 * manager, the dev provider with its in-memory backend), into which N workload clusters of one control plane
 * and one worker machine are created the way core and CABPK would create them. Prints one JSON line.
 *
 * argv: <clusters> <with-provider: "provider" | "objects-only">. With "objects-only" the same management
 * objects are created but no provider runs, so the difference is what the simulated workload clusters cost.
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
import { clusterApiCrds } from '../src/main/crds.js';
import { installCrds } from '../src/main/install-crds.js';
import { CertificateAuthority } from '../src/pki/index.js';
import { setupDevProvider } from '../src/providers/infrastructure-dev/setup.js';

const clusters = Number(process.argv[2] ?? 100);
const withProvider = process.argv[3] !== 'objects-only';
const NS = 'fleet';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
}

async function settledMemory(): Promise<{ heap: number; rss: number }> {
  gc();
  await sleep(200);
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-fleet-'));
const server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0, inMemory: true });
const client = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
const fast = new KubeClient({ ...client.config, qps: 5000, burst: 10_000 });
await installCrds(fast, clusterApiCrds());
await fast.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });

const metrics = new Registry();
const manager = new Manager({
  restConfig: { ...fast.config },
  registry: metrics,
  logger: silentLogger(),
});
const provider = withProvider
  ? setupDevProvider(manager, { inMemory: { minPort: 30000, maxPort: 39999 }, maxConcurrentReconciles: 10 })
  : undefined;
const stop = new AbortController();
const running = manager.start(stop.signal);
await manager.cache.waitForCacheSync(stop.signal);
const baseline = await settledMemory();

// CAs are made up front (ECDSA: RSA key generation would dominate the run and is not what is measured).
const cas: { cluster: string; etcd: string; key: string; etcdKey: string }[] = [];
for (let i = 0; i < clusters; i++) {
  const ca = await CertificateAuthority.create({ commonName: 'kubernetes', keyAlgorithm: 'ECDSA-P256' });
  const etcd = await CertificateAuthority.create({ commonName: 'etcd-ca', keyAlgorithm: 'ECDSA-P256' });
  cas.push({
    cluster: ca.certificatePem,
    key: ca.keyPair.privateKeyPem,
    etcd: etcd.certificatePem,
    etcdKey: etcd.keyPair.privateKeyPem,
  });
}

const secret = (name: string, cluster: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'cluster.x-k8s.io/secret',
  metadata: { name, namespace: NS, labels: { 'cluster.x-k8s.io/cluster-name': cluster } },
  data,
});

async function createCluster(i: number): Promise<void> {
  const name = `c${i}`;
  const labels = { 'cluster.x-k8s.io/cluster-name': name };
  const cluster = await fast.create<KubeObject>({
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Cluster',
    metadata: { name, namespace: NS },
    spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name } },
  });
  await fast.patchStatus(cluster, {
    type: 'merge',
    data: { status: { initialization: { infrastructureProvisioned: true, controlPlaneInitialized: true } } },
  });
  await fast.create(
    secret(`${name}-ca`, name, { 'tls.crt': b64(cas[i]!.cluster), 'tls.key': b64(cas[i]!.key) }),
  );
  await fast.create(
    secret(`${name}-etcd`, name, { 'tls.crt': b64(cas[i]!.etcd), 'tls.key': b64(cas[i]!.etcdKey) }),
  );
  await fast.create({
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
    kind: 'DevCluster',
    metadata: {
      name,
      namespace: NS,
      labels,
      ownerReferences: [
        { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', name, uid: cluster.metadata.uid! },
      ],
    },
    spec: { backend: { inMemory: {} } },
  });
  for (const [machineName, controlPlane] of [
    [`${name}-cp`, true],
    [`${name}-md`, false],
  ] as const) {
    const machineLabels: Record<string, string> = controlPlane
      ? { ...labels, 'cluster.x-k8s.io/control-plane': '' }
      : labels;
    await fast.create(
      secret(`${machineName}-data`, name, { value: b64('#cloud-config\n'), format: b64('cloud-config') }),
    );
    const machine = await fast.create<KubeObject>({
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Machine',
      metadata: { name: machineName, namespace: NS, labels: machineLabels },
      spec: {
        clusterName: name,
        version: 'v1.33.1',
        bootstrap: { dataSecretName: `${machineName}-data` },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachine',
          name: machineName,
        },
      },
    });
    const step = { provisioning: { startupDuration: '0s' } };
    await fast.create({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'DevMachine',
      metadata: {
        name: machineName,
        namespace: NS,
        labels: machineLabels,
        ownerReferences: [
          {
            apiVersion: 'cluster.x-k8s.io/v1beta2',
            kind: 'Machine',
            name: machineName,
            uid: machine.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: { backend: { inMemory: { vm: step, node: step, etcd: step, apiServer: step } } },
    });
  }
}

const started = performance.now();
const CONCURRENCY = 8;
let next = 0;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < clusters) await createCluster(next++);
  }),
);
const createdMs = performance.now() - started;

let readyMs = Number.NaN;
if (withProvider) {
  for (;;) {
    const list = await fast.list<
      KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
    >({ apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2', kind: 'DevMachine' }, { namespace: NS });
    const ready = list.items.filter((m) =>
      m.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (ready.length === clusters * 2) break;
    await sleep(100);
  }
  readyMs = performance.now() - started;
}
const after = await settledMemory();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

// Every endpoint must be serving by now (its first control plane machine reached the API server step).
const serving = provider
  ? Array.from({ length: clusters }, (_, i) => provider.cloud.get(`${NS}/c${i}`)).filter((w) => w?.serving)
      .length
  : 0;

const counter = async (name: string): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const v of (await metrics.getSingleMetric(name)?.get())?.values ?? []) {
    const key = Object.values(v.labels).join('/');
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
};
console.log(
  JSON.stringify({
    reconciles: await counter('controller_runtime_reconcile_total'),
    requests: await counter('rest_client_requests_total'),
    clusters,
    withProvider,
    createdMs,
    readyMs,
    baseline,
    after,
    peakRss,
    serving,
  }),
);
stop.abort();
await running.catch(() => undefined);
await provider?.cloud.stop();
fast.close();
client.close();
await server.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
