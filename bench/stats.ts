/** Small statistics helpers shared by every benchmark part. */

/** The q-quantile (0..1) of `values` by nearest rank; NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Latency summary in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  return {
    count: latenciesMs.length,
    p50: quantile(latenciesMs, 0.5),
    p99: quantile(latenciesMs, 0.99),
    max: latenciesMs.length === 0 ? Number.NaN : Math.max(...latenciesMs),
  };
}

/** Throughput plus latency of one load run. */
export interface RateResult {
  ops: number;
  elapsedMs: number;
  perSecond: number;
  latency: LatencySummary;
}

/**
 * Combines repeated runs of the same load: the median of each figure across runs (throughput, p50, p99
 * taken separately), so one noisy run on a shared machine does not decide the result.
 */
export function medianOfRuns(runs: readonly RateResult[]): RateResult {
  return {
    ops: median(runs.map((r) => r.ops)),
    elapsedMs: median(runs.map((r) => r.elapsedMs)),
    perSecond: median(runs.map((r) => r.perSecond)),
    latency: {
      count: median(runs.map((r) => r.latency.count)),
      p50: median(runs.map((r) => r.latency.p50)),
      p99: median(runs.map((r) => r.latency.p99)),
      max: Math.max(...runs.map((r) => r.latency.max)),
    },
  };
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return Number.isFinite(n) ? grouped.format(n) : '—';
}

/** Milliseconds with precision that suits the magnitude. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 100) return `${grouped.format(ms)} ms`;
  if (Math.abs(ms) >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const mib = bytes / (1024 * 1024);
  if (Math.abs(mib) >= 1) return `${mib.toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function formatRate(r: RateResult): string {
  return `${formatCount(r.perSecond)}/s (p50 ${formatMs(r.latency.p50)}, p99 ${formatMs(r.latency.p99)})`;
}
