import type { KubeObject, TypeRef } from '../api/object.js';

/** How long a reconcile waits for the cache before acting on what it has (upstream requeues every 100 ms). */
export const STALE_CACHE_REQUEUE_MS = 100;

/** What the consistency check reads from the informer cache. */
export interface CacheView {
  /** The resourceVersion the informer of a kind has caught up to. */
  lastSyncedVersion(type: TypeRef): string | undefined;
  /** An object as the cache has it. */
  cached(type: TypeRef, namespace: string | undefined, name: string): KubeObject | undefined;
}

interface Written {
  type: TypeRef;
  resourceVersion: string;
}

interface OwnerRecord {
  uid: string;
  versions: Map<string, Written>;
  deleted: Map<string, { type: TypeRef; namespace: string | undefined; name: string }>;
}

/** resourceVersions compare as integers (the API server hands out increasing numbers); otherwise unknown. */
function compare(a: string, b: string): number | undefined {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x === y ? 0 : x < y ? -1 : 1;
}

/**
 * Upstream's `DeferNextReconcileUntilCacheUpToDate`: a reconcile that wrote objects (created Machines and
 * their clones, deleted Machines) records the resourceVersions it got back; the next reconcile of the same
 * owner waits until the informers of those kinds have seen them, so it never counts Machines from a cache that
 * does not show its own writes yet (and creates too many, or deletes clones it just made).
 */
export class CacheConsistency {
  readonly #cache: CacheView;
  readonly #written = new Map<string, OwnerRecord>();

  constructor(cache: CacheView) {
    this.#cache = cache;
  }

  #record(owner: string, ownerUID: string): OwnerRecord {
    let record = this.#written.get(owner);
    if (!record || record.uid !== ownerUID) {
      record = { uid: ownerUID, versions: new Map(), deleted: new Map() };
      this.#written.set(owner, record);
    }
    return record;
  }

  /** Records that `owner` (namespace/name, uid) wrote an object of `type` at `resourceVersion`. */
  wroteAt(owner: string, ownerUID: string, type: TypeRef, resourceVersion: string | undefined): void {
    if (!resourceVersion) return;
    const record = this.#record(owner, ownerUID);
    const id = `${type.apiVersion}/${type.kind}`;
    const current = record.versions.get(id);
    if (current && (compare(current.resourceVersion, resourceVersion) ?? -1) >= 0) return;
    record.versions.set(id, { type, resourceVersion });
  }

  /**
   * Records that `owner` deleted an object: the delete call does not hand back the resourceVersion of the
   * deletion, so the cache is trusted again once it shows the object deleting or gone.
   */
  deleted(owner: string, ownerUID: string, type: TypeRef, namespace: string | undefined, name: string): void {
    this.#record(owner, ownerUID).deleted.set(`${type.apiVersion}/${type.kind}/${namespace ?? ''}/${name}`, {
      type,
      namespace,
      name,
    });
  }

  /** The kinds whose informer has not seen what `owner` wrote yet (empty: the cache may be trusted). */
  stale(owner: string): string[] {
    const record = this.#written.get(owner);
    if (!record) return [];
    const stale: string[] = [];
    for (const [id, w] of record.versions) {
      const read = this.#cache.lastSyncedVersion(w.type) ?? '';
      if (!read) {
        stale.push(w.type.kind);
        continue;
      }
      const c = compare(w.resourceVersion, read);
      if (c === undefined || c <= 0) record.versions.delete(id);
      else stale.push(w.type.kind);
    }
    for (const [id, d] of record.deleted) {
      const obj = this.#cache.cached(d.type, d.namespace, d.name);
      if (!obj || obj.metadata.deletionTimestamp) record.deleted.delete(id);
      else stale.push(d.type.kind);
    }
    if (record.versions.size === 0 && record.deleted.size === 0) this.#written.delete(owner);
    return stale;
  }

  /** Forgets `owner` (it is gone). */
  clear(owner: string): void {
    this.#written.delete(owner);
  }
}
