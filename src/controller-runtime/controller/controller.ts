import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { keyString, parseKeyString, type TypeRef } from '../api/object.js';
import type { InformerCache } from '../cache/informer-cache.js';
import { silentLogger } from '../log/logger.js';
import { type ControllerRuntimeMetrics, metricsFor } from '../metrics/metrics.js';
import {
  defaultControllerRateLimiter,
  LOW_PRIORITY,
  NORMAL_PRIORITY,
  type RateLimiter,
  WorkQueue,
} from '../workqueue/index.js';
import type { MapFunc } from './handlers.js';
import type { Predicate } from './predicates.js';
import { isTerminalError, type Reconciler } from './reconciler.js';

/** One source of events: a kind's informer, how its objects map to requests, and which events count. */
export interface Watch {
  type: TypeRef;
  map: MapFunc;
  predicates: Predicate[];
}

export interface ControllerOptions {
  name: string;
  /** The kind the controller is `For` (logged as `controllerKind`). */
  forType: TypeRef;
  reconciler: Reconciler;
  watches: Watch[];
  /** Workers reconciling different keys at once (one key is never reconciled twice at once). Default 1. */
  maxConcurrentReconciles?: number;
  rateLimiter?: RateLimiter<string>;
  /** How long to wait for the informers' first list before giving up; default 2 minutes as upstream. */
  cacheSyncTimeoutMs?: number;
  metrics?: ControllerRuntimeMetrics;
  logger?: Logger;
}

export class CacheSyncTimeoutError extends Error {
  override readonly name = 'CacheSyncTimeoutError';
}

/** Programming errors (Go would panic): counted apart from ordinary reconcile errors. */
const isPanicLike = (err: unknown): boolean =>
  err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError;

