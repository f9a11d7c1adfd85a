import { isStatusError, StatusError } from '../errors/status-error.js';
import { type GenericRegistry, internalScope } from '../registry/generic-registry.js';
import type { StoreWatch } from '../registry/object-store.js';
import type { AdmissionPlugin } from '../registry/ports.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { formatTime } from '../util/time.js';
import { type CrdResourceOptions, type CrdSpec, crdResourceDefinitions } from './crd-resources.js';

export const CRD_PREFIX = '/registry/apiextensions.k8s.io/customresourcedefinitions/';
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const MANAGER = 'apiextensions-controller';

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/**
 * What apiextensions-apiserver's controllers do: accept names, establish CRDs (serving their resources in
 * discovery, OpenAPI and the REST paths at once), record stored versions, and on deletion remove every
 * custom resource before releasing the CRD's cleanup finalizer.
 */
export class CrdController {
  #registry: GenericRegistry;
  #catalog: ResourceCatalog;
  #crdDef: ResourceDefinition;
  #options: CrdResourceOptions;
  #watch: StoreWatch | undefined;
  #served = new Map<string, { group: string; plural: string }>(); // CRD name -> served group/resource
  #terminating = new Set<string>(); // "<group>/<plural>"
  #queue = new Map<string, KubeObject | undefined>();
  #busy = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    registry: GenericRegistry,
    catalog: ResourceCatalog,
    crdDef: ResourceDefinition,
    options: CrdResourceOptions,
  ) {
    this.#registry = registry;
    this.#catalog = catalog;
    this.#crdDef = crdDef;
    this.#options = options;
  }

  /** Refuses new custom resources while their CRD is being deleted (405, as upstream). */
  readonly admission: AdmissionPlugin = {
    name: 'CustomResourceDefinitionTerminating',
    mutate: (ctx) => {
      if (ctx.operation === 'CREATE' && this.#terminating.has(`${ctx.def.group}/${ctx.def.plural}`))
        throw new StatusError(
          405,
          'MethodNotAllowed',
          'create not allowed while custom resource definition is terminating',
        );
    },
  };

  /** Serves every stored CRD synchronously (start-up), then follows changes. */
  start(): void {
    const snapshot = this.#registry.store.range(CRD_PREFIX);
    for (const kv of snapshot.kvs) this.#serve(JSON.parse(kv.value) as KubeObject);
    for (const kv of snapshot.kvs) this.#enqueue(kv.key, JSON.parse(kv.value) as KubeObject);
    this.#watch = this.#registry.store.watch(
      CRD_PREFIX,
      snapshot.revision,
      (e) =>
        this.#enqueue(e.kv.key, e.type === 'DELETE' ? undefined : (JSON.parse(e.kv.value) as KubeObject)),
      () => undefined,
    );
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.cancel();
    if (this.#timer) clearTimeout(this.#timer);
  }

  #enqueue(key: string, obj: KubeObject | undefined): void {
    const name = key.slice(CRD_PREFIX.length);
    this.#queue.set(name, obj);
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#drain();
    }, delay);
  }

  async #drain(): Promise<void> {
    if (this.#busy) return this.#schedule(50);
    this.#busy = true;
    let retry = false;
    try {
      for (const [name, obj] of [...this.#queue]) {
        this.#queue.delete(name);
        try {
          const again = await this.#reconcile(name, obj);
          if (again && !this.#queue.has(name)) {
            this.#queue.set(name, this.#registry.tryGet(this.#crdDef, undefined, name));
            retry = true;
          }
        } catch (err) {
          if (!(isStatusError(err) && err.code === 404)) {
            this.#queue.set(name, this.#registry.tryGet(this.#crdDef, undefined, name));
            retry = true;
          }
        }
      }
    } finally {
      this.#busy = false;
    }
    if (retry) this.#schedule(250);
  }

  /** Puts a CRD's versions into the catalog if its names are acceptable; returns the conflict, if any. */
  #serve(crd: KubeObject): string | undefined {
    const name = crd.metadata?.name ?? '';
    const spec = crd.spec as CrdSpec | undefined;
    if (!spec?.names?.plural) return 'spec.names.plural is missing';
    const conflict = this.#catalog
      .all()
      .find((d) => d.group === spec.group && d.plural !== spec.names.plural && d.kind === spec.names.kind);
    if (conflict) return `"${spec.names.kind}" is already in use`;
    const defs = crdResourceDefinitions(spec, this.#options);
    this.#catalog.replaceGroupResource(spec.group, spec.names.plural, defs);
    this.#served.set(name, { group: spec.group, plural: spec.names.plural });
    return undefined;
  }

  async #reconcile(name: string, crd: KubeObject | undefined): Promise<boolean> {
    if (!crd) {
      const served = this.#served.get(name);
      if (served) {
        this.#catalog.replaceGroupResource(served.group, served.plural, []);
        this.#served.delete(name);
        this.#terminating.delete(`${served.group}/${served.plural}`);
      }
      return false;
    }
    const spec = crd.spec as CrdSpec;
    if (crd.metadata?.deletionTimestamp) return this.#cleanup(name, crd, spec);

    const conflict = this.#serve(crd);
    const storage = spec.versions.find((v) => v.storage)?.name;
    await this.#registry.mutate(
      this.#crdDef,
      undefined,
      name,
      (obj) => {
        const status = (obj.status ??= {}) as {
          conditions?: Condition[];
          acceptedNames?: unknown;
          storedVersions?: string[];
        };
        const before = JSON.stringify(status);
        if (conflict) {
          setCondition(status, {
            type: 'NamesAccepted',
            status: 'False',
            reason: 'KindConflict',
            message: conflict,
          });
          setCondition(status, {
            type: 'Established',
            status: 'False',
            reason: 'NotAccepted',
            message: 'not all names are accepted',
          });
        } else {
          status.acceptedNames = {
            plural: spec.names.plural,
            singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
            kind: spec.names.kind,
            listKind: spec.names.listKind ?? `${spec.names.kind}List`,
            ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
            ...(spec.names.categories ? { categories: spec.names.categories } : {}),
          };
          setCondition(status, {
            type: 'NamesAccepted',
            status: 'True',
            reason: 'NoConflicts',
            message: 'no conflicts found',
          });
          setCondition(status, {
            type: 'Established',
            status: 'True',
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
          });
          const stored = new Set(status.storedVersions ?? []);
          if (storage) stored.add(storage);
          status.storedVersions = [...stored];
        }
        return JSON.stringify(status) !== before;
      },
      MANAGER,
    );
    return false;
  }

  /** Deletes every custom resource of a terminating CRD, then releases it. True while work remains. */
  async #cleanup(name: string, crd: KubeObject, spec: CrdSpec): Promise<boolean> {
    const id = `${spec.group}/${spec.names.plural}`;
    this.#terminating.add(id);
    await this.#registry.mutate(
      this.#crdDef,
      undefined,
      name,
      (obj) => {
        const status = (obj.status ??= {}) as { conditions?: Condition[] };
        const before = JSON.stringify(status);
        setCondition(status, {
          type: 'Terminating',
          status: 'True',
          reason: 'InstanceDeletionInProgress',
          message: 'CustomResource deletion is in progress',
        });
        return JSON.stringify(status) !== before;
      },
      MANAGER,
    );
    const def = this.#catalog.all().find((d) => d.group === spec.group && d.plural === spec.names.plural);
    if (def) {
      const list = await this.#registry.list(def, { namespace: undefined });
      for (const item of list.items) {
        if (item.metadata?.deletionTimestamp) continue;
        try {
          await this.#registry.delete(
            def,
            item.metadata?.namespace,
            item.metadata!.name!,
            { propagationPolicy: 'Background' },
            internalScope(MANAGER),
          );
        } catch (err) {
          if (!isStatusError(err) || (err.code !== 404 && err.code !== 409)) throw err;
        }
      }
      if (list.items.length > 0) return true;
    }
    if ((crd.metadata?.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
      await this.#registry.mutate(
        this.#crdDef,
        undefined,
        name,
        (obj) => {
          obj.metadata!.finalizers = (obj.metadata!.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
          return true;
        },
        MANAGER,
      );
    }
    return false;
  }
}

function setCondition(status: { conditions?: Condition[] }, c: Condition): void {
  const list = (status.conditions ??= []);
  const existing = list.find((x) => x.type === c.type);
  if (!existing) {
    list.push({ ...c, lastTransitionTime: formatTime(new Date()) });
    return;
  }
  if (existing.status !== c.status) existing.lastTransitionTime = formatTime(new Date());
  existing.status = c.status;
  existing.reason = c.reason;
  existing.message = c.message;
}
