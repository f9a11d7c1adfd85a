import { isStatusError } from '../errors/status-error.js';
import { type GenericRegistry, internalScope } from '../registry/generic-registry.js';
import type { StoreEvent, StoreWatch } from '../registry/object-store.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { KubeObject, OwnerReference, ResourceDefinition } from '../registry/resource-definition.js';

interface Node {
  key: string;
  uid: string;
  namespace: string | undefined;
  owners: OwnerReference[];
  deleting: boolean;
  finalizers: string[];
}

const MANAGER = 'garbage-collector';

/**
 * kube-controller-manager's garbage collector, in-process: a dependency graph keyed by owner uid, kept
 * current from the store's change stream. Dependents whose owners are all gone are deleted (background);
 * owners deleted in the foreground wait for blocking dependents; orphaning strips owner references.
 */
export class GarbageCollector {
  #registry: GenericRegistry;
  #catalog: ResourceCatalog;
  #nodes = new Map<string, Node>(); // by uid
  #byKey = new Map<string, string>(); // key -> uid
  #dependents = new Map<string, Set<string>>(); // owner uid -> dependent uids
  #queue = new Set<string>();
  #watch: StoreWatch | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #idle: (() => void)[] = [];

  constructor(registry: GenericRegistry, catalog: ResourceCatalog) {
    this.#registry = registry;
    this.#catalog = catalog;
  }

  start(): void {
    const snapshot = this.#registry.store.range('/registry/');
    for (const kv of snapshot.kvs) this.#upsert(kv.key, JSON.parse(kv.value) as KubeObject);
    // Only dependents and objects being deleted can need work; the rest are just owners in the graph.
    for (const [uid, node] of this.#nodes) if (node.owners.length > 0 || node.deleting) this.#queue.add(uid);
    this.#watch = this.#registry.store.watch(
      '/registry/',
      snapshot.revision,
      (e) => this.#onEvent(e),
      () => undefined,
    );
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watch?.cancel();
    this.#wake?.();
    await this.#running;
  }

