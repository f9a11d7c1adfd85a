/**
 * The data model of the store, shaped like etcd's mvccpb so an etcd backend can stand in later.
 *
 * Revisions: an empty store is at revision 1 and the first write gets revision 2, as in etcd. Revision 0
 * therefore never names a real state, which keeps Kubernetes' special resourceVersion "0" ("any") apart
 * from every resourceVersion the store hands out.
 */

/** One key's value at some revision. Instances are frozen and shared; never mutate them. */
export interface KeyValue {
  readonly key: string;
  /** Opaque to the store (the registry stores JSON text). Compared byte for byte for no-op detection. */
  readonly value: string;
  /** The revision that created this incarnation of the key (a delete and re-create starts a new one). */
  readonly createRevision: number;
  /** The revision of the last write; the object's resourceVersion. */
  readonly modRevision: number;
  /** Writes since creation: 1 after create, +1 per update. */
  readonly version: number;
}

export type KvEventType = 'PUT' | 'DELETE';

/**
 * One committed change. For DELETE, `kv` is etcd's tombstone: the key, `modRevision` = the deletion
 * revision, empty value, version and createRevision 0; the deleted object is `prevKv`.
 */
export interface KvEvent {
  readonly type: KvEventType;
  readonly revision: number;
  readonly kv: KeyValue;
  /** The key's value just before this change; undefined for a create. */
  readonly prevKv: KeyValue | undefined;
}

export interface RangeOptions {
  /** Snapshot revision to read at; undefined or 0 means the current (durable) revision. */
  revision?: number;
  /** First key to return (inclusive); keys below it or outside the prefix are skipped. */
  startKey?: string;
  /** At most this many kvs; undefined or 0 means no limit. */
  limit?: number;
}

export interface RangeResult {
  /** Sorted by key (UTF-16 code-unit order, which equals etcd's byte order for ASCII keys). */
  kvs: KeyValue[];
  /** True when keys beyond `limit` exist in the range at this revision. */
  more: boolean;
  /** How many keys the range holds at this revision from `startKey` on, ignoring `limit`. */
  count: number;
  /** The snapshot revision the range was read at (a list's resourceVersion). */
  revision: number;
}

export interface DeleteResult {
  /** The revision of the deletion. */
  revision: number;
  /** The deleted value. */
  prevKv: KeyValue;
}

/**
 * Receives a watch's events. `onEvent` may return a promise to apply backpressure: the store then holds
 * further events for this watcher (bounded, see `maxBufferedEvents`) until the promise settles. A thrown
 * error or rejected promise closes the watch with that error.
 */
export interface WatchListener {
  onEvent(event: KvEvent): void | PromiseLike<void>;
  /**
   * Called exactly once when the watch ends: without an error after `cancel()`, with a CompactedError,
   * WatchOverflowError, StoreClosedError, StoreFailedError or the listener's own error otherwise.
   */
  onClose?(err?: Error): void;
  /** Every event up to `revision` has been delivered (answer to `requestProgress`); bookmark material. */
  onProgress?(revision: number): void;
}

export interface WatchOptions {
  /** Events held for a slow listener before the watch is closed with WatchOverflowError. */
  maxBufferedEvents?: number;
  /** Aborting cancels the watch, like `cancel()`. */
  signal?: AbortSignal;
}

export interface WatchHandle {
  /** Stops delivery; `onClose` is called without an error unless the watch had already ended. */
  cancel(): void;
  /** Asks for an `onProgress` call once every event committed so far has been delivered. */
  requestProgress(): void;
  readonly closed: boolean;
}
