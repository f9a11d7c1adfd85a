/**
 * Child process of the topology bench: `up()` from src/main/up.ts — what `capi up` runs: the embedded API server
 * (durable store, every admission webhook in-process) and one manager with every controller (core incl.
 * ClusterClass and topology, kubeadm bootstrap and control plane, dev provider with its in-memory backend) — on a
 * temporary data directory and a free port. N clusters rendered by `generateCluster` for one flavor (1 control
 * plane + 1 worker, the flavor's 0 s simulated steps) are applied as `capi generate cluster cN | kubectl apply
 * --server-side -f -` would, 8 clusters at a time, objects in file order; each Cluster's time to `Available` is
 * taken from the apply start (a list every 100 ms), with a few milestones on the way. With the topology flavor,
 * `planTopology` is then timed for the first Cluster with `spec.topology.version` one minor up. One JSON line out.
 *
 * argv: <flavor> <clusters>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import semver from 'semver';
import { parseAllDocuments } from 'yaml';
import { generateCluster } from '../src/clusterctl/generate/generate-cluster.js';
import { planTopology } from '../src/clusterctl/topology-plan/plan.js';
import type { KubeObject } from '../src/controller-runtime/api/object.js';
import { KubeClient } from '../src/controller-runtime/client/kube-client.js';
import { defaultRegistry, metricsFor } from '../src/controller-runtime/metrics/metrics.js';
import { up } from '../src/main/up.js';

const flavor = process.argv[2] ?? 'in-memory';
const clusters = Number(process.argv[3] ?? 1);
const NS = 'fleet';
const VERSION = 'v1.33.1';
const PLAN_RUNS = 5;
const CONCURRENCY = 8;

type Conditioned = KubeObject & {
  spec?: { clusterName?: string };
  status?: { conditions?: { type: string; status: string }[] };
};
const isTrue = (o: Conditioned, type: string): boolean =>
  o.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

const render = (name: string, version: string): KubeObject[] =>
  parseAllDocuments(
    generateCluster({
      name,
      flavor,
      kubernetesVersion: version,
      controlPlaneMachineCount: 1,
      workerMachineCount: 1,
      targetNamespace: NS,
      env: {},
    }).yaml,
  ).map((d) => d.toJS() as KubeObject);

const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-topology-fleet-'));
const plane = await up({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  noControllers: false,
  log: () => undefined,
  workloadPorts: { min: 40000, max: 49999 },
});
// The user's kubectl: not rate limited, so the figures are about the management plane; its requests are counted
// in a registry of its own, so the default one (the manager's, as `capi up` runs it) holds the plane's only.
const base = KubeClient.fromKubeconfig({ kubeconfigPath: plane.apiServer.paths.kubeconfig });
const client = new KubeClient(
  { ...base.config, qps: 5000, burst: 10_000 },
  { metrics: metricsFor(new Registry()) },
);
await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
const manifests = Array.from({ length: clusters }, (_, i) => render(`c${i}`, VERSION));
const objectsPerCluster = manifests[0]!.length;

/**
 * Server-side apply as `kubectl apply --server-side`. The first clusters of the topology flavor apply the shared
 * ClusterClass objects at once: the API server turns the losing creates into updates, as kube-apiserver does.
 */
async function applyObject(obj: KubeObject): Promise<void> {
  await client.apply(obj, { fieldManager: 'kubectl' });
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const started = performance.now();
const since = (): number => performance.now() - started;
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(CONCURRENCY, clusters) }, async () => {
    while (next < clusters) {
      // `kubectl apply --server-side`: one apply per object in file order (the shared ClusterClass and its
      // templates of the topology flavor are re-applied unchanged for every cluster after the first).
      for (const obj of manifests[next++]!) await applyObject(obj);
    }
  }),
);
const appliedMs = since();

/** ms from the apply start when each cluster first showed a step, by cluster name. */
const milestones = {
  cpMachine: new Map<string, number>(),
  cpInitialized: new Map<string, number>(),
  machineDeployment: new Map<string, number>(),
  workerMachine: new Map<string, number>(),
  available: new Map<string, number>(),
};
const mark = (m: Map<string, number>, name: string | undefined, t: number): void => {
  if (name && !m.has(name)) m.set(name, t);
};
const list = async (kind: string): Promise<Conditioned[]> =>
  (await client.list<Conditioned>({ apiVersion: 'cluster.x-k8s.io/v1beta2', kind }, { namespace: NS })).items;
