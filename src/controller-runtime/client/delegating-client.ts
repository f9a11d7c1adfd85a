import type { KubeObject, ObjectKey, TypeRef } from '../api/object.js';
import type {
  ApplyOptions,
  Client,
  DeleteOptions,
  ListOptions,
  ObjectList,
  Patch,
  PatchOptions,
  Reader,
  SubresourceCreateOptions,
  SubresourceWriter,
  WriteOptions,
} from './client.js';

/**
 * A manager's client: reads from the informer cache (fast, eventually consistent), writes straight to the
 * API server. Kinds listed in `uncached` are read from the server (e.g. objects too many to cache).
 */
export class DelegatingClient implements Client, SubresourceWriter {
  readonly #cache: Reader;
  readonly #api: Client & SubresourceWriter;
  readonly #uncached: Set<string>;

  constructor(options: { cache: Reader; api: Client & SubresourceWriter; uncached?: TypeRef[] }) {
    this.#cache = options.cache;
    this.#api = options.api;
    this.#uncached = new Set((options.uncached ?? []).map((t) => `${t.kind}.${t.apiVersion}`));
  }

  #reader(type: TypeRef): Reader {
    return this.#uncached.has(`${type.kind}.${type.apiVersion}`) ? this.#api : this.#cache;
  }

  get<T extends KubeObject = KubeObject>(
    type: TypeRef,
    key: ObjectKey,
    options?: { signal?: AbortSignal },
  ): Promise<T> {
    return this.#reader(type).get<T>(type, key, options);
  }
  list<T extends KubeObject = KubeObject>(type: TypeRef, options?: ListOptions): Promise<ObjectList<T>> {
    return this.#reader(type).list<T>(type, options);
  }
  create<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    return this.#api.create(obj, options);
  }
  update<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    return this.#api.update(obj, options);
  }
  updateStatus<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    return this.#api.updateStatus(obj, options);
  }
  patch<T extends KubeObject>(obj: T, patch: Patch, options?: PatchOptions): Promise<T> {
    return this.#api.patch(obj, patch, options);
  }
  patchStatus<T extends KubeObject>(obj: T, patch: Patch, options?: PatchOptions): Promise<T> {
    return this.#api.patchStatus(obj, patch, options);
  }
  apply<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T> {
    return this.#api.apply(obj, options);
  }
  applyStatus<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T> {
    return this.#api.applyStatus(obj, options);
  }
  createSubresource<R = unknown>(
    obj: KubeObject,
    subresource: string,
    body: KubeObject,
    options?: SubresourceCreateOptions,
  ): Promise<R> {
    return this.#api.createSubresource<R>(obj, subresource, body, options);
  }
  delete(obj: KubeObject, options?: DeleteOptions): Promise<void> {
    return this.#api.delete(obj, options);
  }
  deleteAllOf(type: TypeRef, options: ListOptions & DeleteOptions): Promise<void> {
    return this.#api.deleteAllOf(type, options);
  }
}
