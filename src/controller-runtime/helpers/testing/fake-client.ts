import { randomUUID } from 'node:crypto';
import jsonPatch from 'fast-json-patch';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { KubeObject, ObjectKey, TypeRef } from '../../api/object.js';
import { keyString, objectKeyOf, parseApiVersion, typeRefOf } from '../../api/object.js';
import type {
  ApplyOptions,
  Client,
  DeleteOptions,
  LabelSelectorInput,
  ListOptions,
  ObjectList,
  Patch,
  PatchOptions,
  SubresourceCreateOptions,
  SubresourceWriter,
  WriteOptions,
} from '../../client/client.js';
import type { ApiError } from '../../client/errors.js';
import { AlreadyExistsError, ConflictError, InvalidError, NotFoundError } from '../../client/errors.js';
import { applyMergePatch, deepClone, deepEqual, type JsonObject } from '../../util/merge-patch.js';

export type FakeVerb =
  | 'get'
  | 'list'
  | 'create'
  | 'update'
  | 'updateStatus'
  | 'patch'
  | 'patchStatus'
  | 'apply'
  | 'applyStatus'
  | 'createSubresource'
  | 'delete'
  | 'deleteAllOf';

/** One call the fake received, as the test can assert on it (deep copies, never live objects). */
export interface FakeRequest {
  verb: FakeVerb;
  type: TypeRef;
  key?: ObjectKey;
  /** The object sent by create/update/apply/createSubresource. */
  body?: KubeObject;
  /** createSubresource: which one (`eviction`). */
  subresource?: string;
  patch?: Patch;
  options?: unknown;
}

/**
 * Runs before each request is served. Throw to fail the request (it is still recorded); use `fake.seed`,
 * `fake.mutate` (which do not count as requests) to simulate another writer racing the code under test.
 */
export type FakeReactor = (request: FakeRequest, fake: FakeClient) => void | Promise<void>;

export interface FakeClientOptions {
  /**
   * Kinds (`Kind` or `group/Kind`) served without a status subresource: writes to the main resource
   * then change status too, and status writes are rejected. Every other kind behaves like a CRD with
   * `subresources.status`, the shape Cluster API kinds have.
   */
  withoutStatusSubresource?: string[];
}

/**
 * An in-memory `Client` for unit tests. It behaves like the API server where controllers notice:
 * resourceVersions advance on every write; `metadata.resourceVersion` in an update or merge patch is an
 * optimistic lock (ConflictError when stale); main-resource writes ignore `status` and status writes ignore
 * everything else; `metadata.generation` moves only when something other than metadata and status changes;
 * deleting an object with finalizers only sets `deletionTimestamp`, and it disappears once the last
 * finalizer is removed. `createSubresource` needs the parent to exist (NotFoundError otherwise); a Pod's
 * `eviction` deletes the Pod (no disruption budgets: a reactor throwing `TooManyRequestsError` plays one),
 * any other subresource answers with the body it was sent. Strategic merge patches are applied as JSON merge
 * patches and server-side apply as a merge of the applied fields; neither tracks field managers.
 */
export class FakeClient implements Client, SubresourceWriter {
  readonly requests: FakeRequest[] = [];
  readonly #objects = new Map<string, KubeObject>();
  readonly #reactors: FakeReactor[] = [];
  readonly #withoutStatus: Set<string>;
  #resourceVersion = 1000;

  constructor(options: FakeClientOptions = {}) {
    this.#withoutStatus = new Set(options.withoutStatusSubresource ?? ['Event', 'ConfigMap', 'Secret']);
  }

  /** Adds a reactor; returns a function that removes it again. */
  addReactor(reactor: FakeReactor): () => void {
    this.#reactors.push(reactor);
    return () => {
      const i = this.#reactors.indexOf(reactor);
      if (i >= 0) this.#reactors.splice(i, 1);
    };
  }

  /** Stores `obj` as is (status included), filling uid, resourceVersion, generation; not recorded. */
  seed<T extends KubeObject>(obj: T): T {
    const stored = deepClone(obj);
    meta(stored).uid ??= randomUUID();
    meta(stored).generation ??= 1;
    meta(stored).creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    meta(stored).resourceVersion = this.#nextResourceVersion();
    this.#objects.set(this.#storageKey(typeRefOf(obj), objectKeyOf(obj)), stored);
    return deepClone(stored);
  }

