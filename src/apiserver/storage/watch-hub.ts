import type { ChangeLog } from './change-log.js';
import type { KvEvent, WatchHandle, WatchListener } from './key-value.js';
import { CompactedError, WatchOverflowError } from './storage-errors.js';

/** What watchers read from the store: the retained history and how far it is durable. */
export interface WatchSource {
  changes(): ChangeLog;
  /** The newest durable revision; events above it are never delivered. */
  visibleRevision(): number;
}

/** A queued progress notification carries just its revision. */
type QueueItem = KvEvent | number;

/** How many revisions a replaying watcher scans per step before checking for backpressure again. */
const REPLAY_STEP = 1024;

/**
 * One watch. It starts in replay mode, reading (fromRevision, visible] lazily from the change log instead
 * of copying it, then switches to live mode, where the hub pushes each newly durable event into its queue.
 * Both steps run synchronously inside JS turns, so nothing committed between replay and live is missed or
 * seen twice. Delivery is asynchronous and never runs inside a writer's call stack.
 */
export class Watcher implements WatchHandle {
  readonly prefix: string;
  #hub: WatchHub;
  #listener: WatchListener;
  #maxBuffered: number;
  #signal: AbortSignal | undefined;
  #onAbort = (): void => this.cancel();
  /** Events with revision <= from are never delivered. */
  #from: number;
  /** Replay progress: every matching event up to here is queued or delivered. */
  #cursor: number;
  #replaying: boolean;
  #queue: QueueItem[] = [];
  #head = 0;
  #draining = false;
  #closed = false;
  #progressWanted = false;
  #lastDelivered: number;

  constructor(init: {
    hub: WatchHub;
    prefix: string;
    fromRevision: number;
    listener: WatchListener;
    maxBuffered: number;
    signal: AbortSignal | undefined;
  }) {
    this.#hub = init.hub;
    this.prefix = init.prefix;
    this.#listener = init.listener;
    this.#maxBuffered = init.maxBuffered;
    this.#from = init.fromRevision;
    this.#cursor = init.fromRevision;
    this.#lastDelivered = init.fromRevision;
    this.#replaying = init.fromRevision < init.hub.source.visibleRevision();
    this.#signal = init.signal;
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (this.#replaying) this.#schedule();
  }

  get closed(): boolean {
    return this.#closed;
  }

  cancel(): void {
    this.close(undefined);
  }

  requestProgress(): void {
    if (this.#closed) return;
    if (this.#replaying) {
      // Answered when replay catches up, with the revision it caught up to.
      this.#progressWanted = true;
    } else {
      this.#push(this.#hub.source.visibleRevision());
    }
  }

  /** Called by the hub, in revision order, for each newly durable event under this watcher's prefix. */
  deliverLive(event: KvEvent): void {
    if (this.#closed || this.#replaying || event.revision <= this.#from) return;
    this.#push(event);
    if (this.#queue.length - this.#head > this.#maxBuffered) {
      this.close(new WatchOverflowError(this.#queue.length - this.#head, this.#lastDelivered));
    }
  }

  close(err: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#hub.remove(this);
    const onClose = this.#listener.onClose?.bind(this.#listener);
    // Deferred so a listener never runs inside the store's commit path or the caller's cancel() stack
    // reentrantly; exactly once either way.
    if (onClose) queueMicrotask(() => onClose(err));
  }

  #push(item: QueueItem): void {
    this.#queue.push(item);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#draining || this.#closed) return;
    this.#draining = true;
    queueMicrotask(() => void this.#drain());
  }

  /** Queues the next slice of history; switches to live once it reaches the durable revision. */
  #replayStep(): void {
    const changes = this.#hub.source.changes();
    const visibleRevision = this.#hub.source.visibleRevision();
    if (this.#cursor < changes.compactedRevision) {
      throw new CompactedError(this.#cursor, changes.compactedRevision);
    }
    const end = Math.min(visibleRevision, this.#cursor + REPLAY_STEP);
    for (let rev = this.#cursor + 1; rev <= end; rev++) {
      const event = changes.at(rev);
      if (event.kv.key.startsWith(this.prefix)) this.#queue.push(event);
    }
    this.#cursor = end;
    if (end >= visibleRevision) {
      this.#replaying = false;
      if (this.#progressWanted) {
        this.#progressWanted = false;
        this.#queue.push(end);
      }
    }
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#closed) {
        if (this.#head >= this.#queue.length) {
          this.#queue = [];
          this.#head = 0;
          if (!this.#replaying) break;
          this.#replayStep();
          continue;
        }
        const item = this.#queue[this.#head]!;
        this.#head++;
        if (typeof item === 'number') {
          this.#listener.onProgress?.(item);
          continue;
        }
        this.#lastDelivered = item.revision;
        const pending = this.#listener.onEvent(item);
        if (pending !== undefined) await pending;
        // Compact the consumed prefix now and then so a long-lived busy watcher does not grow its array.
        if (this.#head >= 4096 && this.#head * 2 >= this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
      }
    } catch (err) {
      this.close(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.#draining = false;
    }
  }
}

/** The set of open watchers, indexed by prefix so an event is matched once per distinct prefix. */
export class WatchHub {
  readonly source: WatchSource;
  #byPrefix = new Map<string, Set<Watcher>>();
  #count = 0;

  constructor(source: WatchSource) {
    this.source = source;
  }

  get size(): number {
    return this.#count;
  }

  add(watcher: Watcher): void {
    let set = this.#byPrefix.get(watcher.prefix);
    if (!set) {
      set = new Set();
      this.#byPrefix.set(watcher.prefix, set);
    }
    set.add(watcher);
    this.#count++;
  }

  remove(watcher: Watcher): void {
    const set = this.#byPrefix.get(watcher.prefix);
    if (!set?.delete(watcher)) return;
    this.#count--;
    if (set.size === 0) this.#byPrefix.delete(watcher.prefix);
  }

  /** Fans newly durable events out, in revision order. */
  publish(events: readonly KvEvent[]): void {
    if (this.#count === 0) return;
    for (const event of events) {
      for (const [prefix, set] of this.#byPrefix) {
        if (!event.kv.key.startsWith(prefix)) continue;
        for (const watcher of set) watcher.deliverLive(event);
      }
    }
  }

  requestProgress(): void {
    for (const set of this.#byPrefix.values()) for (const watcher of set) watcher.requestProgress();
  }

  closeAll(err: Error): void {
    for (const set of [...this.#byPrefix.values()]) for (const watcher of [...set]) watcher.close(err);
  }
}
