// Writes the controller made that its cache has not shown yet. Reconciling on a cache that misses the
// MachineSet just created would create a second one (upstream: `DeferNextReconcileUntilCacheUpToDate`), and
// one that misses a scale would scale twice; so the next reconcile of that MachineDeployment waits until the
// cache has caught up, or until the expectation is too old to still be trusted.
import type { KubeObject } from '../../../controller-runtime/api/object.js';

/** What the cache must show about one MachineSet. */
export type Expectation =
  /** Created: the object is listed. */
  | { name: string; kind: 'present' }
  /** Updated: the listed object no longer has the resourceVersion it had before the write. */
  | { name: string; kind: 'changed'; previousResourceVersion: string }
  /** Deleted: the object is gone or has a deletionTimestamp. */
  | { name: string; kind: 'gone' };

interface Pending {
  expectation: Expectation;
  since: number;
}

export class CacheExpectations {
  readonly #pending = new Map<string, Pending[]>();
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: { timeoutMs?: number; now?: () => number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  expect(owner: string, expectation: Expectation): void {
    const list = (this.#pending.get(owner) ?? []).filter((p) => p.expectation.name !== expectation.name);
    list.push({ expectation, since: this.#now() });
    this.#pending.set(owner, list);
  }

  /**
   * Whether `listed` (the cache's view) shows every write expected for `owner`; met and expired expectations
   * are dropped.
   */
  satisfied(owner: string, listed: readonly KubeObject[]): boolean {
    const list = this.#pending.get(owner);
    if (!list) return true;
    const byName = new Map(listed.map((o) => [o.metadata.name ?? '', o]));
    const now = this.#now();
    const open = list.filter((p) => now - p.since < this.#timeoutMs && !met(p.expectation, byName));
    if (open.length === 0) this.#pending.delete(owner);
    else this.#pending.set(owner, open);
    return open.length === 0;
  }

  forget(owner: string): void {
    this.#pending.delete(owner);
  }
}

function met(e: Expectation, byName: Map<string, KubeObject>): boolean {
  const obj = byName.get(e.name);
  switch (e.kind) {
    case 'present':
      return obj !== undefined;
    case 'changed':
      return obj === undefined || obj.metadata.resourceVersion !== e.previousResourceVersion;
    case 'gone':
      return obj === undefined || !!obj.metadata.deletionTimestamp;
  }
}
