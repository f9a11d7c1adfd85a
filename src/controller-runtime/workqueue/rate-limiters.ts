import { type Clock, systemClock } from './clock.js';

/** How long to hold a key back before it is retried (client-go's `workqueue.TypedRateLimiter`). */
export interface RateLimiter<K> {
  /** The delay in milliseconds before `item` may be retried; calling it counts as one more failure. */
  when(item: K): number;
  /** Stop tracking `item`: it succeeded (or was given up on), so its next failure starts from scratch. */
  forget(item: K): void;
  /** How many times `item` has been through `when` since it was last forgotten. */
  numRequeues(item: K): number;
}

export interface ItemExponentialFailureRateLimiterOptions {
  /** First delay; default 5 ms. */
  baseDelayMs?: number;
  /** Ceiling; default 1000 s. */
  maxDelayMs?: number;
}

/** Per item: `baseDelayMs * 2^failures`, capped at `maxDelayMs` (client-go's ItemExponentialFailureRateLimiter). */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #failures = new Map<K, number>();

  constructor(options: ItemExponentialFailureRateLimiterOptions = {}) {
    this.#baseDelayMs = nonNegative('baseDelayMs', options.baseDelayMs ?? 5);
    this.#maxDelayMs = nonNegative('maxDelayMs', options.maxDelayMs ?? 1_000_000);
  }

  when(item: K): number {
    const failures = this.#failures.get(item) ?? 0;
    this.#failures.set(item, failures + 1);
    // 2 ** failures reaches Infinity after ~1000 failures; min() turns that into the cap rather than NaN.
    return Math.min(this.#baseDelayMs * 2 ** failures, this.#maxDelayMs);
  }

  forget(item: K): void {
    this.#failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.#failures.get(item) ?? 0;
  }
}

export interface BucketRateLimiterOptions {
  /** Tokens added per second; default 10. `Infinity` never waits. */
  qps?: number;
  /** Bucket size, and how many tokens it starts with; default 100. */
  burst?: number;
  clock?: Clock;
}

/**
 * One token bucket shared by every item, as golang.org/x/time/rate's `Limiter.Reserve().Delay()` that
 * client-go's BucketRateLimiter wraps: each `when` takes a token now, going into debt when the bucket is
 * empty, and returns how long until that token would have been there. Taking it up front is what spreads
 * a burst of failures out instead of retrying them all at the same instant.
 */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(options: BucketRateLimiterOptions = {}) {
    this.#qps = options.qps ?? 10;
    this.#burst = options.burst ?? 100;
    if (!(this.#qps > 0)) throw new RangeError(`qps must be positive, got ${this.#qps}`);
    if (!(this.#burst >= 1)) throw new RangeError(`burst must be at least 1, got ${this.#burst}`);
    this.#clock = options.clock ?? systemClock;
    this.#tokens = this.#burst;
    this.#last = this.#clock.now();
  }

  when(_item: K): number {
    if (this.#qps === Infinity) return 0;
    const now = this.#clock.now();
    // A clock that went backwards adds nothing rather than removing tokens.
    const elapsed = Math.max(0, now - this.#last);
    this.#last = Math.max(now, this.#last);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#qps) / 1000) - 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  forget(_item: K): void {
    // The bucket is shared: one item succeeding returns no tokens.
  }

  numRequeues(_item: K): number {
    return 0;
  }
}

/** The strictest of several limiters; every one of them sees every failure (client-go's MaxOfRateLimiter). */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.#limiters = limiters;
  }

  when(item: K): number {
    let delay = 0;
    // No early exit: each limiter must record the failure even when another one already wins.
    for (const limiter of this.#limiters) delay = Math.max(delay, limiter.when(item));
    return delay;
  }

  forget(item: K): void {
    for (const limiter of this.#limiters) limiter.forget(item);
  }

  numRequeues(item: K): number {
    let requeues = 0;
    for (const limiter of this.#limiters) requeues = Math.max(requeues, limiter.numRequeues(item));
    return requeues;
  }
}

/**
 * controller-runtime's default (client-go's `DefaultTypedControllerRateLimiter`): per-item exponential
 * backoff 5 ms .. 1000 s, and an overall 10 qps / burst 100 so a mass failure cannot hot-loop the API server.
 */
export function defaultControllerRateLimiter<K>(clock: Clock = systemClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>({ baseDelayMs: 5, maxDelayMs: 1_000_000 }),
    new BucketRateLimiter<K>({ qps: 10, burst: 100, clock }),
  );
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0)) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}
