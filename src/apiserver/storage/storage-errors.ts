import type { KeyValue } from './key-value.js';

/** Failed `create`: the key exists (the registry answers 409 AlreadyExists). */
export class KeyExistsError extends Error {
  constructor(
    readonly key: string,
    readonly current: KeyValue,
  ) {
    super(`key ${key} already exists (modRevision ${current.modRevision})`);
    this.name = 'KeyExistsError';
  }
}

/** `update`/`delete` of a key that does not exist (404, or 409 for an update with a stale precondition). */
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key ${key} not found`);
    this.name = 'KeyNotFoundError';
  }
}

/**
 * Failed compare-and-swap. `current` is the value the compare ran against; the error is raised only once
 * that value is durable, so `get` after the error returns it (or something newer).
 */
export class RevisionMismatchError extends Error {
  constructor(
    readonly key: string,
    readonly expectedModRevision: number,
    readonly current: KeyValue,
  ) {
    super(`key ${key} has modRevision ${current.modRevision}, expected ${expectedModRevision}`);
    this.name = 'RevisionMismatchError';
  }
}

/** The requested revision's history was compacted away (the apiserver answers 410 Gone / "too old"). */
export class CompactedError extends Error {
  constructor(
    readonly requestedRevision: number,
    readonly compactedRevision: number,
  ) {
    super(`revision ${requestedRevision} has been compacted (compacted revision ${compactedRevision})`);
    this.name = 'CompactedError';
  }
}

/** The requested revision is newer than the newest durable revision ("too large resource version"). */
export class FutureRevisionError extends Error {
  constructor(
    readonly requestedRevision: number,
    readonly currentRevision: number,
  ) {
    super(`revision ${requestedRevision} is newer than the current revision ${currentRevision}`);
    this.name = 'FutureRevisionError';
  }
}

/** A watcher fell too far behind; the client must re-watch (or relist). */
export class WatchOverflowError extends Error {
  constructor(
    readonly bufferedEvents: number,
    readonly lastDeliveredRevision: number,
  ) {
    super(`watcher buffered ${bufferedEvents} undelivered events; closed to protect the store`);
    this.name = 'WatchOverflowError';
  }
}

/** The store was closed; no further reads of new data, writes or watches. */
export class StoreClosedError extends Error {
  constructor() {
    super('store is closed');
    this.name = 'StoreClosedError';
  }
}

/**
 * A write or fsync of the log failed. After a failed fsync the kernel may have dropped dirty pages, so the
 * only safe course is to stop: every pending and later write fails with this error; reopen to recover.
 */
export class StoreFailedError extends Error {
  constructor(cause: unknown) {
    super(`store failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreFailedError';
  }
}

/** Another live process (or this one) holds the data directory. */
export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(`data directory ${dir} is locked by process ${ownerPid}`);
    this.name = 'StoreLockedError';
  }
}

export const isKeyExists = (err: unknown): err is KeyExistsError => err instanceof KeyExistsError;
export const isKeyNotFound = (err: unknown): err is KeyNotFoundError => err instanceof KeyNotFoundError;
export const isRevisionMismatch = (err: unknown): err is RevisionMismatchError =>
  err instanceof RevisionMismatchError;
export const isCompacted = (err: unknown): err is CompactedError => err instanceof CompactedError;
export const isFutureRevision = (err: unknown): err is FutureRevisionError =>
  err instanceof FutureRevisionError;
export const isWatchOverflow = (err: unknown): err is WatchOverflowError => err instanceof WatchOverflowError;
export const isStoreClosed = (err: unknown): err is StoreClosedError => err instanceof StoreClosedError;
export const isStoreFailed = (err: unknown): err is StoreFailedError => err instanceof StoreFailedError;
export const isStoreLocked = (err: unknown): err is StoreLockedError => err instanceof StoreLockedError;
