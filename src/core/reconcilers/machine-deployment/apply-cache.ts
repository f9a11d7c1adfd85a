// Which server-side applies are known to change nothing (upstream `ssa.Cache` / `WithCachingProxy`): an
// intent already applied to an object at a given resourceVersion would be a no-op again, so the request is
// skipped. The MachineDeployment is reconciled on every Machine change; without this every reconcile would
// send one apply per MachineSet.
import { createHash } from 'node:crypto';
import { canonicalJson } from './machine-template.js';

export class ApplyCache {
  readonly #entries = new Set<string>();
  readonly #maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries;
  }

  /** The identity of applying `intent` to the object with this uid at this resourceVersion. */
  static key(uid: string | undefined, resourceVersion: string | undefined, intent: unknown): string {
    const digest = createHash('sha256').update(canonicalJson(intent)).digest('base64url');
    return `${uid ?? ''}/${resourceVersion ?? ''}/${digest}`;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  add(key: string): void {
    // Entries for old resourceVersions are never hit again; dropping them all now and then bounds the memory.
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.add(key);
  }
}
