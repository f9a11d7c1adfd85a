/**
 * The controller-runtime engine under load: a `Manager` with one ConfigMap controller (cache restricted to
 * one namespace) against `capi up` running in its own process, so the server's CPU is not charged to the
 * manager. The reconciler reads its object from the manager's cache; in the "write" rows it also patches
 * an annotation back through the API (one write per reconcile, skipped once the annotation is current, so
 * the event of its own write ends in a no-op reconcile, as in a real controller).
 *
 * Rows: initial sync of N pre-existing objects with 1 and 4 workers (time from `mgr.start` until every
 * object was reconciled once); event-to-reconcile latency while a writer in a third process updates objects
 * at a fixed rate and in a burst (latency from the writer's send time, embedded in the object as `data.t`,
 * to the first reconcile that sees that data, in wall-clock time corrected by the measured offset between
 * the two processes); initial sync with one write per reconcile, with 1, 4 and 16 workers. Plus the manager
 * process's memory with N objects cached, and each row's CPU of the manager, of the API server and of
 * everything else on the machine (a shared machine can disturb a row; the table says when).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Registry } from 'prom-client';
import type { KubeObject } from '../src/controller-runtime/api/object.js';
import { loadRestConfig, type RestConfig } from '../src/controller-runtime/client/rest-config.js';
import { ControllerBuilder } from '../src/controller-runtime/controller/builder.js';
import type { Request } from '../src/controller-runtime/controller/reconciler.js';
import { silentLogger } from '../src/controller-runtime/log/logger.js';
import { Manager } from '../src/controller-runtime/manager/manager.js';
import { startApiServer } from './api-server-process.js';
import type { WriteRecord, WriterReply, WriterRequest } from './controller-writer.js';
import type { HttpClient } from './http-client.js';
import { findDescendant, machineLoadMeter, type MachineLoad } from './machine-load.js';
import { configMapBody } from './payload.js';
import { formatBytes, formatCount, formatMs, summarize, type LatencySummary } from './stats.js';
import { printTable } from './table.js';
import { wallNow } from './wall-clock.js';

export interface ControllerBenchOptions {
  quick: boolean;
}

const NS = 'ctrl-bench';
const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
const ANNOTATION = 'bench.capi-ts.dev/observed';
/** Client-side rate limit of the manager (and the writer), far above what the bench reaches. */
const QPS = 5000;
const BURST = 10_000;
const WRITER = fileURLToPath(new URL('./controller-writer.ts', import.meta.url));

type ConfigMap = KubeObject & { data?: Record<string, string> };

interface Sizes {
  objects: number;
  steadyRate: number;
  steadySeconds: number;
  burst: number;
  burstInFlight: number;
}

const sizesFor = (quick: boolean): Sizes => ({
  objects: quick ? 1000 : 10_000,
  steadyRate: 200,
  steadySeconds: quick ? 3 : 10,
  burst: quick ? 500 : 2000,
  burstInFlight: 64,
});

const objectName = (i: number): string => `obj-${i}`;

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`controller bench: ${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`controller bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A full garbage collection (the runner is not started with --expose-gc). */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

/** CPU time of this process (the manager's) as a share of one core over a wall-clock interval. */
function cpuMeter(): () => number {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const used = process.cpuUsage(cpu0);
    return (used.user + used.system) / 1000 / (performance.now() - t0);
  };
}

interface Harness {
  mgr: Manager;
  /** `performance.now()` at `mgr.start`. */
  startedAt: number;
  /** When the informer's paged list was in the cache. */
  synced: Promise<number>;
  /** When every benchmark object was reconciled once (write variant: patched once). */
  allDone: Promise<number>;
  stats: { reconciles: number; seen: Map<string, number>; patchMs: number[] };
  stop(): Promise<void>;
}

function startManager(restConfig: RestConfig, objects: number, workers: number, writeTag?: string): Harness {
  const mgr = new Manager({
    restConfig,
    registry: new Registry(),
    logger: silentLogger(),
    cache: { namespace: NS },
    gracefulShutdownTimeoutMs: 10_000,
  });
  const stats: Harness['stats'] = { reconciles: 0, seen: new Map(), patchMs: [] };
  const done = new Set<string>();
  let markDone!: (at: number) => void;
  const allDone = new Promise<number>((resolve) => (markDone = resolve));
  new ControllerBuilder(mgr)
    .for(CONFIG_MAP)
    .named('bench')
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      reconcile: async (req: Request) => {
        const cm = await mgr.client.get<ConfigMap>(CONFIG_MAP, req);
        stats.reconciles++;
        const seq = cm.data?.seq;
        if (seq !== undefined && !stats.seen.has(seq)) stats.seen.set(seq, wallNow());
        if (writeTag !== undefined && cm.metadata.annotations?.[ANNOTATION] !== writeTag) {
          const t0 = performance.now();
          await mgr.client.patch(cm, {
            type: 'merge',
            data: { metadata: { annotations: { [ANNOTATION]: writeTag } } },
          });
          stats.patchMs.push(performance.now() - t0);
        }
        if (req.name.startsWith('obj-') && !done.has(req.name)) {
          done.add(req.name);
          if (done.size === objects) markDone(performance.now());
        }
      },
    });
  // Created before start so its sync can be awaited; the cache starts it with the manager.
  const informer = mgr.cache.getInformer(CONFIG_MAP);
  const abort = new AbortController();
  const startedAt = performance.now();
  const run = mgr.start(abort.signal);
  return {
    mgr,
    startedAt,
    synced: informer.waitForSync(abort.signal).then(() => performance.now()),
    allDone,
    stats,
    stop: async () => {
      abort.abort();
      await run;
    },
  };
}

