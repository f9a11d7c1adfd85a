import { type ControllerRuntimeMetrics, metricsFor } from '../metrics/metrics.js';
import { type Clock, systemClock } from './clock.js';
import { IndexedHeap } from './indexed-heap.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';

/** Periodic resyncs and the initial list's add events, so they queue behind real changes (as upstream's priority queue). */
export const LOW_PRIORITY = -100;
export const NORMAL_PRIORITY = 0;

/** client-go refreshes the unfinished-work gauges at this period. */
const UNFINISHED_WORK_REFRESH_MS = 500;
/** setTimeout fires after 1 ms for anything longer than this; longer waits are re-armed in steps. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface WorkQueueOptions<K extends string = string> {
  /** Used as both the `name` and `controller` metric labels, as controller-runtime does. */
  name: string;
  /** For `addRateLimited`, `forget` and `numRequeues`; default `defaultControllerRateLimiter()`. */
  rateLimiter?: RateLimiter<K>;
  /** Default: the process-wide registry's metrics (`metricsFor()`), as controller-runtime reports to its global one. */
  metrics?: ControllerRuntimeMetrics;
  /** Timestamps for ready times and metrics. Timers are real, so a fake clock must not lag behind real time for delayed items. */
  clock?: Clock;
}

export interface AddOptions {
  /** Higher is handed out first; default `NORMAL_PRIORITY`. */
  priority?: number;
  /** Milliseconds before the key becomes ready; 0 or less means now. */
  after?: number;
}

export interface WorkItem<K extends string = string> {
  key: K;
  priority: number;
}

/**
 * A key waiting to be handed out. `delayed`: in the delayed heap until `readyAt`. `ready`: in the ready
 * heap. `parked`: ready, but the key is being processed, so it waits outside both heaps until `done`.
 */
interface Entry<K> {
  readonly key: K;
  priority: number;
  readyAt: number;
  /** Tie-break for equal priority and ready time, so hand-out order is FIFO. */
  seq: number;
  state: 'delayed' | 'ready' | 'parked';
  heapIndex: number;
}

interface Waiter<K extends string> {
  resolve(item: WorkItem<K> | undefined): void;
  /** Detaches the abort listener once the waiter is settled some other way. */
  release(): void;
}

type DepthLabels = { name: string; controller: string; priority: string };

/**
 * The controller work queue: client-go's rate-limiting workqueue with controller-runtime's priorities.
 *
 * - A waiting key has one entry however often it is added; re-adding keeps the higher priority and the
 *   earlier ready time.
 * - A key is never handed out to two callers at once. Added while being processed, it is handed out again
 *   once after `done`.
 * - Higher priority first; within a priority, the key that became ready first.
 * - Delayed keys share one timer, armed for the earliest. It holds the process open only while a caller is
 *   waiting in `get`; everything else is unref'd.
 */
export class WorkQueue<K extends string = string> {
  readonly name: string;
  readonly #rateLimiter: RateLimiter<K>;
  readonly #metrics: ControllerRuntimeMetrics;
  readonly #clock: Clock;
  readonly #labels: { name: string; controller: string };
  readonly #depthLabels = new Map<number, DepthLabels>();