for (;;) {
  const t = since();
  const [cs, ms, mds] = await Promise.all([list('Cluster'), list('Machine'), list('MachineDeployment')]);
  for (const c of cs) {
    if (isTrue(c, 'ControlPlaneInitialized')) mark(milestones.cpInitialized, c.metadata.name, t);
    if (isTrue(c, 'Available')) mark(milestones.available, c.metadata.name, t);
  }
  for (const m of ms) {
    const cp = 'cluster.x-k8s.io/control-plane' in (m.metadata.labels ?? {});
    mark(cp ? milestones.cpMachine : milestones.workerMachine, m.spec?.clusterName, t);
  }
  for (const md of mds) mark(milestones.machineDeployment, md.spec?.clusterName, t);
  if (milestones.available.size === clusters) break;
  if (since() > 15 * 60_000)
    throw new Error(`only ${milestones.available.size} of ${clusters} Clusters Available after 15 min`);
  await sleep(100);
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

/**
 * What the controllers did until every Cluster was Available, from the default registry (the manager's, and the
 * clients of the webhooks and of the cluster cache): reconciles and their summed duration per controller, API
 * requests per method, and time spent waiting on the client-side rate limit (qps 100, burst 200 in `capi up`).
 */
async function work(): Promise<{
  reconciles: Record<string, number>;
  reconcileSeconds: Record<string, number>;
  requests: Record<string, number>;
  rateLimitWaitSeconds: number;
}> {
  const metrics = await defaultRegistry.getMetricsAsJSON();
  const values = (name: string) => metrics.find((m) => m.name === name)?.values ?? [];
  // Requests to the management API server only (the cluster cache's workload clients count under their hosts).
  const host = new URL(plane.apiServer.url).host;
  const sumBy = (name: string, label: string, metricName?: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const v of values(name)) {
      if (metricName !== undefined && (v as { metricName?: string }).metricName !== metricName) continue;
      if (v.labels.host !== undefined && v.labels.host !== host) continue;
      const k = String(v.labels[label] ?? '');
      out[k] = (out[k] ?? 0) + v.value;
    }
    return out;
  };
  return {
    reconciles: sumBy('controller_runtime_reconcile_total', 'controller'),
    reconcileSeconds: sumBy(
      'controller_runtime_reconcile_time_seconds',
      'controller',
      'controller_runtime_reconcile_time_seconds_sum',
    ),
    requests: sumBy('rest_client_requests_total', 'method'),
    rateLimitWaitSeconds: Object.values(
      sumBy(
        'rest_client_rate_limiter_duration_seconds',
        'verb',
        'rest_client_rate_limiter_duration_seconds_sum',
      ),
    ).reduce((a, b) => a + b, 0),
  };
}
const controllerWork = await work();

// `capi generate cluster c0 --kubernetes-version <one minor up> | capi topology plan -f -`, the Cluster only.
let plan: { runsMs: number[]; changes: number; replaced: number; upgrade?: string } | undefined;
if (flavor === 'in-memory') {
  const bumped = `v${semver.inc(VERSION, 'minor')!}`;
  const cluster = render('c0', bumped).find((o) => o.kind === 'Cluster')!;
  const runsMs: number[] = [];
  let last: Awaited<ReturnType<typeof planTopology>> | undefined;
  for (let i = 0; i < PLAN_RUNS; i++) {
    const t0 = performance.now();
    last = await planTopology({ client, objects: [cluster] });
    runsMs.push(performance.now() - t0);
  }
  const c0 = last!.clusters[0];
  plan = {
    runsMs,
    changes: c0?.changes.length ?? 0,
    replaced: c0?.replaced.length ?? 0,
    ...(c0?.upgrade ? { upgrade: `${c0.upgrade.from} -> ${c0.upgrade.to}` } : {}),
  };
}

const byCluster = (m: Map<string, number>): number[] => [...m.values()];
console.log(
  JSON.stringify({
    flavor,
    clusters,
    objectsPerCluster,
    appliedMs,
    availableAt: byCluster(milestones.available),
    milestones: Object.fromEntries(Object.entries(milestones).map(([k, m]) => [k, byCluster(m)])),
    peakRss,
    work: controllerWork,
    plan,
  }),
);
await plane.stop();
await plane.devProvider?.cloud.stop();
client.close();
base.close();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