interface SyncResult {
  workers: number;
  write: boolean;
  objects: number;
  syncMs: number;
  totalMs: number;
  reconciles: number;
  cpu: number;
  load: MachineLoad | undefined;
  patch: LatencySummary;
}

/** Starts a manager on `objects` existing ConfigMaps and waits until each was reconciled once. */
async function initialSync(
  restConfig: RestConfig,
  serverPid: number | undefined,
  objects: number,
  workers: number,
  writeTag?: string,
): Promise<{ result: SyncResult; harness: Harness }> {
  const cpu = cpuMeter();
  const load = machineLoadMeter(serverPid);
  const harness = startManager(restConfig, objects, workers, writeTag);
  const doneAt = await within(harness.allDone, 170_000, `initial sync with ${workers} worker(s)`);
  const result: SyncResult = {
    workers,
    write: writeTag !== undefined,
    objects,
    syncMs: (await harness.synced) - harness.startedAt,
    totalMs: doneAt - harness.startedAt,
    reconciles: harness.stats.reconciles,
    cpu: cpu(),
    load: load(),
    patch: summarize(harness.stats.patchMs),
  };
  return { result, harness };
}

/** The writer process, driven one request at a time over IPC. */
class Writer {
  readonly #child: ChildProcess;
  #pending?: { resolve: (r: WriterReply) => void; reject: (e: Error) => void };
  #nextId = 0;
  /** The writer's wall clock minus ours, in ms (see `calibrate`). */
  offsetMs = 0;
  /** Round trip of the best calibration ping, i.e. the offset's uncertainty is at most half of it. */
  calibrationRttMs = Number.NaN;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (reply: WriterReply) => {
      const pending = this.#pending;
      this.#pending = undefined;
      if (reply.type === 'failed') pending?.reject(new Error(`controller writer: ${reply.message}`));
      else pending?.resolve(reply);
    });
    child.once('exit', (code) => {
      this.#pending?.reject(new Error(`controller writer exited with ${code}`));
      this.#pending = undefined;
    });
  }

  static async start(kubeconfigPath: string): Promise<Writer> {
    const child = fork(WRITER, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const writer = new Writer(child);
    await within(writer.#request({ type: 'init', kubeconfigPath, namespace: NS }), 60_000, 'writer start');
    await writer.#calibrate();
    return writer;
  }

  #request(message: WriterRequest): Promise<WriterReply> {
    if (this.#pending) throw new Error('controller writer: one request at a time');
    return new Promise<WriterReply>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#child.send(message);
    });
  }

  /** Clock offset from the ping with the shortest round trip (NTP's method, over a local pipe). */
  async #calibrate(): Promise<void> {
    let best = Number.POSITIVE_INFINITY;
    for (let id = 0; id < 50; id++) {
      const sent = wallNow();
      const reply = await this.#request({ type: 'clock', id });
      const received = wallNow();
      if (reply.type !== 'clock') throw new Error('controller writer: unexpected reply');
      if (received - sent < best) {
        best = received - sent;
        this.offsetMs = reply.now - (sent + received) / 2;
      }
    }
    this.calibrationRttMs = best;
  }

  async run(
    names: string[],
    tag: string,
    ratePerSecond: number | undefined,
    maxInFlight: number,
  ): Promise<{ writes: WriteRecord[]; errors: string[]; elapsedMs: number }> {
    const id = this.#nextId++;
    const reply = await within(
      this.#request({ type: 'run', id, names, tag, ratePerSecond, maxInFlight }),
      120_000,
      `writer run ${tag}`,
    );
    if (reply.type !== 'done') throw new Error('controller writer: unexpected reply');
    return reply;
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.#child.once('exit', r));
    this.#child.send({ type: 'exit' } satisfies WriterRequest);
    await within(exited, 10_000, 'writer exit').catch(() => this.#child.kill('SIGKILL'));
  }
}