  /** Resolves when the queue is empty (tests). */
  async idle(): Promise<void> {
    if (this.#queue.size === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #onEvent(e: StoreEvent): void {
    if (e.type === 'DELETE') {
      const uid = this.#byKey.get(e.kv.key);
      if (uid) {
        const node = this.#nodes.get(uid);
        this.#remove(uid);
        for (const dep of this.#dependents.get(uid) ?? []) this.#enqueue(dep);
        for (const o of node?.owners ?? []) this.#enqueue(o.uid);
      }
      return;
    }
    const obj = JSON.parse(e.kv.value) as KubeObject;
    const uid = this.#upsert(e.kv.key, obj);
    if (uid) {
      this.#enqueue(uid);
      const node = this.#nodes.get(uid);
      if (node?.deleting) for (const dep of this.#dependents.get(uid) ?? []) this.#enqueue(dep);
    }
  }

  #upsert(key: string, obj: KubeObject): string | undefined {
    const meta = obj.metadata;
    const uid = meta?.uid;
    if (!uid) return undefined;
    const previousUid = this.#byKey.get(key);
    if (previousUid && previousUid !== uid) this.#remove(previousUid);
    const old = this.#nodes.get(uid);
    for (const o of old?.owners ?? []) this.#dependents.get(o.uid)?.delete(uid);
    const node: Node = {
      key,
      uid,
      namespace: meta.namespace,
      owners: Array.isArray(meta.ownerReferences) ? meta.ownerReferences : [],
      deleting: meta.deletionTimestamp !== undefined,
      finalizers: meta.finalizers ?? [],
    };
    this.#nodes.set(uid, node);
    this.#byKey.set(key, uid);
    for (const o of node.owners) {
      let set = this.#dependents.get(o.uid);
      if (!set) this.#dependents.set(o.uid, (set = new Set()));
      set.add(uid);
    }
    return uid;
  }

  #remove(uid: string): void {
    const node = this.#nodes.get(uid);
    if (!node) return;
    for (const o of node.owners) this.#dependents.get(o.uid)?.delete(uid);
    this.#nodes.delete(uid);
    if (this.#byKey.get(node.key) === uid) this.#byKey.delete(node.key);
  }

  #enqueue(uid: string): void {
    this.#queue.add(uid);
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const next = this.#queue.values().next();
      if (next.done) {
        for (const resolve of this.#idle.splice(0)) resolve();
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      this.#queue.delete(next.value);
      try {
        await this.#process(next.value);
      } catch (err) {
        // Conflicts and races resolve themselves on the next event; anything else is retried shortly.
        if (!isStatusError(err) || (err.code !== 404 && err.code !== 409)) {
          setTimeout(() => this.#enqueue(next.value), 1000).unref();
        }
      }
    }
  }

  /** The definition that addresses a stored key (any served version of its group/resource). */
  #defForKey(
    key: string,
  ): { def: ResourceDefinition; namespace: string | undefined; name: string } | undefined {
    const parts = key.split('/'); // ['', 'registry', group, plural, ns?, name]
    const group = parts[2] === 'core' ? '' : parts[2]!;
    const plural = parts[3]!;
    const def = this.#catalog.all().find((d) => d.group === group && d.plural === plural);
    if (!def) return undefined;
    return def.namespaced
      ? { def, namespace: parts[4], name: parts.slice(5).join('/') }
      : { def, namespace: undefined, name: parts.slice(4).join('/') };
  }

  /** Whether an owner reference points at a live object; unknown kinds count as present (cannot verify). */
  #ownerState(dep: Node, ref: OwnerReference): 'present' | 'absent' | 'deleting-foreground' {
    const owner = this.#nodes.get(ref.uid);
    if (!owner) {
      const [group, version] = ref.apiVersion.includes('/')
        ? ref.apiVersion.split('/')
        : ['', ref.apiVersion];
      const known = this.#catalog
        .all()
        .some((d) => d.group === group && d.version === version && d.kind === ref.kind);
      return known ? 'absent' : 'present';
    }
    // A namespaced dependent may only be owned by objects in its namespace or by cluster-scoped objects.
    if (owner.namespace !== undefined && owner.namespace !== dep.namespace) return 'absent';
    if (owner.deleting && owner.finalizers.includes('foregroundDeletion')) return 'deleting-foreground';
    return 'present';
  }

  async #process(uid: string): Promise<void> {
    const node = this.#nodes.get(uid);
    if (!node) return;
    const target = this.#defForKey(node.key);
    if (!target) return;
    const { def, namespace, name } = target;

    // 1. An owner being deleted with orphan: strip references from dependents, then drop the finalizer.
    if (node.deleting && node.finalizers.includes('orphan')) {
      for (const depUid of [...(this.#dependents.get(uid) ?? [])]) {
        const dep = this.#nodes.get(depUid);
        const depTarget = dep && this.#defForKey(dep.key);
        if (!depTarget) continue;
        await this.#registry.mutate(
          depTarget.def,
          depTarget.namespace,
          depTarget.name,
          (obj) => {
            const refs = obj.metadata?.ownerReferences ?? [];
            const kept = refs.filter((r) => r.uid !== uid);
            if (kept.length === refs.length) return false;
            if (kept.length === 0) delete obj.metadata!.ownerReferences;
            else obj.metadata!.ownerReferences = kept;
            return true;
          },
          MANAGER,
        );
      }
      await this.#dropFinalizer(def, namespace, name, 'orphan');
      return;
    }

    // 2. An owner being deleted in the foreground: delete dependents; release once no blocker remains.
    if (node.deleting && node.finalizers.includes('foregroundDeletion')) {
      const deps = [...(this.#dependents.get(uid) ?? [])]
        .map((d) => this.#nodes.get(d))
        .filter((d): d is Node => !!d);
      let blocking = 0;
      for (const dep of deps) {
        const ref = dep.owners.find((r) => r.uid === uid);
        if (ref?.blockOwnerDeletion) blocking++;
        if (dep.deleting) continue;
        const depTarget = this.#defForKey(dep.key);
        if (!depTarget) continue;
        const hasOwnDependents = (this.#dependents.get(dep.uid)?.size ?? 0) > 0;
        await this.#deleteIfPresent(
          depTarget.def,
          depTarget.namespace,
          depTarget.name,
          dep.uid,
          hasOwnDependents ? 'Foreground' : 'Background',
        );
      }
      if (blocking === 0) await this.#dropFinalizer(def, namespace, name, 'foregroundDeletion');
      return;
    }

    // 3. A dependent: delete it when every owner is gone (or deleting in the foreground).
    if (node.owners.length === 0 || node.deleting) return;
    const states = node.owners.map((ref) => this.#ownerState(node, ref));
    if (states.some((s) => s === 'present')) return;
    const waitingOwners = states.some((s) => s === 'deleting-foreground');
    const hasOwnDependents = (this.#dependents.get(uid)?.size ?? 0) > 0;
    await this.#deleteIfPresent(
      def,
      namespace,
      name,
      uid,
      waitingOwners && hasOwnDependents ? 'Foreground' : 'Background',
    );
  }

  async #deleteIfPresent(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    uid: string,
    policy: 'Foreground' | 'Background',
  ): Promise<void> {
    try {
      await this.#registry.delete(
        def,
        namespace,
        name,
        { propagationPolicy: policy, preconditions: { uid } },
        internalScope(MANAGER),
      );
    } catch (err) {
      if (isStatusError(err) && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }

  async #dropFinalizer(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    finalizer: string,
  ): Promise<void> {
    await this.#registry.mutate(
      def,
      namespace,
      name,
      (obj) => {
        const fins = obj.metadata?.finalizers ?? [];
        if (!fins.includes(finalizer)) return false;
        obj.metadata!.finalizers = fins.filter((f) => f !== finalizer);
        return true;
      },
      MANAGER,
    );
  }
}
