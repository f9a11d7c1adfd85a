import type { KeyValue } from './key-value.js';

/**
 * Where committed writes go to become durable. The store owns ordering and group commit; a journal only
 * persists what it is handed, in order, and says when it is safe.
 */
export interface Journal {
  /** False when records are never read back, so the store can skip encoding them. */
  readonly persistent: boolean;
  /** Persists encoded log records for revisions firstRevision..lastRevision; resolves once durable. */
  append(records: readonly Buffer[], firstRevision: number, lastRevision: number): Promise<void>;
  /** Whether a snapshot at `compactedRevision` would now reclaim enough log to be worth writing. */
  snapshotDue(compactedRevision: number): boolean;
  /** Persists the full state at `revision` (sorted by key) and drops log no longer needed. */
  writeSnapshot(revision: number, kvs: readonly KeyValue[]): Promise<void>;
  close(): Promise<void>;
}

/** Structural subset of a pino logger, so this folder does not depend on pino. */
export interface StoreLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

/** The journal of the in-memory store: everything is "durable" at once and nothing survives the process. */
export class MemoryJournal implements Journal {
  readonly persistent = false;

  append(): Promise<void> {
    return Promise.resolve();
  }

  snapshotDue(): boolean {
    return false;
  }

  writeSnapshot(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