interface LatencyResult {
  writes: number;
  seen: number;
  errors: number;
  /** From the writer's send time (`data.t`) to the first reconcile that read the data. */
  fromSent: LatencySummary;
  /** From the writer's receipt of the write's response; negative when the watch event won the race. */
  fromAck: LatencySummary;
  writeLatency: LatencySummary;
  writesPerSecond: number;
  reconcilesPerSecond: number;
  cpu: number;
  load: MachineLoad | undefined;
}

async function latencyRun(
  harness: Harness,
  serverPid: number | undefined,
  writer: Writer,
  names: string[],
  tag: string,
  ratePerSecond: number | undefined,
  maxInFlight: number,
): Promise<LatencyResult> {
  const cpu = cpuMeter();
  const load = machineLoadMeter(serverPid);
  const before = harness.stats.reconciles;
  const out = await writer.run(names, tag, ratePerSecond, maxInFlight);
  const seen = harness.stats.seen;
  await until(() => out.writes.every((w) => seen.has(w.seq)), 30_000, `reconciles of ${tag}`).catch(
    () => undefined, // reported as seen < writes
  );
  const reconciles = harness.stats.reconciles - before;
  const offset = writer.offsetMs;
  const fromSent: number[] = [];
  const fromAck: number[] = [];
  let firstSent = Number.POSITIVE_INFINITY;
  let lastSeen = Number.NEGATIVE_INFINITY;
  for (const w of out.writes) {
    const at = seen.get(w.seq);
    firstSent = Math.min(firstSent, w.sentAt - offset);
    if (at === undefined) continue;
    lastSeen = Math.max(lastSeen, at);
    fromSent.push(at - (w.sentAt - offset));
    fromAck.push(at - (w.ackAt - offset));
  }
  return {
    writes: out.writes.length,
    seen: fromSent.length,
    errors: out.errors.length,
    fromSent: summarize(fromSent),
    fromAck: summarize(fromAck),
    writeLatency: summarize(out.writes.map((w) => w.ackAt - w.sentAt)),
    writesPerSecond: (out.writes.length / out.elapsedMs) * 1000,
    reconcilesPerSecond: (reconciles / (lastSeen - firstSent)) * 1000,
    cpu: cpu(),
    load: load(),
  };
}

interface Memory {
  rss: number;
  heapUsed: number;
}

function memory(gc: () => void): Memory {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

async function seed(client: HttpClient, n: number): Promise<void> {
  await client.expect('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: NS } }), [201]);
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n) {
        const name = objectName(next++);
        await client.expect(
          'POST',
          `/api/v1/namespaces/${NS}/configmaps`,
          JSON.stringify(configMapBody(NS, name, 1)),
          [201],
        );
      }
    }),
  );
}

const pct = (share: number): string => `${Math.round(share * 100)} %`;
const others = (load: MachineLoad | undefined): string => (load ? pct(load.others) : '—');
const serverCpu = (load: MachineLoad | undefined): string =>
  load && Number.isFinite(load.watchedCores) ? pct(load.watchedCores) : '—';
const lat = (s: LatencySummary): string => `${formatMs(s.p50)} / ${formatMs(s.p99)} / ${formatMs(s.max)}`;
const count = (n: number): string => formatCount(n);