  /** Every waiting key (delayed, ready or parked); a key being processed is here only if re-added. */
  readonly #entries = new Map<K, Entry<K>>();
  readonly #ready = new IndexedHeap<Entry<K>>(
    (a, b) =>
      a.priority > b.priority ||
      (a.priority === b.priority && (a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq))),
  );
  readonly #delayed = new IndexedHeap<Entry<K>>(
    (a, b) => a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq),
  );
  #parked = 0;
  /** Key -> when it was handed out. */
  readonly #processing = new Map<K, number>();
  #waiters: Waiter<K>[] = [];
  #seq = 0;

  #timer: NodeJS.Timeout | undefined;
  #timerDue = 0;
  #refresher: NodeJS.Timeout | undefined;
  #shutDown = false;
  #drained: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: WorkQueueOptions<K>) {
    this.name = options.name;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(options.clock);
    this.#metrics = options.metrics ?? metricsFor();
    this.#clock = options.clock ?? systemClock;
    this.#labels = { name: options.name, controller: options.name };
  }

  /** Queues `key`, or merges into its waiting entry (higher priority and earlier ready time win). Ignored after shutdown. */
  add(key: K, options: AddOptions = {}): void {
    if (this.#shutDown) return;
    const priority = options.priority ?? NORMAL_PRIORITY;
    const after = options.after ?? 0;
    if (!Number.isFinite(priority)) throw new RangeError(`priority must be a finite number, got ${priority}`);
    if (!Number.isFinite(after))
      throw new RangeError(`after must be a finite number of milliseconds, got ${after}`);
    const now = this.#clock.now();
    // Entries already due go first, so their FIFO place is not taken by this add.
    this.#promote(now);
    const readyAt = after > 0 ? now + after : now;

    const entry = this.#entries.get(key);
    if (!entry) {
      const created: Entry<K> = { key, priority, readyAt, seq: this.#seq++, state: 'delayed', heapIndex: -1 };
      this.#entries.set(key, created);
      if (readyAt <= now) this.#makeReady(created);
      else this.#delayed.push(created);
    } else if (entry.state === 'delayed') {
      entry.priority = Math.max(entry.priority, priority);
      entry.readyAt = Math.min(entry.readyAt, readyAt);
      if (entry.readyAt <= now) {
        this.#delayed.remove(entry);
        this.#makeReady(entry);
      } else {
        this.#delayed.update(entry);
      }
    } else if (priority > entry.priority) {
      this.#metrics.workqueueDepth.dec(this.#depthLabelsFor(entry.priority));
      this.#metrics.workqueueDepth.inc(this.#depthLabelsFor(priority));
      entry.priority = priority;
      if (entry.state === 'ready') this.#ready.update(entry);
    }
    this.#dispatch();
    this.#arm();
  }

  addAfter(key: K, afterMs: number, priority?: number): void {
    this.add(key, { after: afterMs, priority });
  }

  /** Queues `key` after the rate limiter's delay for it; counts as a retry. */
  addRateLimited(key: K, priority?: number): void {
    if (this.#shutDown) return;
    const after = this.#rateLimiter.when(key);
    this.#metrics.workqueueRetries.inc(this.#labels);
    this.add(key, { after, priority });
  }

  /** Resets `key`'s backoff; call it when the key was processed successfully. */
  forget(key: K): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /**
   * The next ready key, once there is one; the caller owns it until `done(key)`. Resolves undefined once
   * the queue is shut down. `signal` withdraws this caller only (the promise rejects with its reason).
   */
  get(signal?: AbortSignal): Promise<WorkItem<K> | undefined> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#shutDown) return Promise.resolve(undefined);
    this.#promote(this.#clock.now());
    this.#arm();
    const entry = this.#ready.pop();
    if (entry) return Promise.resolve(this.#handOut(entry));
    return new Promise<WorkItem<K> | undefined>((resolve, reject) => {
      const waiter: Waiter<K> = { resolve, release: () => undefined };
      if (signal) {
        const onAbort = (): void => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          this.#syncTimerRef();
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.release = () => signal.removeEventListener('abort', onAbort);
      }
      this.#waiters.push(waiter);
      this.#syncTimerRef();
    });
  }

  /** Ends processing of `key`; if it was re-added meanwhile, it becomes available again. Unknown keys are ignored. */
  done(key: K): void {
    const started = this.#processing.get(key);
    if (started === undefined) return;
    this.#processing.delete(key);
    this.#metrics.workqueueWorkDuration.observe(this.#labels, (this.#clock.now() - started) / 1000);
    const entry = this.#entries.get(key);
    if (entry?.state === 'parked') {
      this.#parked--;
      entry.state = 'ready';
      this.#ready.push(entry);
    }
    if (this.#processing.size === 0) {
      this.#stopRefresher();
      this.#metrics.workqueueUnfinishedWork.set(this.#labels, 0);
      this.#metrics.workqueueLongestRunningProcessor.set(this.#labels, 0);
      if (this.#shutDown) this.#drained?.resolve();
    }
    this.#dispatch();
  }

  /** Keys ready now, including those waiting for their earlier run to be `done`; delayed keys are not counted. */
  len(): number {
    if (!this.#shutDown) this.#promote(this.#clock.now());
    return this.#ready.size + this.#parked;
  }

  get shuttingDown(): boolean {
    return this.#shutDown;
  }

  /**
   * Stops at once: waiting keys are dropped, callers waiting in `get` get undefined, adds are ignored,
   * timers stop. Keys already handed out may still be `done`.
   */
  shutdown(): void {
    if (this.#shutDown) return;
    this.#shutDown = true;
    this.#clearTimer();
    this.#stopRefresher();
    for (const entry of this.#entries.values()) {
      if (entry.state !== 'delayed') this.#metrics.workqueueDepth.dec(this.#depthLabelsFor(entry.priority));
    }
    this.#entries.clear();
    this.#ready.clear();
    this.#delayed.clear();
    this.#parked = 0;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      waiter.release();
      waiter.resolve(undefined);
    }
    if (this.#processing.size === 0) this.#drained?.resolve();
  }

  /** `shutdown()`, then resolves once every key handed out has been `done`. */
  shutdownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.#processing.size === 0) return Promise.resolve();
    if (!this.#drained) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#drained = { promise, resolve };
    }
    return this.#drained.promise;
  }

  #makeReady(entry: Entry<K>): void {
    entry.seq = this.#seq++;
    this.#metrics.workqueueDepth.inc(this.#depthLabelsFor(entry.priority));
    this.#metrics.workqueueAdds.inc(this.#labels);
    if (this.#processing.has(entry.key)) {
      entry.state = 'parked';
      this.#parked++;
    } else {
      entry.state = 'ready';
      this.#ready.push(entry);
    }
  }

  /** Moves every delayed entry that is due into the ready heap. */
  #promote(now: number): void {
    for (let next = this.#delayed.peek(); next && next.readyAt <= now; next = this.#delayed.peek()) {
      this.#delayed.pop();
      this.#makeReady(next);
    }
  }

  #handOut(entry: Entry<K>): WorkItem<K> {
    const now = this.#clock.now();
    this.#entries.delete(entry.key);
    this.#processing.set(entry.key, now);
    this.#metrics.workqueueDepth.dec(this.#depthLabelsFor(entry.priority));
    // From when it was due, not when the timer got round to it: a late timer is queueing time too.
    this.#metrics.workqueueQueueDuration.observe(this.#labels, Math.max(0, now - entry.readyAt) / 1000);
    this.#startRefresher();
    return { key: entry.key, priority: entry.priority };
  }

  /** Gives ready keys to waiting callers, oldest caller first. */
  #dispatch(): void {
    while (this.#waiters.length > 0 && this.#ready.size > 0) {
      const entry = this.#ready.pop();
      const waiter = this.#waiters.shift();
      if (!entry || !waiter) break;
      waiter.release();
      waiter.resolve(this.#handOut(entry));
    }
    this.#syncTimerRef();
  }

  /** Keeps the one timer aimed at the earliest delayed entry. */
  #arm(): void {
    const next = this.#delayed.peek();
    if (!next || this.#shutDown) {
      this.#clearTimer();
      return;
    }
    if (this.#timer && this.#timerDue === next.readyAt) return;
    this.#clearTimer();
    // At least 1 ms, so a clock that has not caught up with the timer cannot make it spin.
    const delay = Math.min(Math.max(1, Math.ceil(next.readyAt - this.#clock.now())), MAX_TIMER_DELAY_MS);
    this.#timerDue = next.readyAt;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#promote(this.#clock.now());
      this.#dispatch();
      this.#arm();
    }, delay);
    this.#syncTimerRef();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The timer holds the process open only while someone awaits `get`; otherwise a queue would block exit. */
  #syncTimerRef(): void {
    if (!this.#timer) return;
    if (this.#waiters.length > 0) this.#timer.ref();
    else this.#timer.unref();
  }

  #startRefresher(): void {
    if (this.#refresher || this.#shutDown) return;
    this.#refresher = setInterval(() => this.#refreshUnfinishedWork(), UNFINISHED_WORK_REFRESH_MS);
    this.#refresher.unref();
  }

  #stopRefresher(): void {
    if (this.#refresher) clearInterval(this.#refresher);
    this.#refresher = undefined;
  }

  #refreshUnfinishedWork(): void {
    const now = this.#clock.now();
    let total = 0;
    let longest = 0;
    for (const started of this.#processing.values()) {
      const running = Math.max(0, now - started);
      total += running;
      longest = Math.max(longest, running);
    }
    this.#metrics.workqueueUnfinishedWork.set(this.#labels, total / 1000);
    this.#metrics.workqueueLongestRunningProcessor.set(this.#labels, longest / 1000);
  }

  #depthLabelsFor(priority: number): DepthLabels {
    let labels = this.#depthLabels.get(priority);
    if (!labels) {
      labels = { ...this.#labels, priority: String(priority) };
      this.#depthLabels.set(priority, labels);
    }
    return labels;
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}