/**
 * Informer events -> predicates -> deduplicated work queue -> N workers calling the reconciler, with
 * controller-runtime's result handling (error: rate-limited retry; terminal error: no retry; requeueAfter:
 * delayed re-add) and metrics. Events from initial lists and periodic resyncs go in at low priority, so
 * changes users make are served first.
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #options: ControllerOptions;
  readonly #metrics: ControllerRuntimeMetrics;
  readonly #log: Logger;
  readonly #workers: number;
  readonly #inflight = new AbortController();
  readonly #removers: (() => void)[] = [];
  #running?: Promise<void>;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#options = options;
    this.#metrics = options.metrics ?? metricsFor();
    this.#workers = Math.max(1, options.maxConcurrentReconciles ?? 1);
    // Every reconcile's requests listen on this one signal: many at once are normal, not a leak.
    setMaxListeners(0, this.#inflight.signal);
    this.#log = (options.logger ?? silentLogger()).child({
      controller: options.name,
      controllerGroup: groupOf(options.forType),
      controllerKind: options.forType.kind,
    });
    this.queue = new WorkQueue<string>({
      name: options.name,
      rateLimiter: options.rateLimiter ?? defaultControllerRateLimiter<string>(),
      metrics: this.#metrics,
    });
  }

  /**
   * Hooks the watches to the cache's informers, waits for them to sync, then runs the workers until
   * `signal` aborts; then stops taking work and waits for in-flight reconciles (see `shutdownTimeoutMs`).
   */
  start(cache: InformerCache, signal: AbortSignal, shutdownTimeoutMs = 30_000): Promise<void> {
    this.#running ??= this.#run(cache, signal, shutdownTimeoutMs);
    return this.#running;
  }

  async #run(cache: InformerCache, signal: AbortSignal, shutdownTimeoutMs: number): Promise<void> {
    for (const watch of this.#options.watches) {
      const informer = cache.getInformer(watch.type);
      const handle = informer.addEventHandler({
        onAdd: (obj, initial) => {
          if (watch.predicates.every((p) => p.create?.(obj) ?? true)) this.#enqueue(watch.map(obj), initial);
        },
        onUpdate: (oldObj, newObj) => {
          if (!watch.predicates.every((p) => p.update?.(oldObj, newObj) ?? true)) return;
          // A resync hands the same object twice: low priority, like an initial list.
          const resync = oldObj === newObj;
          const keys = watch.map(newObj);
          if (!resync)
            for (const k of watch.map(oldObj))
              if (!keys.some((x) => keyString(x) === keyString(k))) keys.push(k);
          this.#enqueue(keys, resync);
        },
        onDelete: (obj) => {
          if (watch.predicates.every((p) => p.delete?.(obj) ?? true)) this.#enqueue(watch.map(obj), false);
        },
      });
      this.#removers.push(() => handle.remove());
    }
    this.#log.info('starting controller');
    const timeout = AbortSignal.timeout(this.#options.cacheSyncTimeoutMs ?? 120_000);
    const synced = await cache.waitForCacheSync(AbortSignal.any([signal, timeout]));
    if (!synced) {
      this.#stopWatching();
      this.queue.shutdown();
      if (signal.aborted) return;
      throw new CacheSyncTimeoutError(`controller ${this.name}: timed out waiting for caches to sync`);
    }
    this.#metrics.maxConcurrentReconciles.set({ controller: this.name }, this.#workers);
    this.#metrics.activeWorkers.set({ controller: this.name }, 0);
    this.#log.info({ workerCount: this.#workers }, 'starting workers');
    const workers = Array.from({ length: this.#workers }, () => this.#worker());
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.#log.info('stopping: no new work; waiting for in-flight reconciles');
    this.#stopWatching();
    const drained = this.queue.shutdownWithDrain().then(() => true);
    const gaveUp = sleep(shutdownTimeoutMs, false, { ref: false });
    if (!(await Promise.race([drained, gaveUp]))) {
      this.#log.warn(
        { timeoutMs: shutdownTimeoutMs },
        'in-flight reconciles did not finish in time; aborting them',
      );
      this.#inflight.abort(new Error('controller shutdown timed out'));
    }
    await Promise.all(workers);
    this.#log.info('all workers finished');
  }

  #stopWatching(): void {
    for (const remove of this.#removers.splice(0)) remove();
  }

  #enqueue(requests: { namespace?: string; name: string }[], lowPriority: boolean): void {
    for (const request of requests) {
      this.queue.add(keyString(request), { priority: lowPriority ? LOW_PRIORITY : NORMAL_PRIORITY });
    }
  }

  async #worker(): Promise<void> {
    for (;;) {
      const item = await this.queue.get();
      if (!item) return;
      try {
        await this.#process(item.key, item.priority);
      } finally {
        this.queue.done(item.key);
      }
    }
  }

  async #process(key: string, priority: number): Promise<void> {
    const labels = { controller: this.name };
    const request = parseKeyString(key);
    const reconcileID = randomUUID();
    const log = this.#log.child({
      kind: this.#options.forType.kind,
      namespace: request.namespace,
      name: request.name,
      reconcileID,
    });
    this.#metrics.activeWorkers.inc(labels);
    const started = performance.now();
    let outcome: 'success' | 'error' | 'requeue' | 'requeue_after';
    try {
      const result =
        (await this.#options.reconciler.reconcile(request, {
          log,
          reconcileID,
          signal: this.#inflight.signal,
        })) ?? {};
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, result.requeueAfterMs, priority);
        outcome = 'requeue_after';
      } else if (result.requeue) {
        this.queue.addRateLimited(key, priority);
        outcome = 'requeue';
      } else {
        this.queue.forget(key);
        outcome = 'success';
      }
    } catch (err) {
      outcome = 'error';
      this.#metrics.reconcileErrors.inc(labels);
      if (isTerminalError(err)) {
        this.#metrics.terminalReconcileErrors.inc(labels);
        this.queue.forget(key);
        log.error({ err: describe(err) }, 'reconciler returned a terminal error; not retrying');
      } else {
        if (isPanicLike(err)) this.#metrics.reconcilePanics.inc(labels);
        this.queue.addRateLimited(key, priority);
        log.error(
          { err: describe(err), retries: this.queue.numRequeues(key) },
          'reconciler error; will retry',
        );
      }
    } finally {
      this.#metrics.reconcileTime.observe(labels, (performance.now() - started) / 1000);
      this.#metrics.activeWorkers.dec(labels);
    }
    this.#metrics.reconcileTotal.inc({ controller: this.name, result: outcome });
  }
}

function groupOf(type: TypeRef): string {
  const slash = type.apiVersion.indexOf('/');
  return slash < 0 ? '' : type.apiVersion.slice(0, slash);
}

function describe(err: unknown): { message: string; name?: string; stack?: string } {
  if (err instanceof Error)
    return { name: err.name, message: err.message, stack: isPanicLike(err) ? err.stack : undefined };
  return { message: String(err) };
}
