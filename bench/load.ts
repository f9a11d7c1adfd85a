/** Closed-loop load: N workers each issue one operation at a time until the total is reached. */
import { summarize, type RateResult } from './stats.js';

export interface ClosedLoopOptions {
  /** Concurrent clients, each with at most one operation in flight. */
  concurrency: number;
  /** Operations in total, shared among the clients. */
  total: number;
  /** One operation; `worker` is the client's index, `seq` that client's own count of operations so far. */
  op: (worker: number, seq: number) => Promise<void>;
}

export async function closedLoop(options: ClosedLoopOptions): Promise<RateResult> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      for (let seq = 0; next < options.total; seq++) {
        next++;
        const t0 = performance.now();
        await options.op(worker, seq);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  return {
    ops: latencies.length,
    elapsedMs,
    perSecond: (latencies.length / elapsedMs) * 1000,
    latency: summarize(latencies),
  };
}
