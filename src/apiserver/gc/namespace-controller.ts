import { statusErrors, isStatusError, type StatusError } from '../errors/status-error.js';
import { type GenericRegistry, internalScope } from '../registry/generic-registry.js';
import type { StoreWatch } from '../registry/object-store.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { formatTime } from '../util/time.js';

const MANAGER = 'namespace-controller';
const NAMESPACE_PREFIX = '/registry/core/namespaces/';

/**
 * Namespace lifecycle: refuses content in missing or terminating namespaces, and when a namespace is
 * deleted, deletes everything in it, keeps its conditions current, then removes the `kubernetes`
 * finalizer so the namespace itself goes.
 */
export class NamespaceController {
  #registry: GenericRegistry;
  #catalog: ResourceCatalog;
  #namespaceDef: ResourceDefinition;
  #watch: StoreWatch | undefined;
  #pending = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #stopped = false;

  constructor(registry: GenericRegistry, catalog: ResourceCatalog, namespaceDef: ResourceDefinition) {
    this.#registry = registry;
    this.#catalog = catalog;
    this.#namespaceDef = namespaceDef;
  }

  /** The creation gate the registry consults for namespaced objects. */
  gate = (namespace: string, def: ResourceDefinition, name: string): StatusError | undefined => {
    const kv = this.#registry.store.get(NAMESPACE_PREFIX + namespace);
    if (!kv) return statusErrors.notFound({ group: '', resource: 'namespaces' }, namespace);
    const ns = JSON.parse(kv.value) as KubeObject;
    if (ns.metadata?.deletionTimestamp)
      return statusErrors.forbidden(
        { group: def.group, resource: def.plural },
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    return undefined;
  };

  start(): void {
    const snapshot = this.#registry.store.range(NAMESPACE_PREFIX);
    for (const kv of snapshot.kvs) this.#consider(JSON.parse(kv.value) as KubeObject);
    this.#watch = this.#registry.store.watch(
      NAMESPACE_PREFIX,
      snapshot.revision,
      (e) => {
        if (e.type === 'PUT') this.#consider(JSON.parse(e.kv.value) as KubeObject);
      },
      () => undefined,
    );
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.cancel();
    if (this.#timer) clearTimeout(this.#timer);
  }

  #consider(ns: KubeObject): void {
    const name = ns.metadata?.name;
    if (name && ns.metadata?.deletionTimestamp) {
      this.#pending.add(name);
      this.#schedule(0);
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, delayMs);
  }

  async #run(): Promise<void> {
    if (this.#busy) return this.#schedule(100);
    this.#busy = true;
    let again = false;
    try {
      for (const name of [...this.#pending]) {
        try {
          const done = await this.#finalize(name);
          if (done) this.#pending.delete(name);
          else again = true;
        } catch (err) {
          if (isStatusError(err) && err.code === 404) this.#pending.delete(name);
          else again = true;
        }
      }
    } finally {
      this.#busy = false;
    }
    if (again) this.#schedule(250);
  }

  /** One pass over a terminating namespace; true when it needs no more work. */
  async #finalize(name: string): Promise<boolean> {
    const nsDef = this.#namespaceDef;
    const ns = this.#registry.tryGet(nsDef, undefined, name);
    if (!ns?.metadata?.deletionTimestamp) return true;
    const seen = new Set<string>();
    let remaining = 0;
    const remainingFinalizers = new Set<string>();
    for (const def of this.#catalog.all()) {
      if (!def.namespaced || !def.verbs.includes('delete')) continue;
      const id = `${def.group}/${def.plural}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const list = await this.#registry.list(def, { namespace: name });
      for (const obj of list.items) {
        remaining++;
        for (const f of obj.metadata?.finalizers ?? []) remainingFinalizers.add(f);
        if (obj.metadata?.deletionTimestamp) continue;
        try {
          await this.#registry.delete(
            def,
            name,
            obj.metadata!.name!,
            { propagationPolicy: 'Background' },
            internalScope(MANAGER),
          );
        } catch (err) {
          if (!isStatusError(err) || (err.code !== 404 && err.code !== 409)) throw err;
        }
      }
    }
    await this.#registry.mutate(
      nsDef,
      undefined,
      name,
      (obj) => {
        const status = (obj.status ??= {}) as { phase?: string; conditions?: Record<string, unknown>[] };
        const before = JSON.stringify(status);
        status.phase = 'Terminating';
        setCondition(
          status,
          'NamespaceContentRemaining',
          remaining > 0,
          remaining > 0 ? 'SomeResourcesRemain' : 'ContentRemoved',
          remaining > 0
            ? `Some resources are remaining: ${remaining} objects`
            : 'All content successfully removed',
        );
        setCondition(
          status,
          'NamespaceFinalizersRemaining',
          remainingFinalizers.size > 0,
          remainingFinalizers.size > 0 ? 'SomeFinalizersRemain' : 'ContentHasNoFinalizers',
          remainingFinalizers.size > 0
            ? `Some content in the namespace has finalizers remaining: ${[...remainingFinalizers].join(', ')}`
            : 'All content-preserving finalizers finished',
        );
        return JSON.stringify(status) !== before;
      },
      MANAGER,
    );
    if (remaining > 0) return false;
    // Nothing left: release the namespace (what `PUT /namespaces/<n>/finalize` does).
    await this.#registry.mutate(
      nsDef,
      undefined,
      name,
      (obj) => {
        const spec = (obj.spec ??= {}) as { finalizers?: string[] };
        const fins = spec.finalizers ?? [];
        if (!fins.includes('kubernetes')) return false;
        spec.finalizers = fins.filter((f) => f !== 'kubernetes');
        return true;
      },
      MANAGER,
    );
    return true;
  }
}

function setCondition(
  status: { conditions?: Record<string, unknown>[] },
  type: string,
  isTrue: boolean,
  reason: string,
  message: string,
): void {
  const conditions = (status.conditions ??= []);
  const value = isTrue ? 'True' : 'False';
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status !== value) existing.lastTransitionTime = formatTime(new Date());
    existing.status = value;
    existing.reason = reason;
    existing.message = message;
  } else {
    conditions.push({ type, status: value, lastTransitionTime: formatTime(new Date()), reason, message });
  }
}
