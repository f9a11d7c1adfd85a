/**
 * ClusterClass topology against the same cluster spelled out: time from apply to `Available` for N clusters
 * generated with the default flavor `in-memory` (ClusterClass + topology Cluster) and with `in-memory-kcp` (same
 * shape, no ClusterClass), 1 control plane + 1 worker each, 0 s simulated steps, everything in one process as
 * `capi up` runs it (`up()`), and that process's peak memory; then `capi topology plan` latency for one topology
 * Cluster with its version one minor up. Each flavor and size runs in a fresh child process (`topology-fleet.ts`).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatBytes, formatMs, median, quantile } from './stats.js';
import { printTable } from './table.js';

const FLEET = fileURLToPath(new URL('./topology-fleet.ts', import.meta.url));
const FLAVORS = ['in-memory', 'in-memory-kcp'] as const;

interface TopologyFleetResult {
  flavor: string;
  clusters: number;
  objectsPerCluster: number;
  appliedMs: number;
  availableAt: number[];
  milestones: Record<
    'cpMachine' | 'cpInitialized' | 'machineDeployment' | 'workerMachine' | 'available',
    number[]
  >;
  peakRss: number;
  work: {
    reconciles: Record<string, number>;
    reconcileSeconds: Record<string, number>;
    requests: Record<string, number>;
    rateLimitWaitSeconds: number;
  };
  plan?: { runsMs: number[]; changes: number; replaced: number; upgrade?: string };
}

function runFleet(flavor: string, clusters: number): Promise<{ result: TopologyFleetResult; log: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(FLEET, [flavor, String(clusters)], {
      execArgv: ['--import', 'tsx'],
      // Controllers log to stderr; warnings and errors are kept and summed up below the table.
      env: { ...process.env, CAPI_LOG_LEVEL: process.env.CAPI_LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{'))
        reject(
          new Error(
            `topology fleet (${flavor}, ${clusters}) exited ${code}: ${out}\n${log.split('\n').slice(-40).join('\n')}`,
          ),
        );
      else resolve({ result: JSON.parse(line) as TopologyFleetResult, log });
    });
  });
}

/** Summed durations (concurrent work adds up): seconds, with a decimal below 10 s. */
const seconds = (s: number): string => `${s >= 10 ? Math.round(s).toLocaleString('en-US') : s.toFixed(1)} s`;

/** `12 warn, 3 error lines (most: "msg" ×9)`, from the child's JSON log lines. */
function describeLog(log: string): string | undefined {
  const counts = new Map<string, number>();
  const messages = new Map<string, number>();
  for (const line of log.split('\n')) {
    if (!line.trim()) continue;
    let level = 'other';
    let msg = line.slice(0, 120);
    try {
      const parsed = JSON.parse(line) as { level?: string; msg?: string; err?: { message?: string } };
      level = parsed.level ?? level;
      msg = `${parsed.msg ?? ''}${parsed.err?.message ? `: ${parsed.err.message.slice(0, 120)}` : ''}`;
    } catch {
      // not a log line
    }
    counts.set(level, (counts.get(level) ?? 0) + 1);
    messages.set(msg, (messages.get(msg) ?? 0) + 1);
  }
  if (counts.size === 0) return undefined;
  const top = [...messages].sort((a, b) => b[1] - a[1]).slice(0, 3);
  return `${[...counts].map(([l, n]) => `${n} ${l}`).join(', ')} log lines; most: ${top.map(([m, n]) => `"${m}" ×${n}`).join('; ')}`;
}

export async function runTopologyBench(options: { quick: boolean }): Promise<void> {
  const sizes = options.quick ? [1, 5] : [1, 20];
  console.log(
    '\nClusterClass topology: apply to Available, and plan (capi generate cluster, 1 control plane + 1 worker, 0 s steps)',
  );
  const rows: string[][] = [];
  const timeline: string[][] = [];
  const work: string[][] = [];
  const notes: string[] = [];
  for (const n of sizes) {
    for (const flavor of FLAVORS) {
      const { result: r, log } = await runFleet(flavor, n);
      const p50 = (xs: number[]): string => formatMs(quantile(xs, 0.5));
      const spread = (xs: number[]): string =>
        n === 1 ? p50(xs) : `${p50(xs)} (max ${formatMs(Math.max(...xs))})`;
      const sorted = [...r.availableAt].sort((a, b) => a - b);
      rows.push([
        String(n),
        flavor,
        formatMs(r.appliedMs),
        p50(sorted),
        formatMs(quantile(sorted, 0.9)),
        formatMs(sorted[sorted.length - 1] ?? Number.NaN),
        formatBytes(r.peakRss),
        r.plan
          ? `${formatMs(median(r.plan.runsMs))} (${formatMs(Math.min(...r.plan.runsMs))}–${formatMs(Math.max(...r.plan.runsMs))})`
          : '—',
      ]);
      const m = r.milestones;
      timeline.push([
        String(n),
        flavor,
        String(r.objectsPerCluster),
        spread(m.cpMachine),
        spread(m.cpInitialized),
        spread(m.machineDeployment),
        spread(m.workerMachine),
        spread(m.available),
      ]);
      const w = r.work;
      const perCluster = (x: number | undefined): string => ((x ?? 0) / n).toFixed(0);
      const requests = Object.values(w.requests).reduce((a, b) => a + b, 0);
      const writes = ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((a, k) => a + (w.requests[k] ?? 0), 0);
      work.push([
        String(n),
        flavor,
        perCluster(w.reconciles['topology/cluster']),
        seconds(w.reconcileSeconds['topology/cluster'] ?? 0),
        perCluster(Object.values(w.reconciles).reduce((a, b) => a + b, 0)),
        seconds(Object.values(w.reconcileSeconds).reduce((a, b) => a + b, 0)),
        `${perCluster(requests)} (${perCluster(writes)} writes)`,
        seconds(w.rateLimitWaitSeconds),
      ]);
      if (r.plan)
        notes.push(
          `plan, ${n} cluster${n > 1 ? 's' : ''}: ${r.plan.changes} changes, ${r.plan.replaced} Machines replaced` +
            `${r.plan.upgrade ? `, upgrade ${r.plan.upgrade}` : ''}; runs ${r.plan.runsMs.map(formatMs).join(', ')}`,
        );
      const described = describeLog(log);
      if (described) notes.push(`${flavor}, ${n}: ${described}`);
    }
  }
  printTable(
    [
      'clusters',
      'flavor',
      'all applied',
      'Available p50',
      'Available p90',
      'all Available',
      'peak RSS',
      'topology plan, median of 5 (min–max)',
    ],
    rows,
  );
  console.log('\nMilestones, p50 (max) from the apply start (first seen by the 100 ms poll):');
  printTable(
    [
      'clusters',
      'flavor',
      'objects applied / cluster',
      'CP Machine',
      'CP initialized',
      'MachineDeployment',
      'worker Machine',
      'Available',
    ],
    timeline,
  );
  console.log(
    '\nController work until all Available (manager, webhook and cluster cache clients; management API only):',
  );
  printTable(
    [
      'clusters',
      'flavor',
      'topology reconciles / cluster',
      'topology reconcile time (sum)',
      'all reconciles / cluster',
      'all reconcile time (sum)',
      'API requests / cluster',
      'rate-limiter wait (sum)',
    ],
    work,
  );
  for (const note of notes) console.log(note);
}
