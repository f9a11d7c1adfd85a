import { isStatusError } from '../../../../../apiserver/errors/status-error.js';
import { type GenericRegistry, internalScope } from '../../../../../apiserver/registry/generic-registry.js';
import type { StoredKV, StoreEvent } from '../../../../../apiserver/registry/object-store.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type {
  KubeObject,
  ResourceDefinition,
} from '../../../../../apiserver/registry/resource-definition.js';
import { deepEqual } from '../../../../../apiserver/util/deep-equal.js';
import { controllerOf, parseObject, POD_PREFIX } from './pod-helpers.js';
import { QueuedStoreController, servedDefinitions, writeUnlessStale } from './workload-controller.js';

/** Upstream's workload controllers write as kube-controller-manager. */
const MANAGER = 'kube-controller-manager';

/** The pod template of an owner's spec, as far as pod creation reads it. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}

export interface PodOwnerControllerOptions {
  /** The controller's name, for errors. */
  controller: string;
  /** The apps/v1 kind owning the pods, as their controller reference names it. */
  kind: string;
  /** The plural of that kind. */
  plural: string;
  /** Delay before retrying a write that failed on the server side (default 1000 ms). */
  retryDelayMs?: number | undefined;
}

/**
 * What kube-controller-manager's controllers of apps/v1 pod owners (DaemonSet, Deployment) share: the queue's
 * keys are owners (`namespace/name`); an owner's change enqueues it, and so does a change of a pod it
 * controls. A sync of an owner that is not being deleted goes to `syncOwner`, which creates pods from the
 * owner's template with a controller reference to it, deletes pods and writes the owner's status.
 */
export abstract class PodOwnerController extends QueuedStoreController {
  protected readonly podDef: ResourceDefinition;
  protected readonly ownerDef: ResourceDefinition;
  readonly #kind: string;
  readonly #prefix: string;

  protected constructor(
    registry: GenericRegistry,
    catalog: ResourceCatalog,
    options: PodOwnerControllerOptions,
  ) {
    const [podDef, ownerDef] = servedDefinitions(
      catalog,
      options.controller,
      ['', 'v1', 'pods'],
      ['apps', 'v1', options.plural],
    );
    const prefix = `/registry/apps/${options.plural}/`;
    // The snapshot is of owners only; events cover pods (and nodes) too.
    super(registry, {
      snapshotPrefix: prefix,
      watchPrefix: '/registry/',
      retryDelayMs: options.retryDelayMs,
    });
    this.podDef = podDef;
    this.ownerDef = ownerDef;
    this.#kind = options.kind;
    this.#prefix = prefix;
  }

  protected override onSnapshot(kvs: StoredKV[]): void {
    this.#enqueueOwners(kvs);
  }

  protected override onEvent(e: StoreEvent): void {
    const key = e.kv.key;
    if (key.startsWith(this.#prefix)) {
      this.queue.add(key.slice(this.#prefix.length));
      return;
    }
    if (!key.startsWith(POD_PREFIX)) return;
    const value = e.type === 'PUT' ? e.kv.value : e.prevKv?.value;
    // Only pods whose text names the kind can be controlled by an owner: most pods are never decoded.
    if (!value?.includes(`"kind":"${this.#kind}"`)) return;
    const pod = parseObject(value);
    const ref = pod ? controllerOf(pod) : undefined;
    if (ref?.kind === this.#kind && ref.apiVersion === 'apps/v1')
      this.queue.add(`${pod!.metadata?.namespace ?? ''}/${ref.name}`);
  }

  /** Enqueues every owner, for a change (of a Node, say) that may concern any of them. */
  protected enqueueAllOwners(): void {
    this.#enqueueOwners(this.registry.store.range(this.#prefix).kvs);
  }

  #enqueueOwners(kvs: StoredKV[]): void {
    for (const kv of kvs) this.queue.add(kv.key.slice(this.#prefix.length));
  }

  protected override async sync(key: string): Promise<void> {
    const kv = this.registry.store.get(this.#prefix + key);
    if (!kv) return;
    const owner = this.registry.decode(this.ownerDef, kv);
    const meta = owner.metadata ?? {};
    // An owner being deleted leaves its pods to garbage collection.
    if (meta.deletionTimestamp || !meta.uid || !meta.namespace) return;
    await this.syncOwner(key, owner);
  }

  /** Reconciles an owner that has a uid and a namespace and is not being deleted. */
  protected abstract syncOwner(key: string, owner: KubeObject): Promise<void>;

  /** Pods whose controller is `owner`, read from the store. */
  protected ownedPods(owner: KubeObject): KubeObject[] {
    const uid = owner.metadata!.uid!;
    const pods: KubeObject[] = [];
    for (const kv of this.registry.store.range(`${POD_PREFIX}${owner.metadata!.namespace!}/`).kvs) {
      // The uid appears in the text of every pod it controls; most others are never decoded.
      if (!kv.value.includes(uid)) continue;
      const pod = parseObject(kv.value);
      if (pod && controllerOf(pod)?.uid === uid) pods.push(pod);
    }
    return pods;
  }

  /**
   * `controller.GetPodFromTemplate`: a pod with the template's labels (plus `labels`) and annotations and a
   * controller reference to `owner`. False when creating more pods in this sync is pointless.
   */
  protected async createPod(
    key: string,
    owner: KubeObject,
    template: PodTemplate,
    pod: { generateName: string; labels: Record<string, string>; spec: unknown },
  ): Promise<boolean> {
    const meta = owner.metadata!;
    const created: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: pod.generateName,
        namespace: meta.namespace!,
        labels: { ...(template.metadata?.labels ?? {}), ...pod.labels },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: this.#kind,
            name: meta.name!,
            uid: meta.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: pod.spec,
    };
    try {
      await this.registry.create(this.podDef, meta.namespace, created, internalScope(MANAGER));
      return true;
    } catch (err) {
      // A generated name that was taken: no event will come, so try again later.
      if (isStatusError(err) && err.code === 409) this.queue.retryLater(key);
      else if (!isStatusError(err) || err.code >= 500) throw err;
      // Anything else (a terminating namespace, an invalid template) waits for the owner to change.
      return false;
    }
  }

  /** Deletes a pod gracefully, unless it was replaced by another of the same name since it was read. */
  protected async deletePod(pod: KubeObject): Promise<void> {
    const meta = pod.metadata ?? {};
    await writeUnlessStale(() =>
      this.registry.delete(
        this.podDef,
        meta.namespace,
        meta.name ?? '',
        meta.uid ? { preconditions: { uid: meta.uid } } : {},
        internalScope(MANAGER),
      ),
    );
  }

  /** Writes the owner's status subresource unless it already is `status`. */
  protected async updateStatus(owner: KubeObject, status: Record<string, unknown>): Promise<void> {
    if (deepEqual(status, owner.status ?? {})) return;
    const meta = owner.metadata!;
    await writeUnlessStale(() =>
      this.registry.update(
        this.ownerDef,
        meta.namespace,
        meta.name!,
        { ...owner, status },
        internalScope(MANAGER),
        'status',
      ),
    );
  }
}