  /** The stored object, or undefined; not recorded. */
  peek<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey): T | undefined {
    const found = this.#objects.get(this.#storageKey(type, key));
    return found ? (deepClone(found) as T) : undefined;
  }

  /** Every stored object of a type; not recorded. */
  peekAll<T extends KubeObject = KubeObject>(type: TypeRef): T[] {
    const prefix = this.#typePrefix(type);
    return [...this.#objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => deepClone(v) as T);
  }

  /** Changes a stored object as another writer would (new resourceVersion); not recorded. */
  mutate<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey, change: (obj: T) => void): T {
    const storageKey = this.#storageKey(type, key);
    const found = this.#objects.get(storageKey);
    if (!found) throw this.#notFound(type, key);
    const next = deepClone(found) as T;
    change(next);
    meta(next).resourceVersion = this.#nextResourceVersion();
    this.#objects.set(storageKey, next);
    return deepClone(next);
  }

  /** Requests with one of these verbs, in order. */
  requestsOf(...verbs: FakeVerb[]): FakeRequest[] {
    return this.requests.filter((r) => verbs.includes(r.verb));
  }

  /** Requests that wrote something (everything but get and list). */
  writes(): FakeRequest[] {
    return this.requests.filter((r) => r.verb !== 'get' && r.verb !== 'list');
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  async get<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey): Promise<T> {
    await this.#record({ verb: 'get', type, key });
    const found = this.#objects.get(this.#storageKey(type, key));
    if (!found) throw this.#notFound(type, key);
    return this.#answer(found, type) as T;
  }

  async list<T extends KubeObject = KubeObject>(
    type: TypeRef,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    await this.#record({ verb: 'list', type, options: { ...options, signal: undefined } });
    const items = this.#select(type, options).map((o) => this.#answer(o, type) as T);
    return {
      apiVersion: type.apiVersion,
      kind: `${type.kind}List`,
      metadata: { resourceVersion: String(this.#resourceVersion) },
      items,
    };
  }

  async create<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    const type = typeRefOf(obj);
    const body = deepClone(obj);
    if (!body.metadata.name && body.metadata.generateName) {
      body.metadata.name = `${body.metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
    const key = objectKeyOf(body);
    await this.#record({ verb: 'create', type, key, body: obj, options });
    const storageKey = this.#storageKey(type, key);
    if (this.#objects.has(storageKey)) {
      throw new AlreadyExistsError(
        { reason: 'AlreadyExists', code: 409, message: `${type.kind} "${key.name}" already exists` },
        409,
      );
    }
    if (body.metadata.resourceVersion) {
      throw this.#invalid(type, key, 'metadata.resourceVersion: must not be set on create');
    }
    if (this.#hasStatusSubresource(type)) delete body.status;
    meta(body).uid = randomUUID();
    meta(body).generation = 1;
    meta(body).creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    delete meta(body).deletionTimestamp;
    if (options?.dryRun) return this.#answer(body, type) as T;
    meta(body).resourceVersion = this.#nextResourceVersion();
    this.#objects.set(storageKey, body);
    return this.#answer(body, type) as T;
  }

  async update<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    const type = typeRefOf(obj);
    const key = objectKeyOf(obj);
    await this.#record({ verb: 'update', type, key, body: obj, options });
    const current = this.#existing(type, key);
    this.#checkLock(type, key, current, obj.metadata.resourceVersion);
    const next: KubeObject = deepClone(obj);
    if (this.#hasStatusSubresource(type)) next.status = deepClone(current.status);
    return this.#store(type, key, current, next, options) as T;
  }

  async updateStatus<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    const type = typeRefOf(obj);
    const key = objectKeyOf(obj);
    await this.#record({ verb: 'updateStatus', type, key, body: obj, options });
    const current = this.#existing(type, key);
    this.#requireStatusSubresource(type, key);
    this.#checkLock(type, key, current, obj.metadata.resourceVersion);
    const next = deepClone(current);
    next.status = deepClone(obj.status);
    return this.#store(type, key, current, next, options) as T;
  }

  async patch<T extends KubeObject>(obj: T, patch: Patch, options?: PatchOptions): Promise<T> {
    return this.#patch('patch', obj, patch, options) as Promise<T>;
  }

  async patchStatus<T extends KubeObject>(obj: T, patch: Patch, options?: PatchOptions): Promise<T> {
    return this.#patch('patchStatus', obj, patch, options) as Promise<T>;
  }

  async apply<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T> {
    return this.#apply('apply', obj, options) as Promise<T>;
  }

  async applyStatus<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T> {
    return this.#apply('applyStatus', obj, options) as Promise<T>;
  }

  async createSubresource<R = unknown>(
    obj: KubeObject,
    subresource: string,
    body: KubeObject,
    options?: SubresourceCreateOptions,
  ): Promise<R> {
    const type = typeRefOf(obj);
    const key = objectKeyOf(obj);
    await this.#record({ verb: 'createSubresource', type, key, subresource, body, options });
    const current = this.#existing(type, key);
    if (subresource === 'eviction' && type.kind === 'Pod' && parseApiVersion(type.apiVersion).group === '') {
      if (!options?.dryRun) this.#deleteStored(type, key, current);
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as R;
    }
    return deepClone(body) as R;
  }

  async delete(obj: KubeObject, options?: DeleteOptions): Promise<void> {
    const type = typeRefOf(obj);
    const key = objectKeyOf(obj);
    await this.#record({ verb: 'delete', type, key, options: { ...options, signal: undefined } });
    const current = this.#existing(type, key);
    const pre = options?.preconditions;
    if (
      (pre?.uid && pre.uid !== current.metadata.uid) ||
      (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)
    ) {
      throw this.#conflict(type, key, 'precondition failed');
    }
    if (options?.dryRun) return;
    this.#deleteStored(type, key, current);
  }

  async deleteAllOf(type: TypeRef, options: ListOptions & DeleteOptions): Promise<void> {
    await this.#record({ verb: 'deleteAllOf', type, options: { ...options, signal: undefined } });
    if (options.dryRun) return;
    for (const obj of this.#select(type, options)) this.#deleteStored(type, objectKeyOf(obj), obj);
  }

  async #patch(
    verb: 'patch' | 'patchStatus',
    obj: KubeObject,
    patch: Patch,
    options?: PatchOptions,
  ): Promise<KubeObject> {
    const type = typeRefOf(obj);
    const key = objectKeyOf(obj);
    await this.#record({ verb, type, key, patch, options: options && { ...options, signal: undefined } });
    const current = this.#existing(type, key);
    if (verb === 'patchStatus') this.#requireStatusSubresource(type, key);

    let patched: KubeObject;
    switch (patch.type) {
      case 'merge':
      case 'strategic': {
        const lock = (patch.data.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
        if (typeof lock === 'string') this.#checkLock(type, key, current, lock);
        patched = applyMergePatch(
          current as unknown as JsonObject,
          patch.data as JsonObject,
        ) as unknown as KubeObject;
        break;
      }
      case 'json': {
        try {
          patched = jsonPatch.applyPatch(
            deepClone(current),
            patch.data as jsonPatch.Operation[],
            true,
            false,
          ).newDocument;
        } catch (err) {
          // A failed `test` operation is how JSON patches express preconditions; the server answers 422.
          throw this.#invalid(type, key, `the JSON patch could not be applied: ${(err as Error).message}`);
        }
        break;
      }
      default: {
        const unexpected: never = patch;
        throw new TypeError(`unknown patch type ${JSON.stringify(unexpected)}`);
      }
    }
    if (patched.metadata?.resourceVersion !== current.metadata.resourceVersion) {
      // A resourceVersion written by a JSON patch is a lock as well.
      this.#checkLock(type, key, current, patched.metadata?.resourceVersion);
    }

    let next: KubeObject;
    if (verb === 'patchStatus') {
      next = deepClone(current);
      next.status = patched.status;
    } else {
      next = patched;
      if (this.#hasStatusSubresource(type)) next.status = deepClone(current.status);
    }
    return this.#store(type, key, current, next, options);
  }

  async #apply(verb: 'apply' | 'applyStatus', obj: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const type = typeRefOf(obj);
    const key = objectKeyOf(obj);
    await this.#record({ verb, type, key, body: obj, options: { ...options, signal: undefined } });
    const storageKey = this.#storageKey(type, key);
    const current = this.#objects.get(storageKey);
    const applied = deepClone(obj) as unknown as JsonObject;
    if (!current) {
      if (verb === 'applyStatus') throw this.#notFound(type, key);
      const created = deepClone(obj);
      if (this.#hasStatusSubresource(type)) delete created.status;
      meta(created).uid = randomUUID();
      meta(created).generation = 1;
      meta(created).creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      if (options.dryRun) return this.#answer(created, type);
      meta(created).resourceVersion = this.#nextResourceVersion();
      this.#objects.set(storageKey, created);
      return this.#answer(created, type);
    }
    if (verb === 'applyStatus') this.#requireStatusSubresource(type, key);
    const lock = obj.metadata.resourceVersion;
    if (lock) this.#checkLock(type, key, current, lock);
    const merged = applyMergePatch(current as unknown as JsonObject, applied) as unknown as KubeObject;
    let next: KubeObject;
    if (verb === 'applyStatus') {
      next = deepClone(current);
      next.status = merged.status;
    } else {
      next = merged;
      if (this.#hasStatusSubresource(type)) next.status = deepClone(current.status);
    }
    return this.#store(type, key, current, next, options);
  }

  /** Validates and stores `next` as the successor of `current`, keeping what clients may not change. */
  #store(
    type: TypeRef,
    key: ObjectKey,
    current: KubeObject,
    next: KubeObject,
    options?: WriteOptions,
  ): KubeObject {
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    next.metadata = next.metadata ?? {};
    for (const field of [
      'name',
      'namespace',
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'generation',
    ] as const) {
      if (current.metadata[field] === undefined) delete meta(next)[field];
      else (meta(next) as Record<string, unknown>)[field] = current.metadata[field];
    }
    if (current.metadata.deletionTimestamp) {
      const added = (next.metadata.finalizers ?? []).filter(
        (f) => !(current.metadata.finalizers ?? []).includes(f),
      );
      if (added.length > 0) {
        throw this.#invalid(
          type,
          key,
          'metadata.finalizers: no new finalizers can be added if the object is being deleted',
        );
      }
    }
    meta(next).resourceVersion = current.metadata.resourceVersion;
    if (deepEqual(next, current)) return this.#answer(current, type);
    if (!deepEqual(withoutMetadataAndStatus(next), withoutMetadataAndStatus(current))) {
      meta(next).generation = (current.metadata.generation ?? 0) + 1;
    }
    if (options?.dryRun) return this.#answer(next, type);
    meta(next).resourceVersion = this.#nextResourceVersion();
    const storageKey = this.#storageKey(type, key);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.#objects.delete(storageKey);
    } else {
      this.#objects.set(storageKey, next);
    }
    return this.#answer(next, type);
  }

  #deleteStored(type: TypeRef, key: ObjectKey, current: KubeObject): void {
    const storageKey = this.#storageKey(type, key);
    if ((current.metadata.finalizers ?? []).length === 0) {
      this.#objects.delete(storageKey);
      return;
    }
    if (current.metadata.deletionTimestamp) return;
    const next = deepClone(current);
    meta(next).deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    meta(next).resourceVersion = this.#nextResourceVersion();
    this.#objects.set(storageKey, next);
  }

  async #record(request: FakeRequest): Promise<void> {
    const recorded: FakeRequest = deepClone({
      ...request,
      options: request.options === undefined ? undefined : stripSignal(request.options),
    });
    this.requests.push(recorded);
    for (const reactor of [...this.#reactors]) await reactor(recorded, this);
  }

  #select(type: TypeRef, options: ListOptions): KubeObject[] {
    const matches = labelMatcher(options.labelSelector);
    return this.peekAll(type).filter(
      (o) =>
        (!options.namespace || o.metadata.namespace === options.namespace) &&
        matches(o.metadata.labels ?? {}),
    );
  }

  #existing(type: TypeRef, key: ObjectKey): KubeObject {
    const found = this.#objects.get(this.#storageKey(type, key));
    if (!found) throw this.#notFound(type, key);
    return found;
  }

  #checkLock(type: TypeRef, key: ObjectKey, current: KubeObject, resourceVersion: string | undefined): void {
    if (resourceVersion && resourceVersion !== current.metadata.resourceVersion) {
      throw this.#conflict(
        type,
        key,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
  }

  #hasStatusSubresource(type: TypeRef): boolean {
    const group = parseApiVersion(type.apiVersion).group;
    return !this.#withoutStatus.has(type.kind) && !this.#withoutStatus.has(`${group}/${type.kind}`);
  }

  #requireStatusSubresource(type: TypeRef, key: ObjectKey): void {
    if (!this.#hasStatusSubresource(type)) throw this.#notFound(type, key);
  }

  #answer(obj: KubeObject, type: TypeRef): KubeObject {
    const copy = deepClone(obj);
    copy.apiVersion ??= type.apiVersion;
    copy.kind ??= type.kind;
    return copy;
  }

  #typePrefix(type: TypeRef): string {
    return `${parseApiVersion(type.apiVersion).group}|${type.kind}|`;
  }

  #storageKey(type: TypeRef, key: ObjectKey): string {
    // Versions of one group share storage, as on a real server.
    return `${this.#typePrefix(type)}${keyString(key)}`;
  }

  #nextResourceVersion(): string {
    this.#resourceVersion += 1;
    return String(this.#resourceVersion);
  }

  #notFound(type: TypeRef, key: ObjectKey): NotFoundError {
    return new NotFoundError(
      {
        reason: 'NotFound',
        code: 404,
        message: `${type.kind} "${keyString(key)}" not found`,
        details: { name: key.name, kind: type.kind },
      },
      404,
    );
  }

  #conflict(type: TypeRef, key: ObjectKey, why: string): ConflictError {
    return new ConflictError(
      {
        reason: 'Conflict',
        code: 409,
        message: `Operation cannot be fulfilled on ${type.kind} "${key.name}": ${why}`,
        details: { name: key.name, kind: type.kind },
      },
      409,
    );
  }

  #invalid(type: TypeRef, key: ObjectKey, why: string): ApiError {
    return new InvalidError(
      {
        reason: 'Invalid',
        code: 422,
        message: `${type.kind} "${key.name}" is invalid: ${why}`,
        details: { name: key.name, kind: type.kind },
      },
      422,
    );
  }
}

