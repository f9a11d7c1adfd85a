import {
  isCompacted,
  isFutureRevision,
  isKeyExists,
  isKeyNotFound,
  isRevisionMismatch,
  type KeyValue,
  type RevisionedStore,
} from '../storage/index.js';
import {
  type ObjectStore,
  type RangeResult,
  type StoredKV,
  type StoreEvent,
  type StoreWatch,
  StoreCompactedError,
  StoreConflictError,
  StoreFutureRevisionError,
} from '../registry/object-store.js';

const kvOf = (kv: KeyValue): StoredKV => kv;

/** Presents the revisioned store through the registry's storage port, translating its typed errors. */
export class StoreAdapter implements ObjectStore {
  readonly #store: RevisionedStore;

  constructor(store: RevisionedStore) {
    this.#store = store;
  }

  get inner(): RevisionedStore {
    return this.#store;
  }

  get currentRevision(): number {
    return this.#store.currentRevision;
  }

  get compactedRevision(): number {
    return this.#store.compactedRevision;
  }

  get(key: string): StoredKV | undefined {
    return this.#store.get(key);
  }

  range(prefix: string, options: { revision?: number; startKey?: string; limit?: number } = {}): RangeResult {
    try {
      const r = this.#store.range(prefix, options);
      return { kvs: r.kvs.map(kvOf), more: r.more, revision: r.revision };
    } catch (err) {
      throw translate(err, prefix);
    }
  }

  async create(key: string, value: string): Promise<StoredKV> {
    try {
      return await this.#store.create(key, value);
    } catch (err) {
      throw translate(err, key);
    }
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<StoredKV> {
    try {
      return await this.#store.update(key, value, expectedModRevision);
    } catch (err) {
      throw translate(err, key);
    }
  }

  async delete(key: string, expectedModRevision: number): Promise<number> {
    try {
      return (await this.#store.delete(key, expectedModRevision)).revision;
    } catch (err) {
      throw translate(err, key);
    }
  }

  watch(
    prefix: string,
    fromRevision: number,
    onEvent: (event: StoreEvent) => void,
    onClose: (err?: Error) => void,
  ): StoreWatch {
    try {
      const handle = this.#store.watch(prefix, fromRevision, {
        onEvent: (e) => onEvent({ type: e.type, revision: e.revision, kv: e.kv, prevKv: e.prevKv }),
        onClose: (err) => onClose(err ? (translate(err, prefix) as Error) : undefined),
      });
      return { cancel: () => handle.cancel() };
    } catch (err) {
      throw translate(err, prefix);
    }
  }

  async close(): Promise<void> {
    await this.#store.close();
  }
}

function translate(err: unknown, key: string): unknown {
  if (isKeyExists(err)) return new StoreConflictError(key, 'exists');
  if (isRevisionMismatch(err)) return new StoreConflictError(key, 'modified');
  if (isKeyNotFound(err)) return new StoreConflictError(key, 'missing');
  if (isCompacted(err)) {
    const e = err;
    return new StoreCompactedError(e.requestedRevision, e.compactedRevision);
  }
  if (isFutureRevision(err)) {
    const e = err;
    return new StoreFutureRevisionError(e.requestedRevision, e.currentRevision);
  }
  return err;
}
