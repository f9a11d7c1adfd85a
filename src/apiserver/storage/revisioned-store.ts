import { performance } from 'node:perf_hooks';
import { ChangeLog } from './change-log.js';
import { FileJournal, type RecoveryReport } from './file-journal.js';
import { type Journal, MemoryJournal, type StoreLogger } from './journal.js';
import type {
  DeleteResult,
  KeyValue,
  KvEvent,
  RangeOptions,
  RangeResult,
  WatchHandle,
  WatchListener,
  WatchOptions,
} from './key-value.js';
import { type LogRecord, encodeLogRecord } from './record-codec.js';
import { SortedKeys } from './sorted-keys.js';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  StoreClosedError,
  StoreFailedError,
} from './storage-errors.js';
import { WatchHub, Watcher } from './watch-hub.js';

/**
 * Automatic compaction: history is kept for at least `minRevisions` revisions AND at least `minAgeMs`,
 * but never more than `maxEvents` events (the cap wins, so memory stays bounded under any write rate).
 * Defaults mirror kine (1000 revisions) and the apiserver's 5-minute compaction interval.
 */
export interface RetentionOptions {
  /** Default 1000. */
  minRevisions?: number;
  /** Default 300_000 (5 minutes). */
  minAgeMs?: number;
  /** Default 100_000. */
  maxEvents?: number;
}

export interface StoreOptions {
  /** Automatic compaction policy; `false` keeps all history until `compact()` is called. */
  retention?: RetentionOptions | false;
  /** Per-watch bound on undelivered events before the watch is closed; default 10_000. */
  maxBufferedEvents?: number;
  /** Monotonic milliseconds, for the age-based retention (tests inject a fake clock). */
  clock?: () => number;
  logger?: StoreLogger;
}

export interface DurableStoreOptions extends StoreOptions {
  /** Data directory; created if missing. One store per directory (enforced by a LOCK file). */
  dir: string;
  /** Log segment size before rotation; default 64 MiB. */
  segmentBytes?: number;
  /** Log appended since the last snapshot before a new one is written; default 64 MiB. */
  snapshotEveryBytes?: number;
  /** Snapshots kept on disk (older ones are a fallback if the newest is damaged); default 2. */
  snapshotsToKeep?: number;
}

export interface StoreStats {
  keys: number;
  /** Events in the in-memory history (compactedRevision, newest]. */
  retainedEvents: number;
  /** Writes applied but not yet durable. */
  pendingWrites: number;
  watchers: number;
}

