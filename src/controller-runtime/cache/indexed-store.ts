import type { KubeObject } from '../api/object.js';

/** Computes the index values of an object (none, one or several). */
export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => string[];

/** The index every store has: objects by namespace (`''` for cluster-scoped). */
export const NAMESPACE_INDEX = 'namespace';
/** Objects by the UID of each owner reference. */
export const OWNER_UID_INDEX = 'metadata.ownerReferences.uid';

export const namespaceIndexFunc: IndexFunc = (obj) => [obj.metadata.namespace ?? ''];
export const ownerUidIndexFunc: IndexFunc = (obj) => (obj.metadata.ownerReferences ?? []).map((o) => o.uid);

/** `namespace/name` of an object, or `name` when cluster-scoped. */
export function storeKeyOf(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/**
 * Objects by key plus secondary indexes kept up to date on every change (client-go's thread-safe store with
 * indexers). Lookups by index are O(matches), not O(objects).
 */
export class IndexedStore<T extends KubeObject = KubeObject> {
  readonly #items = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  /** index name -> index value -> keys */
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndexer(NAMESPACE_INDEX, namespaceIndexFunc);
    this.addIndexer(OWNER_UID_INDEX, ownerUidIndexFunc);
  }

  get size(): number {
    return this.#items.size;
  }

  hasIndexer(name: string): boolean {
    return this.#indexers.has(name);
  }

  /** Adds an index; existing objects are indexed at once. Re-adding a name is an error (it would silently differ). */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.#indexers.has(name)) throw new Error(`index "${name}" already exists`);
    this.#indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.#indices.set(name, index);
    for (const [key, obj] of this.#items) addToIndex(index, fn(obj), key);
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  values(): IterableIterator<T> {
    return this.#items.values();
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  /** Keys of the objects whose `index` contains `value`. */
  keysByIndex(index: string, value: string): Set<string> {
    const idx = this.#indices.get(index);
    if (!idx) throw new Error(`no index named "${index}"`);
    return idx.get(value) ?? new Set();
  }

  byIndex(index: string, value: string): T[] {
    const out: T[] = [];
    for (const key of this.keysByIndex(index, value)) {
      const obj = this.#items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Inserts or replaces; returns the previous object. */
  upsert(obj: T): T | undefined {
    const key = storeKeyOf(obj);
    const old = this.#items.get(key);
    if (old) this.#unindex(key, old);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name);
      if (index) addToIndex(index, fn(obj), key);
    }
    return old;
  }

  /** Removes by key; returns what was there. */
  remove(key: string): T | undefined {
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name);
      if (!index) continue;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(value);
      }
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const value of values) {
    let keys = index.get(value);
    if (!keys) {
      keys = new Set();
      index.set(value, keys);
    }
    keys.add(key);
  }
}
