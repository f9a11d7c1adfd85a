import { isStatusError } from '../../../../../apiserver/errors/status-error.js';

/**
 * Errors a later attempt may get past: server-side failures and throttling. Everything else (invalid,
 * forbidden, conflict, a bug) waits for the next change of the object instead of being retried on a timer.
 */
export function isRetryable(err: unknown): boolean {
  return isStatusError(err) && (err.code >= 500 || err.code === 429);
}

/**
 * The work queue of a simulated controller: keys wait deduplicated, one sync runs at a time, in arrival
 * order. Syncs read the store itself, which is current the moment a write resolves, so a sync sees what the
 * previous one wrote and no "expectations" are needed. A sync that fails with a retryable error runs again
 * once after a delay; every other failure waits for the next change of the object (a conflict always brings
 * one), so nothing ever spins.
 */
export class KeyedWorkQueue {
  readonly #sync: (key: string) => Promise<void>;
  readonly #retryDelayMs: number;
  #keys = new Set<string>();
  #retries = new Map<string, NodeJS.Timeout>();
  #worker: Promise<void> | undefined;
  #idle: (() => void)[] = [];
  #stopped = true;

  constructor(sync: (key: string) => Promise<void>, retryDelayMs: number) {
    this.#sync = sync;
    this.#retryDelayMs = retryDelayMs;
  }

  start(): void {
    this.#stopped = false;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#keys.add(key);
    this.#worker ??= this.#drain();
  }

  /** Syncs `key` again after the retry delay: for failures no store event will answer. */
  retryLater(key: string): void {
    if (this.#stopped || this.#retries.has(key)) return;
    const timer = setTimeout(() => {
      this.#retries.delete(key);
      this.add(key);
    }, this.#retryDelayMs);
    timer.unref();
    this.#retries.set(key, timer);
  }

  /** Drops waiting keys and retries, and waits for the sync under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#keys.clear();
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    await this.#worker;
  }

  /** Resolves once no key waits and no sync runs (tests, diagnostics). */
  async idle(): Promise<void> {
    if (!this.#worker) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    // Begin on a later turn: the burst of events that woke the queue is collected first, and no sync runs
    // inside the stack of whoever added the key.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (!this.#stopped) {
        const next = this.#keys.values().next();
        if (next.done) break;
        this.#keys.delete(next.value);
        try {
          await this.#sync(next.value);
        } catch (err) {
          if (isRetryable(err)) this.retryLater(next.value);
        }
      }
    } finally {
      this.#worker = undefined;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}
