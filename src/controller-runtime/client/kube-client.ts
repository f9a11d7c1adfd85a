import { createInterface } from 'node:readline';
import type { ObjectKey, TypeRef } from '../api/object.js';
import { type KubeObject, typeRefOf, objectKeyOf } from '../api/object.js';
import { type ControllerRuntimeMetrics, metricsFor } from '../metrics/metrics.js';
import type {
  ApplyOptions,
  Client,
  DeleteOptions,
  ListOptions,
  ObjectList,
  Patch,
  PatchOptions,
  SubresourceCreateOptions,
  SubresourceWriter,
  WatchEvent,
  WatchOptions,
  Watcher,
  WriteOptions,
} from './client.js';
import { formatLabelSelector } from './label-selector.js';
import { loadRestConfig, type LoadRestConfigOptions, type RestConfig } from './rest-config.js';
import { type RestMapping, RestMapper } from './rest-mapper.js';
import { Transport } from './transport.js';

const PATCH_CONTENT_TYPES: Record<Patch['type'] | 'apply', string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface KubeClientOptions {
  metrics?: ControllerRuntimeMetrics;
  /** Sent as `fieldManager` on writes that do not name one; shows up in `managedFields`. */
  fieldManager?: string;
}

/**
 * The API client: any kind, core or custom, addressed by `{ apiVersion, kind }` and mapped to URLs through
 * discovery. Talks plain JSON over HTTP/1.1 keep-alive; errors are the typed `ApiError` subclasses.
 */
export class KubeClient implements Client, SubresourceWriter, Watcher {
  readonly config: RestConfig;
  readonly transport: Transport;
  readonly mapper: RestMapper;
  readonly #fieldManager?: string;

  constructor(config: RestConfig, options: KubeClientOptions = {}) {
    this.config = config;
    this.transport = new Transport(config, options.metrics ?? metricsFor());
    this.mapper = new RestMapper(this.transport);
    this.#fieldManager = options.fieldManager;
  }

  /** A client for the config `loadRestConfig` finds (explicit path, `$KUBECONFIG`, in-cluster, `~/.kube/config`). */
  static fromKubeconfig(options: LoadRestConfigOptions & KubeClientOptions = {}): KubeClient {
    return new KubeClient(loadRestConfig(options), options);
  }

  close(): void {
    this.transport.close();
  }

  /** `namespaced`, resource name and subresources of a kind. */
  resetDiscovery(): void {
    this.mapper.reset();
  }

  mappingFor(type: TypeRef): Promise<RestMapping> {
    return this.mapper.mappingFor(type);
  }

  async get<T extends KubeObject = KubeObject>(
    type: TypeRef,
    key: ObjectKey,
    options: { signal?: AbortSignal } = {},
  ): Promise<T> {
    const path = await this.#objectPath(type, key);
    return (await this.transport.requestJson({ method: 'GET', path, verb: 'get', signal: options.signal }))
      .body as T;
  }

  async list<T extends KubeObject = KubeObject>(
    type: TypeRef,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const path = await this.#collectionPath(type, options.namespace);
    const query = listQuery(options);
    const res = await this.transport.requestJson({
      method: 'GET',
      path: path + query,
      verb: 'list',
      signal: options.signal,
    });
    const list = res.body as ObjectList<T>;
    list.items ??= [];
    list.metadata ??= {};
    // Items of a list carry no apiVersion/kind on the wire; give them their type so they can be sent back.
    for (const item of list.items) {
      item.apiVersion ??= type.apiVersion;
      item.kind ??= type.kind;
    }
    return list;
  }

