/**
 * Time from apply to `Available` for 1 and for 50 Clusters (one control plane and one worker Machine each, no
 * control plane provider, zero simulated delays), with everything in one process as `capi up` runs it, and
 * that process's peak memory. Each size runs in a fresh child process (`core-fleet.ts`).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatBytes, formatMs, quantile } from './stats.js';
import { printTable } from './table.js';

const FLEET = fileURLToPath(new URL('./core-fleet.ts', import.meta.url));

interface CoreFleetResult {
  clusters: number;
  appliedMs: number;
  availableAt: number[];
  peakRss: number;
  scrapeMs: number;
  scrapeBytes: number;
  fleetPageMs: number;
  clusterPageMs: number;
  machinePageMs: number;
}

function runFleet(clusters: number): Promise<CoreFleetResult> {
  return new Promise((resolve, reject) => {
    const child = fork(FLEET, [String(clusters)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{'))
        reject(new Error(`core fleet (${clusters}) exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as CoreFleetResult);
    });
  });
}

export async function runCoreBench(options: { quick: boolean }): Promise<void> {
  const sizes = options.quick ? [1, 10] : [1, 50];
  console.log(
    '\nCore controllers: apply to Available (1 control plane + 1 worker Machine per Cluster, 0 s steps)',
  );
  const rows: string[][] = [];
  const observability: string[][] = [];
  for (const n of sizes) {
    const r = await runFleet(n);
    observability.push([
      String(n),
      formatMs(r.scrapeMs),
      formatBytes(r.scrapeBytes),
      formatMs(r.fleetPageMs),
      formatMs(r.clusterPageMs),
      formatMs(r.machinePageMs),
    ]);
    const sorted = [...r.availableAt].sort((a, b) => a - b);
    rows.push([
      String(n),
      formatMs(r.appliedMs),
      formatMs(quantile(sorted, 0.5)),
      formatMs(quantile(sorted, 0.9)),
      formatMs(sorted[sorted.length - 1] ?? Number.NaN),
      formatBytes(r.peakRss),
    ]);
  }
  printTable(
    ['clusters', 'all applied', 'Available p50', 'Available p90', 'all Available', 'peak RSS'],
    rows,
  );
  console.log('\nObservability at that size, every Cluster Available (medians of 20)');
  printTable(
    ['clusters', '/metrics scrape', 'scrape size', 'fleet page', 'cluster page', 'machine page'],
    observability,
  );
}
