import { randomUUID } from 'node:crypto';
import jsonPatch from 'fast-json-patch';
import { type FieldError, fieldErrors } from '../errors/field-error.js';
import { StatusError, statusErrors } from '../errors/status-error.js';
import { deepEqual } from '../util/deep-equal.js';
import { applyMergePatch, isPlainObject } from '../util/json-merge-patch.js';
import { generateName } from '../util/names.js';
import { formatTime } from '../util/time.js';
import {
  type ObjectStore,
  type StoredKV,
  StoreCompactedError,
  StoreConflictError,
  StoreFutureRevisionError,
} from './object-store.js';
import type { AdmissionPlugin, FieldManager, SchemaOps } from './ports.js';
import type { KubeObject, ObjectMeta, ResourceDefinition } from './resource-definition.js';

/** Who is asking and how: the per-request options every write honours. */
export interface RequestScope {
  user: { name: string; groups: string[] };
  dryRun: boolean;
  fieldManager: string;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  /** Warning headers to send back (`299 - "..."`). */
  warnings: string[];
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  namespace: string | undefined;
  /** Applied to each decoded object; selectors are compiled by the caller. */
  filter?: (obj: KubeObject) => boolean;
  /** True when a selector is in use (upstream omits remainingItemCount then). */
  filtered?: boolean;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** The outcome of a delete: gone now (Status answer) or still there (object answer). */
export type DeleteResult = { deleted: true; object: KubeObject } | { deleted: false; object: KubeObject };

export interface GenericRegistryOptions {
  store: ObjectStore;
  schemaFor: (def: ResourceDefinition) => SchemaOps | undefined;
  fieldManager: FieldManager;
  /**
   * The definition objects are stored in: the storage version of a CRD, or another group's resource for kinds
   * served in two groups (events.k8s.io/v1 Events are core/v1 Events in storage).
   */
  storageDefFor: (def: ResourceDefinition) => ResourceDefinition;
  /** Converts an object between two definitions of the same stored resource (beyond the apiVersion). */
  convert?: (obj: KubeObject, from: ResourceDefinition, to: ResourceDefinition) => KubeObject;
  /** Namespace lifecycle check for namespaced creates: undefined if allowed, else the error. */
  namespaceGate?: (namespace: string, def: ResourceDefinition, name: string) => StatusError | undefined;
  /** Strategic merge patch, from builtins/. */
  strategicMergePatch?: (original: unknown, patch: unknown, def: ResourceDefinition) => unknown;
  /** Generic ObjectMeta validation, from admission/. */
  validateMeta?: (meta: ObjectMeta, def: ResourceDefinition, old: ObjectMeta | undefined) => FieldError[];
  admission?: AdmissionPlugin[];
  now?: () => Date;
}

const CONTINUE_VERSION = 'meta.k8s.io/v1';
const MAX_JSON_PATCH_OPERATIONS = 10000;

/** etcd-style key of an object: `/registry/<group|core>/<plural>/[<namespace>/]<name>`. */
function storageKey(def: ResourceDefinition, namespace: string | undefined, name: string): string {
  return `${storagePrefix(def, namespace)}${name}`;
}

function storagePrefix(def: ResourceDefinition, namespace: string | undefined): string {
  const base = `/registry/${def.group || 'core'}/${def.plural}/`;
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function groupResource(def: ResourceDefinition): { group: string; resource: string } {
  return { group: def.group, resource: def.plural };
}

export function apiVersionOf(def: ResourceDefinition): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

const clone = <T>(v: T): T => structuredClone(v);
const metaOf = (obj: KubeObject): ObjectMeta => {
  if (!isPlainObject(obj.metadata)) obj.metadata = {};
  return obj.metadata;
};

/**
 * Generic REST semantics for every resource: what kube-apiserver's registry/generic store does on top of
 * etcd — metadata ownership, optimistic concurrency, status/spec separation, generation, finalizers,
 * graceful and GC-aware deletion, consistent paginated lists.
 */
export class GenericRegistry {
  readonly store: ObjectStore;
  #opts: GenericRegistryOptions;
  #now: () => Date;

  constructor(opts: GenericRegistryOptions) {
    this.store = opts.store;
    this.#opts = opts;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Decodes a stored value into the requested version's shape. */
  decode(def: ResourceDefinition, kv: StoredKV): KubeObject {
    let obj = JSON.parse(kv.value) as KubeObject;
    const storageDef = this.#opts.storageDefFor(def);
    if (storageDef.group !== def.group && this.#opts.convert) obj = this.#opts.convert(obj, storageDef, def);
    metaOf(obj).resourceVersion = String(kv.modRevision);
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    return obj;
  }

  /** The storage key of an object (`/registry/<group|core>/<plural>/[<namespace>/]<name>`). */
  keyOf(def: ResourceDefinition, namespace: string | undefined, name: string): string {
    return storageKey(this.#opts.storageDefFor(def), namespace, name);
  }

  /** The key prefix of a resource's objects, in one namespace or all. */
  prefixOf(def: ResourceDefinition, namespace: string | undefined): string {
    return storagePrefix(this.#opts.storageDefFor(def), namespace);
  }

  #encode(def: ResourceDefinition, obj: KubeObject): string {
    const storageDef = this.#opts.storageDefFor(def);
    if (storageDef.group !== def.group && this.#opts.convert) obj = this.#opts.convert(obj, def, storageDef);
    const copy = { ...obj, apiVersion: apiVersionOf(storageDef), kind: storageDef.kind };
    const meta = { ...metaOf(copy) };
    delete meta.resourceVersion;
    copy.metadata = meta;
    return JSON.stringify(copy);
  }

  get(def: ResourceDefinition, namespace: string | undefined, name: string): KubeObject {
    const kv = this.store.get(this.keyOf(def, namespace, name));
    if (!kv) throw statusErrors.notFound(groupResource(def), name);
    return this.decode(def, kv);
  }

  tryGet(def: ResourceDefinition, namespace: string | undefined, name: string): KubeObject | undefined {
    const kv = this.store.get(this.keyOf(def, namespace, name));
    return kv ? this.decode(def, kv) : undefined;
  }

  // ---------------------------------------------------------------- list

  async list(def: ResourceDefinition, opts: ListOptions): Promise<ListResult> {
    const prefix = this.prefixOf(def, opts.namespace);
    let revision: number | undefined;
    let startKey: string | undefined;
    if (opts.resourceVersionMatch && !opts.resourceVersion)
      throw statusErrors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (opts.continueToken) {
      if (opts.resourceVersionMatch)
        throw statusErrors.badRequest('resourceVersionMatch is forbidden when continue is provided');
      const token = decodeContinue(opts.continueToken, prefix);
      revision = token.rv;
      startKey = prefix + token.start;
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const rv = parseResourceVersion(opts.resourceVersion);
      if (opts.resourceVersionMatch === 'Exact') revision = rv;
      else await this.#waitForRevision(rv);
    } else if (opts.resourceVersion === '0' && opts.resourceVersionMatch === 'Exact') {
      throw statusErrors.badRequest('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }

    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    const items: KubeObject[] = [];
    let snapshot: number | undefined = revision;
    let nextKey = startKey;
    let more = false;
    let lastKey: string | undefined;
    try {
      for (;;) {
        const page = this.store.range(prefix, {
          ...(snapshot === undefined ? {} : { revision: snapshot }),
          ...(nextKey === undefined ? {} : { startKey: nextKey }),
          ...(limit === undefined ? {} : { limit: Math.max(limit - items.length, opts.filter ? 100 : 0) }),
        });
        snapshot = page.revision;
        for (const kv of page.kvs) {
          if (limit !== undefined && items.length >= limit) {
            more = true;
            break;
          }
          lastKey = kv.key;
          const obj = this.decode(def, kv);
          if (!opts.filter || opts.filter(obj)) items.push(obj);
        }
        if (limit !== undefined && items.length >= limit) {
          more = more || page.more;
          break;
        }
        if (!page.more || page.kvs.length === 0) break;
        nextKey = page.kvs[page.kvs.length - 1]!.key + '\x00';
      }
    } catch (err) {
      if (err instanceof StoreCompactedError) {
        if (opts.continueToken)
          throw statusErrors.expired(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          );
        throw statusErrors.expired('The resourceVersion for the provided list is too old.');
      }
      if (err instanceof StoreFutureRevisionError)
        throw statusErrors.tooLargeResourceVersion(err.requested, err.current);
      throw err;
    }
    const result: ListResult = { items, resourceVersion: String(snapshot ?? this.store.currentRevision) };
    if (more && lastKey !== undefined) {
      result.continue = encodeContinue(snapshot, lastKey.slice(prefix.length) + '\x00');
      if (!opts.filtered) {
        const rest = this.store.range(prefix, { revision: snapshot, startKey: lastKey + '\x00' });
        result.remainingItemCount = rest.kvs.length;
      }
    }
    return result;
  }

  async #waitForRevision(rv: number): Promise<void> {
    const deadline = Date.now() + 3000;
    while (this.store.currentRevision < rv) {
      if (Date.now() > deadline) throw statusErrors.tooLargeResourceVersion(rv, this.store.currentRevision);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ---------------------------------------------------------------- create

  async create(
    def: ResourceDefinition,
    namespace: string | undefined,
    input: KubeObject,
    scope: RequestScope,
  ): Promise<KubeObject> {
    return this.#create(def, namespace, input, scope, undefined);
  }

  async #create(
    def: ResourceDefinition,
    namespace: string | undefined,
    input: KubeObject,
    scope: RequestScope,
    appliedManagedFields: ObjectMeta['managedFields'],
  ): Promise<KubeObject> {
    const obj = clone(input);
    this.#checkTypeMeta(def, obj);
    const meta = metaOf(obj);
    if (meta.resourceVersion)
      throw new StatusError(500, undefined, 'resourceVersion should not be set on objects to be created');
    if (def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace)
        throw statusErrors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      meta.namespace = namespace ?? meta.namespace;
      if (!meta.namespace) throw statusErrors.badRequest('the server could not find the requested resource');
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName)
      meta.name = generateName(meta.generateName, def.plural === 'namespaces' ? 63 : 253);
    if (def.namespaced && meta.namespace) {
      const gate = this.#opts.namespaceGate?.(meta.namespace, def, meta.name ?? '');
      if (gate) throw gate;
    }

    const now = this.#now();
    // Server-owned metadata.
    meta.uid = randomUUID();
    meta.creationTimestamp = formatTime(now);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (def.strategy.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    if (def.subresources.status) delete obj.status;

    def.strategy.prepareForCreate?.(obj);
    await this.#admit(def, obj, undefined, scope, 'CREATE', undefined);

    const name = meta.name;
    if (!name)
      throw statusErrors.invalid(def.group, def.kind, '', [
        fieldErrors.required('metadata.name', 'name or generateName is required'),
      ]);

    meta.managedFields =
      appliedManagedFields ??
      this.#opts.fieldManager.update({
        def,
        previous: undefined,
        next: obj,
        manager: scope.fieldManager,
        subresource: undefined,
        now,
      });
    if (meta.managedFields.length === 0) delete meta.managedFields;

    const key = this.keyOf(def, meta.namespace, name);
    if (scope.dryRun) {
      if (this.store.get(key)) throw statusErrors.alreadyExists(groupResource(def), name);
      return obj;
    }
    try {
      const kv = await this.store.create(key, this.#encode(def, obj));
      return this.decode(def, kv);
    } catch (err) {
      if (err instanceof StoreConflictError) throw statusErrors.alreadyExists(groupResource(def), name);
      throw err;
    }
  }

  // ---------------------------------------------------------------- update

  /** PUT. `subresource` is 'status' for /status, undefined for the main resource. */
  async update(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    scope: RequestScope,
    subresource?: 'status',
  ): Promise<{ object: KubeObject; created: boolean }> {
    const obj = clone(input);
    this.#checkTypeMeta(def, obj);
    const meta = metaOf(obj);
    if (meta.name !== undefined && meta.name !== name)
      throw statusErrors.badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${name})`,
      );
    if (def.namespaced && meta.namespace && meta.namespace !== namespace)
      throw statusErrors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    const key = this.keyOf(def, namespace, name);
    const kv = this.store.get(key);
    if (!kv) throw statusErrors.notFound(groupResource(def), name);
    if (!meta.resourceVersion && !def.strategy.allowUnconditionalUpdate)
      throw statusErrors.invalid(def.group, def.kind, name, [
        fieldErrors.invalid('metadata.resourceVersion', 0, 'must be specified for an update'),
      ]);
    if (meta.resourceVersion) {
      if (meta.resourceVersion !== String(kv.modRevision))
        throw statusErrors.modified(groupResource(def), name);
    }
    const current = this.decode(def, kv);
    const next = this.#mergeForSubresource(def, current, obj, subresource);
    return { object: await this.#commitUpdate(def, kv, current, next, scope, subresource), created: false };
  }

  /** Takes only what the endpoint may change: /status takes status, the main endpoint everything else. */
  #mergeForSubresource(
    def: ResourceDefinition,
    current: KubeObject,
    incoming: KubeObject,
    subresource: 'status' | undefined,
  ): KubeObject {
    if (subresource === 'status') {
      const next = clone(current);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
      const incomingMeta = metaOf(incoming);
      if (incomingMeta.managedFields !== undefined) metaOf(next).managedFields = incomingMeta.managedFields;
      metaOf(next).resourceVersion = incomingMeta.resourceVersion ?? metaOf(current).resourceVersion;
      return next;
    }
    if (def.subresources.status) {
      if (current.status === undefined) delete incoming.status;
      else incoming.status = clone(current.status);
    }
    return incoming;
  }

  // ---------------------------------------------------------------- patch

  async patch(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    scope: RequestScope & { force?: boolean },
    subresource?: 'status',
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (type === 'strategic' && !def.strategicMerge)
      throw statusErrors.unsupportedMediaType('application/strategic-merge-patch+json', [
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
      ]);
    if (type === 'merge' && !isPlainObject(patch))
      throw statusErrors.badRequest('error decoding patch: merge patch must be a JSON object');
    if (type === 'json') {
      if (!Array.isArray(patch))
        throw statusErrors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      if (patch.length > MAX_JSON_PATCH_OPERATIONS)
        throw new StatusError(
          413,
          'RequestEntityTooLarge',
          `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
        );
    }
    const key = this.keyOf(def, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = this.store.get(key);
      if (!kv) {
        if (type !== 'apply') throw statusErrors.notFound(groupResource(def), name);
        try {
          return await this.#applyCreate(def, namespace, name, patch, scope);
        } catch (err) {
          // Another writer created it in the meantime: the apply becomes an update of that object, as
          // kube-apiserver retries it, rather than a 409 for the caller.
          if (err instanceof StatusError && err.reason === 'AlreadyExists' && attempt < 5) continue;
          throw err;
        }
      }
      const current = this.decode(def, kv);
      let patched: KubeObject;
      if (type === 'apply') {
        if (!isPlainObject(patch))
          throw statusErrors.badRequest('error decoding apply patch: must be an object');
        const applied = this.#checkedApplyConfig(def, namespace, name, patch);
        const result = this.#opts.fieldManager.apply({
          def,
          live: current,
          applied,
          manager: scope.fieldManager,
          force: scope.force ?? false,
          subresource,
          now: this.#now(),
        });
        patched = result.object;
        metaOf(patched).managedFields = result.managedFields;
      } else {
        patched = this.#applyPatchDocument(def, current, type, patch);
      }
      const patchedMeta = metaOf(patched);
      if (patchedMeta.resourceVersion !== undefined && patchedMeta.resourceVersion !== String(kv.modRevision))
        throw statusErrors.modified(groupResource(def), name);
      patchedMeta.resourceVersion = String(kv.modRevision);
      if (patchedMeta.name !== undefined && patchedMeta.name !== name)
        throw statusErrors.invalid(def.group, def.kind, name, [
          fieldErrors.invalid('metadata.name', patchedMeta.name, 'field is immutable'),
        ]);
      const next = this.#mergeForSubresource(def, current, patched, subresource);
      if (type === 'apply') metaOf(next).managedFields = patchedMeta.managedFields;
      try {
        const object = await this.#commitUpdate(def, kv, current, next, scope, subresource, type === 'apply');
        return { object, created: false };
      } catch (err) {
        // Patches are retried internally on storage conflicts (no client-supplied precondition was violated).
        if (
          err instanceof StatusError &&
          err.code === 409 &&
          err.reason === 'Conflict' &&
          attempt < 5 &&
          this.store.get(key)?.modRevision !== kv.modRevision
        )
          continue;
        throw err;
      }
    }
  }

  #applyPatchDocument(
    def: ResourceDefinition,
    current: KubeObject,
    type: Exclude<PatchType, 'apply'>,
    patch: unknown,
  ): KubeObject {
    switch (type) {
      case 'merge':
        return applyMergePatch(current, patch) as KubeObject;
      case 'strategic': {
        if (!isPlainObject(patch))
          throw statusErrors.badRequest('error decoding patch: strategic merge patch must be a JSON object');
        const smp = this.#opts.strategicMergePatch;
        if (!smp) throw statusErrors.internal('strategic merge patch is not wired');
        try {
          return smp(current, patch, def) as KubeObject;
        } catch (err) {
          if (err instanceof StatusError) throw err;
          throw statusErrors.badRequest(`error decoding patch: ${(err as Error).message}`);
        }
      }
      case 'json': {
        const doc = clone(current);
        try {
          const result = jsonPatch.applyPatch(doc, patch as jsonPatch.Operation[], true, true);
          return result.newDocument;
        } catch (err) {
          throw jsonPatchError(err, patch as jsonPatch.Operation[]);
        }
      }
      default: {
        const never: never = type;
        throw statusErrors.badRequest(`unsupported patch type ${String(never)}`);
      }
    }
  }

  #checkedApplyConfig(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    patch: Record<string, unknown>,
  ): KubeObject {
    const applied = clone(patch) as KubeObject;
    const expected = apiVersionOf(def);
    if (applied.apiVersion !== undefined && applied.apiVersion !== expected)
      throw statusErrors.badRequest(
        `the API version in the data (${String(applied.apiVersion)}) does not match the expected API version (${expected})`,
      );
    if (applied.kind !== undefined && applied.kind !== def.kind)
      throw statusErrors.badRequest(
        `the kind in the data (${String(applied.kind)}) does not match the expected kind (${def.kind})`,
      );
    const meta = metaOf(applied);
    if (meta.name !== undefined && meta.name !== name)
      throw statusErrors.badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${name})`,
      );
    if (def.namespaced && meta.namespace !== undefined && meta.namespace !== namespace)
      throw statusErrors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    return applied;
  }

  async #applyCreate(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    scope: RequestScope & { force?: boolean },
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (!isPlainObject(patch)) throw statusErrors.badRequest('error decoding apply patch: must be an object');
    const applied = this.#checkedApplyConfig(def, namespace, name, patch);
    const now = this.#now();
    const result = this.#opts.fieldManager.apply({
      def,
      live: undefined,
      applied,
      manager: scope.fieldManager,
      force: scope.force ?? false,
      subresource: undefined,
      now,
    });
    const obj = result.object;
    const meta = metaOf(obj);
    meta.name = name;
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    const created = await this.#create(def, namespace, obj, scope, result.managedFields);
    return { object: created, created: true };
  }

  /**
   * The shared tail of PUT and PATCH: server-owned metadata, strategies, admission, generation,
   * finalizer rules, no-op suppression, then the compare-and-swap write.
   */
  async #commitUpdate(
    def: ResourceDefinition,
    kv: StoredKV,
    current: KubeObject,
    next: KubeObject,
    scope: RequestScope,
    subresource: 'status' | 'internal' | undefined,
    isApply = false,
  ): Promise<KubeObject> {
    const name = metaOf(current).name ?? '';
    const oldMeta = metaOf(current);
    const meta = metaOf(next);
    next.apiVersion = apiVersionOf(def);
    next.kind = def.kind;
    // Fields an update cannot change are taken from the stored object (rest.BeforeUpdate).
    if (!meta.uid) meta.uid = oldMeta.uid;
    if (oldMeta.creationTimestamp) meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds === undefined)
      meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    else delete meta.generation;
    if (def.namespaced) meta.namespace = oldMeta.namespace;

    if (subresource === undefined) def.strategy.prepareForUpdate?.(next, current);

    // Immutable metadata and "no new finalizers while deleting" are validated with the rest of ObjectMeta.
    await this.#admit(def, next, current, scope, 'UPDATE', subresource);

    // A strategy may already have bumped it (Deployments count annotation changes too).
    if (
      def.strategy.hasGeneration &&
      meta.generation !== undefined &&
      meta.generation === oldMeta.generation
    ) {
      if (contentChanged(def, current, next)) meta.generation = meta.generation + 1;
    }

    const now = this.#now();
    if (!isApply) {
      // The field manager also handles managedFields rewritten or cleared by the client (kubectl's
      // CSA→SSA migration patch) and records this writer's other changes on top of them.
      meta.managedFields = this.#opts.fieldManager.update({
        def,
        previous: current,
        next,
        manager: scope.fieldManager,
        subresource,
        now,
      });
      if (meta.managedFields.length === 0) delete meta.managedFields;
    }

    // Removing the last finalizer of an object that is being deleted deletes it in the same request.
    const finalizersDone = (meta.finalizers ?? []).length === 0 && pendingSpecFinalizers(def, next) === 0;
    if (meta.deletionTimestamp && finalizersDone && (meta.deletionGracePeriodSeconds ?? 0) === 0) {
      if (scope.dryRun) return next;
      try {
        await this.store.delete(kv.key, kv.modRevision);
      } catch (err) {
        if (err instanceof StoreConflictError) throw statusErrors.modified(groupResource(def), name);
        throw err;
      }
      return next;
    }

    const comparableNext = { ...next, metadata: { ...meta, resourceVersion: oldMeta.resourceVersion } };
    if (deepEqual(comparableNext, current)) return current;
    if (scope.dryRun) return next;
    try {
      const written = await this.store.update(kv.key, this.#encode(def, next), kv.modRevision);
      return this.decode(def, written);
    } catch (err) {
      if (err instanceof StoreConflictError) {
        if (err.reason === 'missing') throw statusErrors.notFound(groupResource(def), name);
        throw statusErrors.modified(groupResource(def), name);
      }
      throw err;
    }
  }

  /**
   * Read-modify-write on behalf of the server itself (garbage collector, namespace and CRD controllers):
   * no type strategy hooks, retried on conflicts. `mutate` returns false to skip the write.
   */
  async mutate(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    mutate: (obj: KubeObject) => boolean,
    manager: string,
  ): Promise<KubeObject | undefined> {
    const key = this.keyOf(def, namespace, name);
    for (let attempt = 0; attempt < 10; attempt++) {
      const kv = this.store.get(key);
      if (!kv) return undefined;
      const current = this.decode(def, kv);
      const next = clone(current);
      if (!mutate(next)) return current;
      try {
        return await this.#commitUpdate(def, kv, current, next, internalScope(manager), 'internal');
      } catch (err) {
        if (err instanceof StatusError && err.code === 409) continue;
        throw err;
      }
    }
    throw statusErrors.modified(groupResource(def), name);
  }

  // ---------------------------------------------------------------- delete

  async delete(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions,
    scope: RequestScope,
  ): Promise<DeleteResult> {
    const key = this.keyOf(def, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = this.store.get(key);
      if (!kv) throw statusErrors.notFound(groupResource(def), name);
      const current = this.decode(def, kv);
      const meta = metaOf(current);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid)
        throw statusErrors.conflict(
          groupResource(def),
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`,
        );
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion)
        throw statusErrors.conflict(
          groupResource(def),
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
        );
      try {
        return await this.#deleteOnce(def, kv, current, options, scope);
      } catch (err) {
        if (err instanceof StoreConflictError && attempt < 5) continue;
        if (err instanceof StoreConflictError) throw statusErrors.modified(groupResource(def), name);
        throw err;
      }
    }
  }

  async #deleteOnce(
    def: ResourceDefinition,
    kv: StoredKV,
    current: KubeObject,
    options: DeleteOptions,
    scope: RequestScope,
  ): Promise<DeleteResult> {
    const next = clone(current);
    const meta = metaOf(next);
    const finalizers = new Set(meta.finalizers ?? []);
    const hadFinalizers = [...finalizers];
    // Garbage-collection finalizers follow the propagation policy (deletionFinalizersForGarbageCollection).
    const policy =
      options.propagationPolicy ??
      (options.orphanDependents === true
        ? 'Orphan'
        : options.orphanDependents === false
          ? 'Background'
          : undefined);
    if (policy === 'Orphan') {
      finalizers.add('orphan');
      finalizers.delete('foregroundDeletion');
    } else if (policy === 'Foreground') {
      finalizers.add('foregroundDeletion');
      finalizers.delete('orphan');
    } else if (policy === 'Background') {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    const alreadyDeleting = meta.deletionTimestamp !== undefined;
    if (alreadyDeleting) {
      // A graceful deletion may be shortened (never lengthened); a grace of 0 without finalizers deletes now.
      const remaining = meta.deletionGracePeriodSeconds ?? 0;
      const requested = options.gracePeriodSeconds;
      if (remaining > 0 && requested !== undefined && requested < remaining) {
        const now = this.#now();
        meta.finalizers = [...finalizers];
        if (meta.finalizers.length === 0) delete meta.finalizers;
        if (requested === 0 && finalizers.size === 0) {
          if (scope.dryRun) return { deleted: true, object: current };
          const revision = await this.store.delete(kv.key, kv.modRevision);
          const gone = clone(current);
          metaOf(gone).resourceVersion = String(revision);
          return { deleted: true, object: gone };
        }
        meta.deletionTimestamp = formatTime(new Date(now.getTime() + requested * 1000));
        meta.deletionGracePeriodSeconds = requested;
        if (scope.dryRun) return { deleted: false, object: next };
        const written = await this.store.update(kv.key, this.#encode(def, next), kv.modRevision);
        return { deleted: false, object: this.decode(def, written) };
      }
      // Otherwise a repeated DELETE may only switch the GC finalizers; the object is returned as it is.
      if (!sameSet(hadFinalizers, finalizers)) {
        meta.finalizers = [...finalizers];
        if (scope.dryRun) return { deleted: false, object: next };
        const written = await this.store.update(kv.key, this.#encode(def, next), kv.modRevision);
        return { deleted: false, object: this.decode(def, written) };
      }
      return { deleted: false, object: current };
    }

    await this.#admitDelete(def, current, scope);

    const now = this.#now();
    const grace = def.strategy.gracePeriodSeconds?.(current, options.gracePeriodSeconds);
    const holdBySpec = pendingSpecFinalizers(def, next) > 0;
    if (finalizers.size > 0 || (grace !== undefined && grace > 0) || holdBySpec) {
      meta.finalizers = [...finalizers];
      if (meta.finalizers.length === 0) delete meta.finalizers;
      const graceful = grace !== undefined && grace > 0;
      meta.deletionTimestamp = formatTime(graceful ? new Date(now.getTime() + grace * 1000) : now);
      meta.deletionGracePeriodSeconds = graceful ? grace : 0;
      if (def.strategy.hasGeneration && meta.generation !== undefined) meta.generation += 1;
      def.strategy.prepareForUpdate?.(next, current);
      if (scope.dryRun) return { deleted: false, object: next };
      const written = await this.store.update(kv.key, this.#encode(def, next), kv.modRevision);
      return { deleted: false, object: this.decode(def, written) };
    }
    if (scope.dryRun) return { deleted: true, object: current };
    const revision = await this.store.delete(kv.key, kv.modRevision);
    const gone = clone(current);
    metaOf(gone).resourceVersion = String(revision);
    return { deleted: true, object: gone };
  }

  // ---------------------------------------------------------------- helpers

  #checkTypeMeta(def: ResourceDefinition, obj: KubeObject): void {
    const expected = apiVersionOf(def);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw statusErrors.badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== def.kind)
      throw statusErrors.badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`,
      );
    obj.apiVersion = expected;
    obj.kind = def.kind;
  }

  /** Pruning, defaulting, admission plug-ins and validation, with fieldValidation for unknown fields. */
  async #admit(
    def: ResourceDefinition,
    obj: KubeObject,
    old: KubeObject | undefined,
    scope: RequestScope,
    operation: 'CREATE' | 'UPDATE',
    subresource: string | undefined,
  ): Promise<void> {
    const schema = this.#opts.schemaFor(def);
    const name = metaOf(obj).name ?? '';
    if (schema) {
      const unknown = schema.prune(obj);
      if (unknown.length > 0 && scope.fieldValidation === 'Strict') {
        const list = unknown.map((f) => `unknown field "${f}"`);
        throw statusErrors.badRequest(
          `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${list.join(', ')}`,
        );
      }
      if (unknown.length > 0 && scope.fieldValidation === 'Warn')
        for (const f of unknown) scope.warnings.push(`unknown field "${f}"`);
      schema.applyDefaults(obj);
    }
    for (const plugin of this.#opts.admission ?? []) {
      await plugin.mutate?.({
        operation,
        def,
        object: obj,
        oldObject: old,
        subresource,
        user: scope.user,
        dryRun: scope.dryRun,
        warnings: scope.warnings,
      });
    }
    const errors: FieldError[] = [];
    errors.push(...(this.#opts.validateMeta?.(metaOf(obj), def, old ? metaOf(old) : undefined) ?? []));
    if (schema) errors.push(...schema.validate(obj, old));
    errors.push(...(def.strategy.validate?.(obj, old) ?? []));
    // kube-apiserver answers a request that fails the schema or the kind's own validation with that 422; the
    // validating admission (webhooks) sees only objects that passed it. A custom resource's schema is checked
    // by the first plugin (the CRD controller's), so the plugins stop at the first that finds errors.
    for (const plugin of this.#opts.admission ?? []) {
      if (errors.length > 0) break;
      const found = await plugin.validate?.({
        operation,
        def,
        object: obj,
        oldObject: old,
        subresource,
        user: scope.user,
        dryRun: scope.dryRun,
        warnings: scope.warnings,
      });
      if (found) errors.push(...found);
    }
    if (errors.length > 0) throw statusErrors.invalid(def.group, def.kind, name, errors);
  }

  async #admitDelete(def: ResourceDefinition, current: KubeObject, scope: RequestScope): Promise<void> {
    const errors: FieldError[] = [];
    for (const plugin of this.#opts.admission ?? []) {
      const ctx = {
        operation: 'DELETE' as const,
        def,
        object: undefined,
        oldObject: current,
        subresource: undefined,
        user: scope.user,
        dryRun: scope.dryRun,
        warnings: scope.warnings,
      };
      await plugin.mutate?.(ctx);
      const found = await plugin.validate?.(ctx);
      if (found) errors.push(...found);
    }
    if (errors.length > 0)
      throw statusErrors.invalid(def.group, def.kind, metaOf(current).name ?? '', errors);
  }
}

export function internalScope(manager: string): RequestScope {
  return {
    user: { name: 'system:apiserver', groups: ['system:masters'] },
    dryRun: false,
    fieldManager: manager,
    fieldValidation: 'Ignore',
    warnings: [],
  };
}

/** Whether anything outside metadata (and outside status, when status is a subresource) changed. */
function contentChanged(def: ResourceDefinition, a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): Record<string, unknown> => {
    const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
    if (def.subresources.status) delete rest.status;
    return rest;
  };
  return !deepEqual(strip(a), strip(b));
}

/** Namespaces are held by `spec.finalizers` as well as `metadata.finalizers`. */
function pendingSpecFinalizers(def: ResourceDefinition, obj: KubeObject): number {
  if (def.group !== '' || def.plural !== 'namespaces') return 0;
  const spec = obj.spec as { finalizers?: unknown[] } | undefined;
  return spec?.finalizers?.length ?? 0;
}

function sameSet(a: string[], b: Set<string>): boolean {
  return a.length === b.size && a.every((x) => b.has(x));
}

/**
 * A JSON patch that cannot be applied is a 422 with the generic "rejected" message and the reason as its
 * cause (apiserver's jsonPatcher); a malformed one is a 400.
 */
function jsonPatchError(err: unknown, ops: jsonPatch.Operation[]): StatusError {
  const e = err as { name?: string; message?: string; index?: number };
  const name = e.name ?? '';
  if (!name.startsWith('OPERATION_') && name !== 'TEST_OPERATION_FAILED')
    return statusErrors.badRequest(`error decoding patch: ${(e.message ?? String(err)).split('\n')[0]}`);
  const op = e.index !== undefined ? ops[e.index] : undefined;
  let why = (e.message ?? '').split('\n')[0] ?? '';
  if (name === 'TEST_OPERATION_FAILED') why = `testing value ${op?.path ?? ''} failed: test failed`;
  else if (name === 'OPERATION_PATH_UNRESOLVABLE')
    why = `replace operation does not apply: doc is missing path: "${op?.path ?? ''}": missing value`;
  if (
    name.startsWith('OPERATION_') &&
    name !== 'OPERATION_PATH_UNRESOLVABLE' &&
    name !== 'TEST_OPERATION_FAILED'
  )
    return statusErrors.badRequest(`error decoding patch: ${why}`);
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ message: why }],
  });
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv))
    throw statusErrors.invalid('', 'ListOptions', '', [
      fieldErrors.invalid('resourceVersion', rv, 'must be a non-negative integer'),
    ]);
  return Number(rv);
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: CONTINUE_VERSION, rv, start })).toString('base64url');
}

function decodeContinue(token: string, _prefix: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (parsed.v !== CONTINUE_VERSION || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string')
      throw new Error('bad token');
    if (parsed.start.split('/').includes('..')) throw new Error('bad token');
    return { rv: parsed.rv, start: parsed.start };
  } catch {
    throw statusErrors.badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}
