/**
 * What the registry needs from storage: etcd's key-value model with revisions. The durable store in
 * storage/ is adapted to this shape in one place (storage-adapter.ts), so an etcd backend can replace it.
 */
export interface StoredKV {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface RangeResult {
  kvs: StoredKV[];
  more: boolean;
  /** The snapshot revision the range was read at. */
  revision: number;
}

export interface StoreEvent {
  type: 'PUT' | 'DELETE';
  /** The revision of this change (the deletion revision for DELETE). */
  revision: number;
  kv: StoredKV;
  prevKv: StoredKV | undefined;
}

export interface StoreWatch {
  cancel(): void;
}

export interface ObjectStore {
  readonly currentRevision: number;
  readonly compactedRevision: number;
  get(key: string): StoredKV | undefined;
  /** Keys under `prefix`, sorted, starting at `startKey` (inclusive), at most `limit`, at `revision`. */
  range(prefix: string, options?: { revision?: number; startKey?: string; limit?: number }): RangeResult;
  /** Fails with a conflict when the key exists. Resolves once durable. */
  create(key: string, value: string): Promise<StoredKV>;
  /** Fails with a conflict when the key's modRevision is not `expectedModRevision`. */
  update(key: string, value: string, expectedModRevision: number): Promise<StoredKV>;
  /** Returns the revision of the deletion. */
  delete(key: string, expectedModRevision: number): Promise<number>;
  /**
   * Every change under `prefix` after `fromRevision`, in order, then live. `onClose` is called with an error
   * when the store drops the watcher (compacted start, overflow).
   */
  watch(
    prefix: string,
    fromRevision: number,
    onEvent: (event: StoreEvent) => void,
    onClose: (err?: Error) => void,
  ): StoreWatch;
  close(): Promise<void>;
}

/** Why a store operation failed, as the registry needs to tell it apart. */
export class StoreConflictError extends Error {
  constructor(
    readonly key: string,
    readonly reason: 'exists' | 'modified' | 'missing',
  ) {
    super(`storage conflict on ${key}: ${reason}`);
    this.name = 'StoreConflictError';
  }
}

export class StoreCompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`revision ${requested} has been compacted (compacted revision ${compacted})`);
    this.name = 'StoreCompactedError';
  }
}

export class StoreFutureRevisionError extends Error {
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`revision ${requested} is newer than the current revision ${current}`);
    this.name = 'StoreFutureRevisionError';
  }
}