type MutableMeta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

/** The server owns uid, resourceVersion and friends; `kubernetes-types` marks them readonly for clients. */
function meta(obj: KubeObject): MutableMeta {
  const metadata: MutableMeta = obj.metadata;
  return metadata;
}

function withoutMetadataAndStatus(obj: KubeObject): Record<string, unknown> {
  const { metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest } = obj;
  return rest;
}

function stripSignal(options: unknown): unknown {
  if (typeof options !== 'object' || options === null) return options;
  const { signal: _signal, ...rest } = options as { signal?: unknown };
  return rest;
}

/** Equality maps, or `k=v`, `k==v`, `k!=v`, `k`, `!k` joined by commas; enough for unit tests. */
function labelMatcher(selector: LabelSelectorInput | undefined): (labels: Record<string, string>) => boolean {
  if (selector === undefined) return () => true;
  if (typeof selector !== 'string') {
    return (labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  }
  const tests = selector
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part): ((labels: Record<string, string>) => boolean) => {
      let m: RegExpExecArray | null;
      if ((m = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(part))) {
        const [, k, v] = m as unknown as [string, string, string];
        return (labels) => labels[k] !== v;
      }
      if ((m = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(part))) {
        const [, k, v] = m as unknown as [string, string, string];
        return (labels) => labels[k] === v;
      }
      if (part.startsWith('!')) {
        const k = part.slice(1).trim();
        return (labels) => !(k in labels);
      }
      return (labels) => part in labels;
    });
  return (labels) => tests.every((t) => t(labels));
}
