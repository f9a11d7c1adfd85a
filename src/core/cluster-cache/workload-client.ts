import type { KubeObject, ObjectKey, TypeRef } from '../../controller-runtime/api/object.js';
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
} from '../../controller-runtime/client/client.js';
import type { ClusterConnection } from './cluster-connection.js';
import { ClusterNotConnectedError } from './errors.js';

/**
 * The client `ClusterCache.getClient` hands out: reads of kinds an informer of this connection caches (and has
 * listed) come from memory as deep copies, every other read and every write goes to the workload API server.
 * Upstream caches every kind it is asked for, creating informers lazily; here only watched or indexed kinds
 * are cached, so a one-off read (a Pod during drain) neither starts an informer nor waits on one.
 * Once its connection is closed every call fails with ClusterNotConnectedError.
 */
export class WorkloadClient implements Client, SubresourceWriter {
  readonly #connection: ClusterConnection;

  constructor(connection: ClusterConnection) {
    this.#connection = connection;
  }

  #api(action: string): Client & SubresourceWriter {
    if (this.#connection.closed) throw new ClusterNotConnectedError(this.#connection.cluster, action);
    return this.#connection.api;
  }

  #reader(type: TypeRef): Reader {
    return this.#connection.cachedReader(type) ?? this.#api(`error reading ${type.kind}`);
  }

  async get<T extends KubeObject = KubeObject>(
    type: TypeRef,
    key: ObjectKey,
    options?: { signal?: AbortSignal },
  ): Promise<T> {
    return await this.#reader(type).get<T>(type, key, options);
  }
  async list<T extends KubeObject = KubeObject>(
    type: TypeRef,
    options?: ListOptions,
  ): Promise<ObjectList<T>> {
    return await this.#reader(type).list<T>(type, options);
  }
  async create<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    return await this.#api('error creating').create(obj, options);
  }
  async update<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    return await this.#api('error updating').update(obj, options);
  }
  async updateStatus<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    return await this.#api('error updating status').updateStatus(obj, options);
  }
  async patch<T extends KubeObject>(obj: T, patch: Patch, options?: PatchOptions): Promise<T> {
    return await this.#api('error patching').patch(obj, patch, options);
  }
  async patchStatus<T extends KubeObject>(obj: T, patch: Patch, options?: PatchOptions): Promise<T> {
    return await this.#api('error patching status').patchStatus(obj, patch, options);
  }
  async apply<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T> {
    return await this.#api('error applying').apply(obj, options);
  }
  async applyStatus<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T> {
    return await this.#api('error applying status').applyStatus(obj, options);
  }
  /** POSTs to a subresource, e.g. a policy/v1 Eviction to `pods/<name>/eviction` while draining. */
  async createSubresource<R = unknown>(
    obj: KubeObject,
    subresource: string,
    body: KubeObject,
    options?: SubresourceCreateOptions,
  ): Promise<R> {
    return await this.#api(`error creating ${subresource}`).createSubresource<R>(
      obj,
      subresource,
      body,
      options,
    );
  }
  async delete(obj: KubeObject, options?: DeleteOptions): Promise<void> {
    await this.#api('error deleting').delete(obj, options);
  }
  async deleteAllOf(type: TypeRef, options: ListOptions & DeleteOptions): Promise<void> {
    await this.#api(`error deleting ${type.kind}`).deleteAllOf(type, options);
  }
}
