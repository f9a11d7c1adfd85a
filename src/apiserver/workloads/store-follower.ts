import type { ObjectStore, StoredKV, StoreEvent, StoreWatch } from '../registry/object-store.js';

export interface StoreFollowerOptions {
  /** Keys read once at start (and again after a dropped watch). */
  snapshotPrefix: string;
  /** Keys whose changes are followed from the snapshot's revision on. */
  watchPrefix: string;
  /** The snapshot, in key order. Called again, with a fresh snapshot, when the watch had to be restarted. */
  onSnapshot: (kvs: StoredKV[]) => void;
  onEvent: (event: StoreEvent) => void;
  /** Delay before re-listing after the store dropped the watch (overflow, compaction). */
  resyncDelayMs?: number;
}

/**
 * The informer part of an in-process controller: a snapshot of the store, then every change after it. A
 * handler that throws must not end the watch (the store closes a watcher whose listener throws), so errors
 * are contained here; a watch the store drops is re-established from a fresh snapshot.
 */
export class StoreFollower {
  #store: ObjectStore;
  #o: StoreFollowerOptions;
  #watch: StoreWatch | undefined;
  #resync: NodeJS.Timeout | undefined;
  #running = false;

  constructor(store: ObjectStore, options: StoreFollowerOptions) {
    this.#store = store;
    this.#o = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#subscribe();
  }

  stop(): void {
    this.#running = false;
    if (this.#resync) clearTimeout(this.#resync);
    this.#resync = undefined;
    this.#watch?.cancel();
    this.#watch = undefined;
  }

  #subscribe(): void {
    const snapshot = this.#store.range(this.#o.snapshotPrefix);
    contain(() => this.#o.onSnapshot(snapshot.kvs));
    this.#watch = this.#store.watch(
      this.#o.watchPrefix,
      snapshot.revision,
      (event) => contain(() => this.#o.onEvent(event)),
      (err) => {
        if (!err || !this.#running) return;
        this.#watch = undefined;
        this.#resync = setTimeout(() => {
          this.#resync = undefined;
          if (!this.#running) return;
          try {
            this.#subscribe();
          } catch {
            // The store is closing; nothing left to follow.
            this.#running = false;
          }
        }, this.#o.resyncDelayMs ?? 1000);
        this.#resync.unref();
      },
    );
  }
}

function contain(fn: () => void): void {
  try {
    fn();
  } catch {
    // A malformed stored value must not stop the controller from seeing later changes.
  }
}