/** Runs every controller-runtime scenario and prints its table. */
export async function runControllerBench(options: ControllerBenchOptions): Promise<void> {
  const size = sizesFor(options.quick);
  const sectionLoad = machineLoadMeter();
  const gc = collector();
  const dir = await mkdtemp(path.join(tmpdir(), 'capi-bench-ctrl-'));
  const server = await startApiServer(dir);
  const serverPid = findDescendant((cmd) => cmd.includes(' up ') && cmd.includes(dir));
  try {
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    const restConfig: RestConfig = { ...loadRestConfig({ kubeconfigPath }), qps: QPS, burst: BURST };
    const http = await server.client(64);
    const seedStart = performance.now();
    await seed(http, size.objects);
    const seedMs = performance.now() - seedStart;
    http.close();

    const rows: string[][] = [];
    const n = count(size.objects);
    const syncRow = (r: SyncResult): string[] => {
      const afterSync = (r.objects / (r.totalMs - r.syncMs)) * 1000;
      return [
        `initial sync, ${r.workers} worker${r.workers > 1 ? 's' : ''}${r.write ? ', 1 PATCH each' : ''}`,
        `${count((r.objects / r.totalMs) * 1000)}/s`,
        '—',
        pct(r.cpu),
        serverCpu(r.load),
        others(r.load),
        `${n} objects reconciled ${formatMs(r.totalMs)} after start (list into cache ${formatMs(r.syncMs)}; ` +
          `${count(afterSync)}/s after it)` +
          (r.write
            ? `; PATCH p50 ${formatMs(r.patch.p50)}, p99 ${formatMs(r.patch.p99)}; ${count(r.reconciles)} reconciles by then, own-write events included`
            : ''),
      ];
    };

    // 1. Initial sync, read-only reconcile; memory with the cache full.
    const baseline = memory(gc);
    const one = await initialSync(restConfig, serverPid, size.objects, 1);
    const cached = memory(gc);
    await one.harness.stop();
    rows.push(syncRow(one.result));
    const four = await initialSync(restConfig, serverPid, size.objects, 4);
    rows.push(syncRow(four.result));

    // 2. Event-to-reconcile latency against the synced 4-worker manager.
    const writer = await Writer.start(kubeconfigPath);
    const steadyCount = size.steadyRate * size.steadySeconds;
    const names = (from: number, k: number): string[] =>
      Array.from({ length: k }, (_, i) => objectName((from + i) % size.objects));
    let steady: LatencyResult;
    let burst: LatencyResult;
    try {
      steady = await latencyRun(
        four.harness,
        serverPid,
        writer,
        names(0, steadyCount),
        'steady',
        size.steadyRate,
        256,
      );
      burst = await latencyRun(
        four.harness,
        serverPid,
        writer,
        names(steadyCount, size.burst),
        'burst',
        undefined,
        size.burstInFlight,
      );
    } finally {
      await writer.stop();
      await four.harness.stop();
    }
    const latencyRow = (label: string, r: LatencyResult): string[] => [
      label,
      `${count(r.reconcilesPerSecond)}/s`,
      lat(r.fromSent),
      pct(r.cpu),
      serverCpu(r.load),
      others(r.load),
      `${count(r.seen)} of ${count(r.writes)} writes seen${r.errors ? ` (${r.errors} failed)` : ''}; ` +
        `writer ${count(r.writesPerSecond)} writes/s, write p50 ${formatMs(r.writeLatency.p50)}, p99 ${formatMs(r.writeLatency.p99)}; ` +
        `from write ack p50 ${formatMs(r.fromAck.p50)}, p99 ${formatMs(r.fromAck.p99)}`,
    ];
    rows.push(
      latencyRow(`steady updates ${size.steadyRate}/s for ${size.steadySeconds} s, 4 workers`, steady),
    );
    rows.push(
      latencyRow(`burst of ${count(size.burst)} updates, ${size.burstInFlight} in flight, 4 workers`, burst),
    );

    // 3. One write per reconcile.
    for (const workers of [1, 4, 16]) {
      const w = await initialSync(restConfig, serverPid, size.objects, workers, `run-${workers}`);
      await w.harness.stop();
      rows.push(syncRow(w.result));
    }

    console.log(
      [
        '',
        `controller-runtime: a Manager with one ConfigMap controller; its cache holds one namespace of ${n} ~1 KB ConfigMaps`,
        `(seeded in ${formatMs(seedMs)}). The reconciler reads its object from the cache; "PATCH" rows also merge-patch an`,
        'annotation (skipped once current, so the event of its own write ends in a no-op reconcile).',
        `Manager and writer rest config: qps ${QPS}, burst ${BURST} (raised for the bench; the client's default is 100/200).`,
        'API server and writer run in their own processes. Manager CPU: CPU time of the manager process (all its threads)',
        'per wall-clock second, 100 % = one core. Latency: event-to-reconcile p50 / p99 / max, from the send time the writer',
        'embeds in the object (data.t) to the first reconcile that reads that data; writer and manager clocks differ by',
        `${formatMs(writer.offsetMs)} (measured over IPC within ±${formatMs(writer.calibrationRttMs / 2)}, corrected).`,
        'Server CPU: the same for the API server process. Other load: share of the whole machine (all cores) used by',
        'processes outside this benchmark during the row.',
      ].join('\n'),
    );
    printTable(
      [
        'scenario',
        'reconciles/s',
        'latency p50 / p99 / max',
        'manager CPU',
        'server CPU',
        'other load',
        'notes',
      ],
      rows,
    );
    console.log(
      `manager process with ${n} ConfigMaps cached (after a full GC): RSS ${formatBytes(cached.rss)} ` +
        `(+${formatBytes(cached.rss - baseline.rss)} over the process before the manager started), heap used ` +
        `${formatBytes(cached.heapUsed)} (+${formatBytes(cached.heapUsed - baseline.heapUsed)})`,
    );
    const load = sectionLoad();
    if (load) {
      console.log(
        `machine during this section: benchmark processes ${pct(load.ours)}, other processes ${pct(load.others)} ` +
          '(shares of all cores)',
      );
    }
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
