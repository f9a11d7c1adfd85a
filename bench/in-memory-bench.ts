/**
 * Memory and time of the in-memory infrastructure provider: N workload clusters of one control plane and one
 * worker machine, all in one process with the embedded API server and the manager (what `capi up` runs).
 * Two child processes side by side: one creates only the management objects (no provider runs), the other
 * also runs the dev provider, which gives every cluster its own API endpoint with Nodes, static Pods, etcd
 * members and kubeadm's objects. The difference per cluster is what a simulated workload cluster costs.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatBytes, formatCount, formatMs } from './stats.js';
import { printTable } from './table.js';

const FLEET = fileURLToPath(new URL('./in-memory-fleet.ts', import.meta.url));

interface FleetResult {
  clusters: number;
  createdMs: number;
  readyMs: number | null;
  baseline: { heap: number; rss: number };
  after: { heap: number; rss: number };
  peakRss: number;
  serving: number;
  reconciles: Record<string, number>;
}

async function runFleet(clusters: number, mode: 'provider' | 'objects-only'): Promise<FleetResult> {
  return new Promise((resolve, reject) => {
    const child = fork(FLEET, [String(clusters), mode], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{'))
        reject(new Error(`fleet child (${mode}) exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as FleetResult);
    });
  });
}

export async function runInMemoryBench(options: { quick: boolean }): Promise<void> {
  const clusters = options.quick ? 100 : 500;
  console.log(
    `\nIn-memory provider: ${clusters} workload clusters (1 control plane + 1 worker each), one process`,
  );
  const objectsOnly = await runFleet(clusters, 'objects-only');
  const full = await runFleet(clusters, 'provider');
  if (full.serving !== clusters)
    throw new Error(`only ${full.serving} of ${clusters} workload endpoints serve`);

  const per = (r: FleetResult, k: 'heap' | 'rss'): number => (r.after[k] - r.baseline[k]) / clusters;
  const perCluster = (k: 'heap' | 'rss'): string => formatBytes(per(full, k) - per(objectsOnly, k));
  const reconciles = Object.values(full.reconciles).reduce((a, b) => a + b, 0);
  printTable(
    ['metric', 'management objects only', 'with the in-memory provider', 'simulated workload cluster'],
    [
      [
        'heap per cluster (after GC)',
        formatBytes(per(objectsOnly, 'heap')),
        formatBytes(per(full, 'heap')),
        perCluster('heap'),
      ],
      [
        'RSS per cluster (after GC)',
        formatBytes(per(objectsOnly, 'rss')),
        formatBytes(per(full, 'rss')),
        perCluster('rss'),
      ],
      ['process RSS, start', formatBytes(objectsOnly.baseline.rss), formatBytes(full.baseline.rss), ''],
      ['process RSS, peak', formatBytes(objectsOnly.peakRss), formatBytes(full.peakRss), ''],
      ['objects created (9 per cluster)', formatMs(objectsOnly.createdMs), formatMs(full.createdMs), ''],
      [
        'all DevMachines Ready (0 s steps)',
        '—',
        formatMs(full.readyMs ?? Number.NaN),
        `${formatMs((full.readyMs ?? Number.NaN) / clusters)} per cluster`,
      ],
      [
        'reconciles (DevCluster + DevMachine)',
        '—',
        formatCount(reconciles),
        `${(reconciles / clusters).toFixed(1)} per cluster`,
      ],
    ],
  );
}