  async create<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const type = typeRefOf(obj);
    const path = await this.#collectionPath(type, obj.metadata?.namespace, true);
    return await this.#write<T>('POST', 'create', path, obj, options);
  }

  async update<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const path = await this.#objectPath(typeRefOf(obj), objectKeyOf(obj));
    return await this.#write<T>('PUT', 'update', path, obj, options);
  }

  async updateStatus<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const path = await this.#objectPath(typeRefOf(obj), objectKeyOf(obj), 'status');
    return await this.#write<T>('PUT', 'update', path, obj, options);
  }

  async patch<T extends KubeObject>(obj: T, patch: Patch, options: PatchOptions = {}): Promise<T> {
    const path = await this.#objectPath(typeRefOf(obj), objectKeyOf(obj));
    return await this.#write<T>('PATCH', 'patch', path, patch.data, options, PATCH_CONTENT_TYPES[patch.type]);
  }

  async patchStatus<T extends KubeObject>(obj: T, patch: Patch, options: PatchOptions = {}): Promise<T> {
    const path = await this.#objectPath(typeRefOf(obj), objectKeyOf(obj), 'status');
    return await this.#write<T>('PATCH', 'patch', path, patch.data, options, PATCH_CONTENT_TYPES[patch.type]);
  }

  async apply<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T> {
    const path = await this.#objectPath(typeRefOf(obj), objectKeyOf(obj));
    return await this.#write<T>(
      'PATCH',
      'apply',
      path,
      stripForApply(obj),
      options,
      PATCH_CONTENT_TYPES.apply,
    );
  }

  async applyStatus<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T> {
    const path = await this.#objectPath(typeRefOf(obj), objectKeyOf(obj), 'status');
    return await this.#write<T>(
      'PATCH',
      'apply',
      path,
      stripForApply(obj),
      options,
      PATCH_CONTENT_TYPES.apply,
    );
  }

  async createSubresource<R = unknown>(
    obj: KubeObject,
    subresource: string,
    body: KubeObject,
    options: SubresourceCreateOptions = {},
  ): Promise<R> {
    const path = await this.#objectPath(typeRefOf(obj), objectKeyOf(obj), subresource);
    return await this.#write<R>('POST', 'create', path, body, options, undefined, options.retryAfter);
  }

  async delete(obj: KubeObject, options: DeleteOptions = {}): Promise<void> {
    const path = await this.#objectPath(typeRefOf(obj), objectKeyOf(obj));
    await this.transport.requestJson({
      method: 'DELETE',
      path: path + (options.dryRun ? '?dryRun=All' : ''),
      body: deleteOptionsBody(options),
      verb: 'delete',
      signal: options.signal,
    });
  }

  async deleteAllOf(type: TypeRef, options: ListOptions & DeleteOptions): Promise<void> {
    const path = await this.#collectionPath(type, options.namespace);
    const query = listQuery({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector });
    const dry = options.dryRun ? `${query ? '&' : '?'}dryRun=All` : '';
    await this.transport.requestJson({
      method: 'DELETE',
      path: path + query + dry,
      body: deleteOptionsBody(options),
      verb: 'deletecollection',
      signal: options.signal,
    });
  }

  async *watch<T extends KubeObject = KubeObject>(
    type: TypeRef,
    options: WatchOptions = {},
  ): AsyncGenerator<WatchEvent<T>> {
    const path = await this.#collectionPath(type, options.namespace);
    const params = new URLSearchParams({ watch: '1' });
    if (options.resourceVersion) params.set('resourceVersion', options.resourceVersion);
    if (options.allowWatchBookmarks) params.set('allowWatchBookmarks', 'true');
    if (options.timeoutSeconds !== undefined) params.set('timeoutSeconds', String(options.timeoutSeconds));
    const selector = formatLabelSelector(options.labelSelector);
    if (selector) params.set('labelSelector', selector);
    if (options.fieldSelector) params.set('fieldSelector', options.fieldSelector);
    const signal = options.signal;
    let res;
    try {
      res = await this.transport.openStream({
        method: 'GET',
        path: `${path}?${params.toString()}`,
        verb: 'watch',
        signal,
      });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    // readline only ends on 'end'; a destroyed socket must close it too or the iteration would hang.
    const onAbort = (): void => {
      lines.close();
      res.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    res.once('close', () => lines.close());
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type !== 'ERROR' && event.type !== 'BOOKMARK') {
          event.object.apiVersion ??= type.apiVersion;
          event.object.kind ??= type.kind;
        }
        yield event;
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      lines.close();
      res.destroy();
    }
  }

  async #write<T>(
    method: 'POST' | 'PUT' | 'PATCH',
    verb: string,
    path: string,
    body: unknown,
    options: PatchOptions,
    contentType?: string,
    retryAfter?: boolean,
  ): Promise<T> {
    const params = new URLSearchParams();
    const fieldManager = options.fieldManager ?? this.#fieldManager;
    if (fieldManager) params.set('fieldManager', fieldManager);
    if (options.dryRun) params.set('dryRun', 'All');
    if (options.force) params.set('force', 'true');
    if (options.fieldValidation) params.set('fieldValidation', options.fieldValidation);
    const query = params.size ? `?${params.toString()}` : '';
    const res = await this.transport.requestJson({
      method,
      path: path + query,
      body,
      contentType,
      verb,
      signal: options.signal,
      retryAfter,
    });
    return res.body as T;
  }

  async #collectionPath(
    type: TypeRef,
    namespace: string | undefined,
    requireNamespace = false,
  ): Promise<string> {
    const mapping = await this.mapper.mappingFor(type);
    const prefix = mapping.group ? `/apis/${mapping.group}/${mapping.version}` : `/api/${mapping.version}`;
    if (!mapping.namespaced || !namespace) {
      if (mapping.namespaced && requireNamespace) {
        throw new TypeError(`${type.kind} is namespaced: set metadata.namespace`);
      }
      return `${prefix}/${mapping.resource}`;
    }
    return `${prefix}/namespaces/${encodeURIComponent(namespace)}/${mapping.resource}`;
  }

  async #objectPath(type: TypeRef, key: ObjectKey, subresource?: string): Promise<string> {
    const mapping = await this.mapper.mappingFor(type);
    if (mapping.namespaced && !key.namespace) {
      throw new TypeError(`${type.kind} "${key.name}" is namespaced: a namespace is required`);
    }
    const collection = await this.#collectionPath(type, mapping.namespaced ? key.namespace : undefined);
    return `${collection}/${encodeURIComponent(key.name)}${subresource ? `/${subresource}` : ''}`;
  }
}

function listQuery(options: ListOptions): string {
  const params = new URLSearchParams();
  const selector = formatLabelSelector(options.labelSelector);
  if (selector) params.set('labelSelector', selector);
  if (options.fieldSelector) params.set('fieldSelector', options.fieldSelector);
  if (options.limit !== undefined) params.set('limit', String(options.limit));
  if (options.continue) params.set('continue', options.continue);
  if (options.resourceVersion !== undefined) params.set('resourceVersion', options.resourceVersion);
  if (options.resourceVersionMatch) params.set('resourceVersionMatch', options.resourceVersionMatch);
  return params.size ? `?${params.toString()}` : '';
}

function deleteOptionsBody(options: DeleteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
  if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
  if (options.preconditions) body.preconditions = options.preconditions;
  if (options.dryRun) body.dryRun = ['All'];
  return body;
}

/** Server-side apply rejects `managedFields` and a stale `resourceVersion` is rarely meant: drop both. */
function stripForApply<T extends KubeObject>(obj: T): T {
  const { managedFields: _managed, resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