interface Batch {
  records: Buffer[];
  first: number;
  last: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface RevisionWaiter {
  revision: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const DEFAULT_RETENTION: Required<RetentionOptions> = {
  minRevisions: 1000,
  minAgeMs: 300_000,
  maxEvents: 100_000,
};

function newBatch(revision: number): Batch {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { records: [], first: revision, last: revision, promise, resolve, reject };
}

const byKey = (a: KeyValue, b: KeyValue): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * A revisioned key-value store with etcd semantics: one global revision, per-key create/mod revisions and
 * versions, compare-and-swap writes, snapshot reads at past revisions, and prefix watches with prevKV.
 *
 * Writes are serialised by the JS thread: the compare-and-swap check and the in-memory apply happen
 * synchronously inside the call, so the next call's check already sees them. Making them durable is
 * batched (group commit: one append + one fdatasync for all writes that arrived while the previous flush
 * ran). A write's promise resolves, and watchers see its event, only once it is durable.
 *
 * Reads (`get`, `range`, `currentRevision`) show durable state only, like etcd, so no client can observe a
 * write that a crash might still take back (its revision would then be reused for different content).
 * A compare-and-swap, by contrast, checks against the newest applied state; when it fails, the error is
 * delivered once that state is durable, so re-reading after a conflict sees what the write lost against.
 */
export class RevisionedStore {
  #journal: Journal = new MemoryJournal();
  #current = new Map<string, KeyValue>();
  #keys = new SortedKeys();
  #changes = new ChangeLog(1);
  #visible = 1;
  /** Keys with applied-but-not-durable changes, and how many; their durable value needs an undo. */
  #pendingWrites = new Map<string, number>();
  #hub: WatchHub;
  #batch: Batch | undefined;
  #flushing: Promise<void> | undefined;
  #snapshotting: Promise<void> | undefined;
  #waiters: RevisionWaiter[] = [];
  #failed: StoreFailedError | undefined;
  #closed = false;
  #loading = false;
  #recovery: RecoveryReport | undefined;
  #retention: Required<RetentionOptions> | undefined;
  #maxBuffered: number;
  #clock: () => number;
  #logger: StoreLogger | undefined;

  private constructor(options: StoreOptions) {
    this.#retention =
      options.retention === false ? undefined : { ...DEFAULT_RETENTION, ...options.retention };
    this.#maxBuffered = options.maxBufferedEvents ?? 10_000;
    this.#clock = options.clock ?? (() => performance.now());
    this.#logger = options.logger;
    this.#hub = new WatchHub({ changes: () => this.#changes, visibleRevision: () => this.#visible });
  }

  /** A store that lives only in memory (tests, throwaway workload clusters). */
  static memory(options: StoreOptions = {}): RevisionedStore {
    return new RevisionedStore(options);
  }

  /** Opens (or creates) a durable store in `options.dir`, replaying its snapshot and log. */
  static async open(options: DurableStoreOptions): Promise<RevisionedStore> {
    const store = new RevisionedStore(options);
    store.#loading = true;
    let replayed = 0;
    const { journal, report } = await FileJournal.open(
      {
        dir: options.dir,
        segmentBytes: options.segmentBytes ?? 64 << 20,
        snapshotEveryBytes: options.snapshotEveryBytes ?? 64 << 20,
        snapshotsToKeep: Math.max(1, options.snapshotsToKeep ?? 2),
        logger: options.logger,
      },
      {
        onSnapshot: (revision, kvs) => store.#loadSnapshot(revision, kvs),
        onRecord: (record) => {
          store.#replay(record);
          // Bound memory while replaying a long log, as live compaction would have.
          if (++replayed % 1024 === 0) store.#autoCompact();
        },
      },
    );
    store.#loading = false;
    store.#keys.load([...store.#current.keys()].sort());
    store.#journal = journal;
    store.#recovery = report;
    store.#autoCompact();
    return store;
  }

  /** The newest durable revision: a list's resourceVersion, and what bookmarks report. */
  get currentRevision(): number {
    return this.#visible;
  }

  /** Reads and watches must start at or after this revision. */
  get compactedRevision(): number {
    return this.#changes.compactedRevision;
  }

  /** What the last open found and repaired; undefined for an in-memory store. */
  get recovery(): RecoveryReport | undefined {
    return this.#recovery;
  }

  get stats(): StoreStats {
    return {
      keys: this.#current.size,
      retainedEvents: this.#changes.size,
      pendingWrites: this.#changes.newestRevision - this.#visible,
      watchers: this.#hub.size,
    };
  }

  // ------------------------------------------------------------------ reads

  /** The key's value at `revision` (default: current). */
  get(key: string, options: { revision?: number } = {}): KeyValue | undefined {
    const revision = this.#readRevision(options.revision);
    if (revision === this.#visible && !this.#pendingWrites.has(key)) return this.#current.get(key);
    let kv = this.#current.get(key);
    for (let rev = this.#changes.newestRevision; rev > revision; rev--) {
      const event = this.#changes.at(rev);
      if (event.kv.key === key) kv = event.prevKv;
    }
    return kv;
  }

  /**
   * The keys under `prefix` at one snapshot revision, sorted, from `startKey` on, at most `limit`. Pages of
   * one list pass the first page's `revision` back so every page comes from the same snapshot.
   */
  range(prefix: string, options: RangeOptions = {}): RangeResult {
    const revision = this.#readRevision(options.revision);
    const start = options.startKey !== undefined && options.startKey > prefix ? options.startKey : prefix;
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;

    // Keys changed after `revision`, mapped to their value at `revision`: walking newest to oldest, the
    // last prevKv written is the one from the oldest change after `revision`.
    const overlay = new Map<string, KeyValue | undefined>();
    for (let rev = this.#changes.newestRevision; rev > revision; rev--) {
      const event = this.#changes.at(rev);
      const key = event.kv.key;
      if (key >= start && key.startsWith(prefix)) overlay.set(key, event.prevKv);
    }

    const keys = this.#keys;
    let i = keys.lowerBound(start);
    const end = keys.prefixEnd(prefix);
    let count = Math.max(0, end - i);
    const older: KeyValue[] = [];
    for (const [key, kv] of overlay) {
      if (this.#current.has(key)) count--;
      if (kv) {
        count++;
        older.push(kv);
      }
    }
    older.sort(byKey);

    // Merge the unchanged current keys with the rebuilt older values.
    const kvs: KeyValue[] = [];
    let j = 0;
    let more = false;
    for (;;) {
      while (i < end && overlay.has(keys.at(i)!)) i++;
      const a = i < end ? keys.at(i) : undefined;
      const b = older[j];
      if (a === undefined && b === undefined) break;
      if (kvs.length >= limit) {
        more = true;
        break;
      }
      if (a !== undefined && (b === undefined || a < b.key)) {
        kvs.push(this.#current.get(a)!);
        i++;
      } else {
        kvs.push(b!);
        j++;
      }
    }
    return { kvs, more, count, revision };
  }

  /** Resolves once `revision` is durable (for "not older than" reads); rejects if the store fails or closes. */
  waitForRevision(revision: number, signal?: AbortSignal): Promise<void> {
    if (revision <= this.#visible) return Promise.resolve();
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed) return Promise.reject(new StoreClosedError());
    if (signal?.aborted) return Promise.reject(new Error('aborted'));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        const reason: unknown = signal?.reason;
        reject(reason instanceof Error ? reason : new Error('aborted'));
      };
      const waiter: RevisionWaiter = {
        revision,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ----------------------------------------------------------------- writes

  /** Creates `key`; fails with KeyExistsError if it exists. Resolves with the new KV once durable. */
  async create(key: string, value: string): Promise<KeyValue> {
    this.#assertWritable();
    const existing = this.#current.get(key);
    if (existing) {
      await this.#untilKeyDurable(key);
      throw new KeyExistsError(key, existing);
    }
    const kv = this.#applyPut(key, value, undefined);
    await this.#commit({ kind: 'PUT', revision: kv.modRevision, key, value });
    return kv;
  }

  /**
   * Replaces `key`'s value if its modRevision is `expectedModRevision`. A byte-identical value is a no-op
   * (no revision, no event, like GuaranteedUpdate) and resolves with the stored KV once that is durable.
   */
  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.#assertWritable();
    const current = this.#current.get(key);
    if (!current || current.modRevision !== expectedModRevision) {
      await this.#untilKeyDurable(key);
      throw current
        ? new RevisionMismatchError(key, expectedModRevision, current)
        : new KeyNotFoundError(key);
    }
    if (current.value === value) {
      await this.waitForRevision(current.modRevision);
      return current;
    }
    const kv = this.#applyPut(key, value, current);
    await this.#commit({ kind: 'PUT', revision: kv.modRevision, key, value });
    return kv;
  }

  /** Deletes `key`, if its modRevision is `expectedModRevision` when given. */
  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    this.#assertWritable();
    const current = this.#current.get(key);
    if (!current || (expectedModRevision !== undefined && current.modRevision !== expectedModRevision)) {
      await this.#untilKeyDurable(key);
      throw current
        ? new RevisionMismatchError(key, expectedModRevision!, current)
        : new KeyNotFoundError(key);
    }
    const event = this.#applyDelete(current);
    await this.#commit({ kind: 'DELETE', revision: event.revision, key });
    return { revision: event.revision, prevKv: current };
  }

  // ------------------------------------------------------------------ watch

  /**
   * Delivers every change under `prefix` with revision > `fromRevision`, in order and exactly once, then
   * live changes as they become durable. `fromRevision` 0 means "from now" (etcd's start_revision 0).
   * Throws CompactedError synchronously when the history after `fromRevision` is gone.
   */
  watch(
    prefix: string,
    fromRevision: number,
    listener: WatchListener,
    options: WatchOptions = {},
  ): WatchHandle {
    if (this.#failed) throw this.#failed;
    if (this.#closed) throw new StoreClosedError();
    const from = fromRevision === 0 ? this.#visible : fromRevision;
    if (!Number.isSafeInteger(from) || from < 0) throw new RangeError(`invalid revision ${fromRevision}`);
    if (from < this.#changes.compactedRevision)
      throw new CompactedError(from, this.#changes.compactedRevision);
    const watcher = new Watcher({
      hub: this.#hub,
      prefix,
      fromRevision: from,
      listener,
      maxBuffered: options.maxBufferedEvents ?? this.#maxBuffered,
      signal: options.signal,
    });
    this.#hub.add(watcher);
    if (options.signal?.aborted) watcher.cancel();
    return watcher;
  }

  /** Asks every watcher for an `onProgress` once it has delivered everything durable so far. */
  requestProgress(): void {
    this.#hub.requestProgress();
  }

  // ------------------------------------------------------------- compaction

  /**
   * Drops history at and below `revision`: reads and watches from older revisions then fail with
   * CompactedError. The durable store's next snapshot is taken at the compacted revision.
   */
  compact(revision: number): void {
    if (this.#closed) throw new StoreClosedError();
    if (revision < this.#changes.compactedRevision) {
      throw new CompactedError(revision, this.#changes.compactedRevision);
    }
    if (revision > this.#visible) throw new FutureRevisionError(revision, this.#visible);
    this.#changes.compact(revision);
  }

  /**
   * Writes a snapshot at the compacted revision now (normally the store decides when) and resolves with
   * its revision. Snapshotting the compacted state rather than the newest keeps the retained history
   * in the log, so after a restart watches can still resume from any revision the window held.
   */
  async snapshot(): Promise<number> {
    this.#assertWritable();
    await this.#snapshotting;
    const revision = this.#changes.compactedRevision;
    await this.#startSnapshot();
    return revision;
  }

  /** Makes pending writes durable, closes every watch (StoreClosedError) and releases the files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#flushing;
    await this.#snapshotting;
    const closed = new StoreClosedError();
    this.#hub.closeAll(closed);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closed);
    await this.#journal.close();
  }

  // -------------------------------------------------------------- internals

  #readRevision(revision: number | undefined): number {
    if (this.#closed) throw new StoreClosedError();
    if (revision === undefined || revision === 0) return this.#visible;
    if (!Number.isSafeInteger(revision) || revision < 0) throw new RangeError(`invalid revision ${revision}`);
    if (revision < this.#changes.compactedRevision) {
      throw new CompactedError(revision, this.#changes.compactedRevision);
    }
    if (revision > this.#visible) throw new FutureRevisionError(revision, this.#visible);
    return revision;
  }

  #stateAt(revision: number): KeyValue[] {
    return this.range('', { revision }).kvs;
  }

  /**
   * A failed compare is decided at call time but reported only once the state that failed it is durable,
   * as in etcd (where the loser's compare runs after the winner commits). A caller that re-reads after
   * the error then sees the value it lost against instead of the older durable one, so a plain
   * get-modify-update retry loop makes progress while a group commit is in flight.
   */
  async #untilKeyDurable(key: string): Promise<void> {
    if (this.#pendingWrites.has(key)) await this.waitForRevision(this.#changes.newestRevision);
  }

  #assertWritable(): void {
    if (this.#failed) throw this.#failed;
    if (this.#closed) throw new StoreClosedError();
  }

  #applyPut(key: string, value: string, prev: KeyValue | undefined): KeyValue {
    const revision = this.#changes.newestRevision + 1;
    const kv: KeyValue = Object.freeze({
      key,
      value,
      createRevision: prev ? prev.createRevision : revision,
      modRevision: revision,
      version: prev ? prev.version + 1 : 1,
    });
    this.#current.set(key, kv);
    if (!prev && !this.#loading) this.#keys.insert(key);
    this.#record(Object.freeze({ type: 'PUT', revision, kv, prevKv: prev }));
    return kv;
  }

  #applyDelete(prev: KeyValue): KvEvent {
    const revision = this.#changes.newestRevision + 1;
    const tombstone: KeyValue = Object.freeze({
      key: prev.key,
      value: '',
      createRevision: 0,
      modRevision: revision,
      version: 0,
    });
    this.#current.delete(prev.key);
    if (!this.#loading) this.#keys.remove(prev.key);
    const event: KvEvent = Object.freeze({ type: 'DELETE', revision, kv: tombstone, prevKv: prev });
    this.#record(event);
    return event;
  }

  #record(event: KvEvent): void {
    this.#changes.append(event, this.#clock());
    if (!this.#loading) {
      const key = event.kv.key;
      this.#pendingWrites.set(key, (this.#pendingWrites.get(key) ?? 0) + 1);
    }
  }

  #loadSnapshot(revision: number, kvs: KeyValue[]): void {
    this.#changes = new ChangeLog(revision);
    this.#visible = revision;
    this.#current = new Map(kvs.map((kv) => [kv.key, kv]));
  }

  #replay(record: LogRecord): void {
    if (record.revision !== this.#changes.newestRevision + 1) {
      throw new Error(
        `log replay out of order: revision ${record.revision} after ${this.#changes.newestRevision}`,
      );
    }
    const prev = this.#current.get(record.key);
    if (record.kind === 'PUT') {
      this.#applyPut(record.key, record.value, prev);
    } else if (prev) {
      this.#applyDelete(prev);
    } else {
      throw new Error(`log replay: revision ${record.revision} deletes missing key ${record.key}`);
    }
    this.#visible = record.revision;
  }

  /** Queues an applied write for the next group commit; resolves once it is durable. */
  #commit(record: LogRecord): Promise<void> {
    let batch = this.#batch;
    if (!batch) {
      batch = newBatch(record.revision);
      this.#batch = batch;
      this.#flushing ??= this.#runFlushes();
    }
    if (this.#journal.persistent) batch.records.push(encodeLogRecord(record));
    batch.last = record.revision;
    return batch.promise;
  }

  async #runFlushes(): Promise<void> {
    // Let every write issued in this turn of the event loop (e.g. requests parsed in one poll phase)
    // join the first batch; later ones queue up behind the flush in flight.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#batch && !this.#failed) {
      const batch = this.#batch;
      this.#batch = undefined;
      try {
        await this.#journal.append(batch.records, batch.first, batch.last);
      } catch (err) {
        this.#fail(err, batch);
        break;
      }
      this.#makeVisible(batch.last);
      batch.resolve();
      this.#afterCommit();
    }
    this.#flushing = undefined;
  }

  #makeVisible(revision: number): void {
    const events: KvEvent[] = [];
    for (let rev = this.#visible + 1; rev <= revision; rev++) {
      const event = this.#changes.at(rev);
      events.push(event);
      const key = event.kv.key;
      const n = this.#pendingWrites.get(key)! - 1;
      if (n === 0) this.#pendingWrites.delete(key);
      else this.#pendingWrites.set(key, n);
    }
    this.#visible = revision;
    this.#hub.publish(events);
    if (this.#waiters.length > 0) {
      const ready = this.#waiters.filter((w) => w.revision <= revision);
      this.#waiters = this.#waiters.filter((w) => w.revision > revision);
      for (const waiter of ready) waiter.resolve();
    }
  }

  /**
   * A failed append or fsync may have lost data the kernel had accepted, so nothing after it can be
   * trusted durable: fail every pending and future write and end all watches.
   */
  #fail(cause: unknown, batch: Batch): void {
    const failed = new StoreFailedError(cause);
    this.#failed = failed;
    this.#logger?.warn({ err: cause }, 'storage append failed; store is now read-only until reopened');
    batch.reject(failed);
    this.#batch?.reject(failed);
    this.#batch = undefined;
    this.#hub.closeAll(failed);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(failed);
  }

  #afterCommit(): void {
    this.#autoCompact();
    if (!this.#snapshotting && !this.#closed && this.#journal.snapshotDue(this.#changes.compactedRevision)) {
      const revision = this.#changes.compactedRevision;
      this.#startSnapshot().catch((err: unknown) => {
        // The log still holds everything; a later snapshot will try again.
        this.#logger?.warn({ err, revision }, 'storage snapshot failed');
      });
    }
  }

  /**
   * Captures the compacted state synchronously (KVs are immutable) and writes it in the background.
   * `#snapshotting` tracks it without rejecting, so close() can wait for it.
   */
  #startSnapshot(): Promise<void> {
    const revision = this.#changes.compactedRevision;
    const written = this.#journal.writeSnapshot(revision, this.#stateAt(revision));
    const done = (): void => {
      if (this.#snapshotting === tracked) this.#snapshotting = undefined;
    };
    const tracked: Promise<void> = written.then(done, done);
    this.#snapshotting = tracked;
    return written;
  }

  #autoCompact(): void {
    const policy = this.#retention;
    if (!policy) return;
    const log = this.#changes;
    let target = Math.min(
      this.#visible - policy.minRevisions,
      log.firstRevisionAtOrAfter(this.#clock() - policy.minAgeMs) - 1,
    );
    target = Math.max(target, log.newestRevision - policy.maxEvents);
    target = Math.min(target, this.#visible);
    if (target > log.compactedRevision) log.compact(target);
  }
}
