/**
 * The embedded API server's storage: a revisioned key-value store with etcd semantics. Everything the
 * registry needs is exported here; the rest of the folder is implementation.
 */
export { RevisionedStore } from './revisioned-store.js';
export type { DurableStoreOptions, RetentionOptions, StoreOptions, StoreStats } from './revisioned-store.js';
export type { RecoveryReport } from './file-journal.js';
export type { StoreLogger } from './journal.js';
export type {
  DeleteResult,
  KeyValue,
  KvEvent,
  KvEventType,
  RangeOptions,
  RangeResult,
  WatchHandle,
  WatchListener,
  WatchOptions,
} from './key-value.js';
export {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  StoreClosedError,
  StoreFailedError,
  StoreLockedError,
  WatchOverflowError,
  isCompacted,
  isFutureRevision,
  isKeyExists,
  isKeyNotFound,
  isRevisionMismatch,
  isStoreClosed,
  isStoreFailed,
  isStoreLocked,
  isWatchOverflow,
} from './storage-errors.js';
