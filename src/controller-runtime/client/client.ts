import type { KubeObject, ObjectKey, TypeRef } from '../api/object.js';

/** A label selector as the API takes it (`app=web,tier!=db`) or as plain equality labels. */
export type LabelSelectorInput = string | Record<string, string>;

export interface ListOptions {
  namespace?: string;
  labelSelector?: LabelSelectorInput;
  fieldSelector?: string;
  /** Page size; with `continue` pages through big lists. `list` without `limit` returns everything. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  signal?: AbortSignal;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** `Strict` makes the server reject unknown or duplicate fields instead of dropping them. */
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  signal?: AbortSignal;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

/** The patch flavours the API server accepts, tagged so the client sends the right Content-Type. */
export type Patch =
  | { type: 'merge'; data: Record<string, unknown> }
  | { type: 'json'; data: JsonPatchOperation[] }
  | { type: 'strategic'; data: Record<string, unknown> };

export interface PatchOptions extends WriteOptions {
  /** Only for server-side apply: take ownership of fields other managers hold. */
  force?: boolean;
}

export interface SubresourceCreateOptions extends WriteOptions {
  /**
   * `false`: a 429/5xx answer with Retry-After is thrown at once instead of being retried after the wait, for
   * subresources whose refusals are answers the caller reports (the eviction subresource's budget refusal).
   */
  retryAfter?: boolean;
}

export interface ApplyOptions extends WriteOptions {
  fieldManager: string;
  force?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: LabelSelectorInput;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** Asks the server to end the watch after this long (it does, with jitter); the caller then resumes. */
  timeoutSeconds?: number;
  /** Aborting ends the watch stream without an error. */
  signal?: AbortSignal;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** For ERROR events, the `Status` object the server sent (typed as the object for convenience). */
  object: T;
}

/** Reads: answered by the API server, or by the informer cache in a manager's client. */
export interface Reader {
  get<T extends KubeObject = KubeObject>(
    type: TypeRef,
    key: ObjectKey,
    options?: { signal?: AbortSignal },
  ): Promise<T>;
  list<T extends KubeObject = KubeObject>(type: TypeRef, options?: ListOptions): Promise<ObjectList<T>>;
}

export interface Writer {
  create<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T>;
  /** Replaces the object; guarded by `metadata.resourceVersion` when it is set (ConflictError otherwise). */
  update<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T>;
  /** Replaces only `status`, through the status subresource. */
  updateStatus<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T>;
  /** `obj` names the target (apiVersion, kind, namespace, name); its content is not sent. */
  patch<T extends KubeObject>(obj: T, patch: Patch, options?: PatchOptions): Promise<T>;
  patchStatus<T extends KubeObject>(obj: T, patch: Patch, options?: PatchOptions): Promise<T>;
  /** Server-side apply of `obj` (a partial object holding the fields this manager owns). */
  apply<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T>;
  applyStatus<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T>;
  /** Deletes; resolves once the server accepted it (finalizers may keep the object a while longer). */
  delete(obj: KubeObject, options?: DeleteOptions): Promise<void>;
  deleteAllOf(type: TypeRef, options: ListOptions & DeleteOptions): Promise<void>;
}

export interface Watcher {
  /** A watch stream; iteration ends when the server closes it or `signal` aborts. */
  watch<T extends KubeObject = KubeObject>(
    type: TypeRef,
    options?: WatchOptions,
  ): AsyncIterable<WatchEvent<T>>;
}

/**
 * Creates through a subresource (controller-runtime's `SubResource(name).Create`). Apart from `Client` so that
 * clients written before it still satisfy `Client`; code that evicts asks for `Client & SubresourceWriter`.
 */
export interface SubresourceWriter {
  /**
   * POSTs `body` to a subresource of the existing object `obj` names (apiVersion, kind, namespace, name), e.g.
   * a policy/v1 Eviction to `pods/<name>/eviction`; resolves to the server's answer (an object or a Status).
   */
  createSubresource<R = unknown>(
    obj: KubeObject,
    subresource: string,
    body: KubeObject,
    options?: SubresourceCreateOptions,
  ): Promise<R>;
}

/** Everything a reconciler does against the API. */
export interface Client extends Reader, Writer {
  /**
   * Forgets what API discovery said (which kinds exist), for callers that just installed or changed CRDs: a
   * kind looked up moments before it existed is otherwise remembered as missing for a short while.
   */
  resetDiscovery?(): void;
}
