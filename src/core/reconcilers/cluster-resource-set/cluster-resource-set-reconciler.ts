import type { Logger } from 'pino';
import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../../controller-runtime/client/errors.js';
import { setCondition } from '../../../controller-runtime/conditions/index.js';
import type {
  ReconcileContext,
  Reconciler,
  Request,
  Result,
} from '../../../controller-runtime/controller/reconciler.js';
import {
  addFinalizer,
  hasFinalizer,
  removeFinalizer,
} from '../../../controller-runtime/helpers/finalizers.js';
import {
  removeOwnerReference,
  setOwnerReference,
} from '../../../controller-runtime/helpers/owner-references.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import type { ClusterResourceSetBinding } from '../../api/addons/v1beta2/cluster-resource-set-binding-types.js';
import type { ClusterResourceSet, ResourceRef } from '../../api/addons/v1beta2/cluster-resource-set-types.js';
import { API_VERSION as ADDONS_API_VERSION } from '../../api/addons/v1beta2/group.js';
import {
  ClusterResourceSetConditionType,
  ClusterResourceSetFinalizer,
  ClusterResourceSetResourceKind,
  ClusterResourceSetResourcesAppliedReason as Reason,
  ClusterResourceSetSecretType,
  ClusterResourceSetStrategy,
} from '../../api/addons/v1beta2/well-known.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { errorText } from '../../cluster-cache/cluster-connection.js';
import { isClusterNotConnected } from '../../cluster-cache/errors.js';
import { isPaused, setPausedCondition } from '../../contract/paused.js';
import { isSelectorError, labelSelectorAsSelector } from '../../webhooks/util/label-selector.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { ClusterType } from '../cluster/cluster-reconciler.js';
import type { ClusterRef } from '../machine/workload-access.js';
import { bindingEntry, removeBindingEntry, resourceEntry, setResourceEntry } from './binding.js';
import { setSelectsCluster } from './selection.js';
import {
  contentHash,
  manifestObjects,
  normalizedData,
  type ResourceContent,
  ResourceContentError,
} from './resource-manifests.js';

export const ClusterResourceSetType: TypeRef = { apiVersion: ADDONS_API_VERSION, kind: 'ClusterResourceSet' };
export const ClusterResourceSetBindingType: TypeRef = {
  apiVersion: ADDONS_API_VERSION,
  kind: 'ClusterResourceSetBinding',
};
export const SecretType: TypeRef = { apiVersion: 'v1', kind: 'Secret' };
export const ConfigMapType: TypeRef = { apiVersion: 'v1', kind: 'ConfigMap' };
const ServiceType: TypeRef = { apiVersion: 'v1', kind: 'Service' };

const OWNED_CONDITIONS = [
  ClusterResourceSetConditionType.Paused,
  ClusterResourceSetConditionType.ResourcesApplied,
];

/** Upstream requeues binding conflicts (several sets writing one binding) at a fixed short interval. */
const BINDING_CONFLICT_REQUEUE_MS = 100;
/** A cluster not connected yet is looked at again when it connects, and at the latest after this. */
const NOT_CONNECTED_REQUEUE_MS = 60_000;

/** What the controller needs of the cluster cache: a client that always asks the workload API server. */
export interface ResourceSetWorkloadAccess {
  getUncachedClient(cluster: ClusterRef): Client;
}

export interface ClusterResourceSetReconcilerOptions {
  /** The manager's client: ClusterResourceSets, Clusters and bindings from the cache. */
  client: Client;
  /** Uncached: the Secrets and ConfigMaps named as resources (managers do not cache Secrets). */
  apiClient: Client;
  workload: ResourceSetWorkloadAccess;
  now?: () => Date;
}

type Crs = Stored<ClusterResourceSet>;
type Binding = Stored<ClusterResourceSetBinding>;
type Resource = KubeObject & ResourceContent & { type?: string };

/** Why the set is not (fully) applied to one cluster; `retry` asks for the error backoff. */
interface Failure {
  reason: string;
  message: string;
  error?: unknown;
  retry?: 'backoff' | 'conflict' | 'connection';
}

const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A resource's manifests, parsed once per reconcile for every cluster: objects and hash, or why not. */
type Content = { hash: string; objects: KubeObject[] } | ResourceContentError;

/** The set's resources, read (and owned by the set) once per reconcile; `blocked` stops every cluster. */
interface ReadResources {
  contents: (Content | undefined)[];
  failures: Failure[];
  blocked: boolean;
}

/**
 * ClusterResourceSet (upstream `internal/controllers/clusterresourceset`): applies the manifests held in the
 * named Secrets and ConfigMaps to every Cluster of the namespace its selector matches, and records in the
 * Cluster's ClusterResourceSetBinding what was applied, with the content's hash. `ApplyOnce` applies each
 * resource once per cluster; `Reconcile` applies again when the content changed. Applied objects are never
 * deleted, also not when the set is. `ResourcesApplied` sums up every selected cluster, naming those that
 * failed.
 */
export class ClusterResourceSetReconciler implements Reconciler {
  readonly #o: ClusterResourceSetReconcilerOptions;
  readonly #now: () => Date;

  constructor(options: ClusterResourceSetReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    let crs: Crs;
    try {
      crs = await this.#o.client.get<Crs>(ClusterResourceSetType, request);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    let completed = false;
    return withPatch(
      this.#o.client,
      crs,
      OWNED_CONDITIONS,
      async () => {
        const deleting = !!crs.metadata.deletionTimestamp;
        if (deleting && !hasFinalizer(crs, ClusterResourceSetFinalizer)) return undefined;
        if (!deleting) addFinalizer(crs, ClusterResourceSetFinalizer);
        // Only the set's own annotation pauses it: it belongs to no single Cluster.
        if (setPausedCondition(crs, isPaused(undefined, crs))) return undefined;
        if (deleting) {
          await this.#reconcileDelete(crs);
          removeFinalizer(crs, ClusterResourceSetFinalizer);
          return undefined;
        }
        const result = await this.#reconcileNormal(crs, log);
        completed = true;
        return result;
      },
      (error) => {
        if (!error && completed && crs.metadata.generation !== undefined)
          (crs.status ??= {}).observedGeneration = crs.metadata.generation;
      },
    );
  }

  async #reconcileNormal(crs: Crs, log: Logger): Promise<Result | undefined> {
    let clusters: Stored<Cluster>[];
    try {
      clusters = await this.#selectedClusters(crs);
    } catch (err) {
      this.#setApplied(crs, [
        { reason: Reason.InternalError, message: `Cannot select Clusters: ${errorText(err)}` },
      ]);
      throw err;
    }
    if (clusters.length === 0) return undefined;
    // The resources first, each given the set as an owner (so they move with it), before any cluster is even
    // reachable, as upstream; a missing one is skipped (its creation brings the set back), anything else stops.
    const read = await this.#readResources(crs);
    const failures = [...read.failures];
    if (!read.blocked)
      for (const cluster of clusters) failures.push(...(await this.#applyTo(crs, cluster, read, log)));
    this.#setApplied(crs, failures);
    // The error backoff for what may pass by itself; the condition already names every failure.
    const retried = failures.find((f) => f.retry === 'backoff');
    if (retried) throw retried.error instanceof Error ? retried.error : new Error(retried.message);
    if (failures.some((f) => f.retry === 'conflict')) return { requeueAfterMs: BINDING_CONFLICT_REQUEUE_MS };
    if (failures.some((f) => f.retry === 'connection')) return { requeueAfterMs: NOT_CONNECTED_REQUEUE_MS };
    return undefined;
  }

  /** `ResourcesApplied`: True when every selected cluster has every resource, else the first reason and all messages. */
  #setApplied(crs: Crs, failures: readonly Failure[]): void {
    if (failures.length === 0) {
      setCondition(crs, {
        type: ClusterResourceSetConditionType.ResourcesApplied,
        status: 'True',
        reason: Reason.Applied,
      });
      return;
    }
    const messages = [...new Set(failures.map((f) => f.message))];
    const shown = messages.slice(0, 5);
    if (messages.length > shown.length) shown.push(`... and ${messages.length - shown.length} more`);
    setCondition(crs, {
      type: ClusterResourceSetConditionType.ResourcesApplied,
      status: 'False',
      reason: failures[0]!.reason,
      message: shown.join('; '),
    });
  }

  /** Clusters of the set's namespace its selector matches, except those being deleted; an empty selector matches none. */
  async #selectedClusters(crs: Crs): Promise<Stored<Cluster>[]> {
    const selector = labelSelectorAsSelector(crs.spec.clusterSelector);
    if (isSelectorError(selector)) throw new Error(`spec.clusterSelector: ${selector.error}`);
    if (selector.empty) return [];
    const list = await this.#o.client.list<Stored<Cluster>>(ClusterType, {
      namespace: crs.metadata.namespace,
    });
    return list.items
      .filter((c) => setSelectsCluster(crs, c))
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  }

  /** Reads every resource of the set and parses its manifests. */
  async #readResources(crs: Crs): Promise<ReadResources> {
    const out: ReadResources = { contents: [], failures: [], blocked: false };
    for (const ref of crs.spec.resources) {
      const read = await this.#readResource(crs, ref, crs.metadata.namespace ?? '');
      if ('failure' in read) {
        out.failures.push(read.failure);
        if (!read.missing) out.blocked = true;
        out.contents.push(undefined);
        continue;
      }
      try {
        const parts = normalizedData(read.resource);
        out.contents.push({
          hash: contentHash(parts),
          objects: manifestObjects(parts, `${ref.kind} ${ref.name}`),
        });
      } catch (err) {
        if (!(err instanceof ResourceContentError)) throw err;
        out.contents.push(err);
      }
    }
    return out;
  }

  /** Applies the set to one cluster; returns what went wrong (nothing when all is applied). */
  async #applyTo(crs: Crs, cluster: Stored<Cluster>, read: ReadResources, log: Logger): Promise<Failure[]> {
    const clusterName = cluster.metadata.name ?? '';
    const namespace = cluster.metadata.namespace ?? '';
    const failures: Failure[] = [];
    let binding: Binding;
    try {
      binding = await this.#bindingFor(crs, cluster);
    } catch (err) {
      return [
        ...failures,
        this.#writeFailure(err, `Cannot create the ClusterResourceSetBinding ${namespace}/${clusterName}`),
      ];
    }
    const before = JSON.stringify({ spec: binding.spec, owners: binding.metadata.ownerReferences });
    setOwnerReference(crs, binding);
    const entry = bindingEntry(binding, crs.metadata.name ?? '');

    try {
      const remote = this.#o.workload.getUncachedClient({ namespace, name: clusterName });
      // kube-apiserver creates its Service first; applying before it exists could take its address (upstream).
      await remote.get(ServiceType, { namespace: 'default', name: 'kubernetes' });
      const strategy = crs.spec.strategy ?? ClusterResourceSetStrategy.ApplyOnce;
      for (const [i, ref] of crs.spec.resources.entries()) {
        const content = read.contents[i];
        if (!content) continue;
        const failure = await this.#applyResource({ ref, content, entry, strategy, remote, log });
        if (failure) failures.push({ ...failure, message: `Cluster ${clusterName}: ${failure.message}` });
      }
    } catch (err) {
      failures.push(
        isClusterNotConnected(err)
          ? {
              reason: Reason.InternalError,
              message: `Cluster ${clusterName} is not reachable yet (its control plane is not initialized or does not answer)`,
              retry: 'connection',
            }
          : {
              reason: Reason.InternalError,
              message: `Cluster ${clusterName}: ${errorText(err)}`,
              error: err,
              retry: 'backoff',
            },
      );
    }
    if (JSON.stringify({ spec: binding.spec, owners: binding.metadata.ownerReferences }) !== before) {
      try {
        await this.#o.client.update(binding);
      } catch (err) {
        failures.push(
          this.#writeFailure(err, `Cannot update the ClusterResourceSetBinding ${namespace}/${clusterName}`),
        );
      }
    }
    return failures;
  }

  #writeFailure(err: unknown, what: string): Failure {
    return {
      reason: Reason.InternalError,
      message: `${what}: ${errorText(err)}`,
      error: err,
      retry: isConflict(err) ? 'conflict' : 'backoff',
    };
  }

  /** The resource, read from the API server and owned by the set; or why it cannot be used. */
  async #readResource(
    crs: Crs,
    ref: ResourceRef,
    namespace: string,
  ): Promise<{ resource: Resource } | { failure: Failure; missing?: boolean }> {
    const type = ref.kind === ClusterResourceSetResourceKind.Secret ? SecretType : ConfigMapType;
    let resource: Resource;
    try {
      resource = await this.#o.apiClient.get<Resource>(type, { namespace, name: ref.name });
    } catch (err) {
      return isNotFound(err)
        ? {
            failure: {
              reason: Reason.InternalError,
              message: `${ref.kind} ${namespace}/${ref.name} not found`,
            },
            missing: true,
          }
        : {
            failure: {
              reason: Reason.InternalError,
              message: `Cannot read ${ref.kind} ${namespace}/${ref.name}: ${errorText(err)}`,
              error: err,
              retry: 'backoff',
            },
          };
    }
    if (
      ref.kind === ClusterResourceSetResourceKind.Secret &&
      resource.type !== ClusterResourceSetSecretType
    ) {
      return {
        failure: {
          reason: Reason.WrongSecretType,
          message:
            `Secret type of resource ${ref.name} is not supported: it is "${resource.type ?? 'Opaque'}", ` +
            `a ClusterResourceSet applies only Secrets of type ${ClusterResourceSetSecretType}`,
        },
      };
    }
    if (setOwnerReference(crs, resource)) {
      try {
        await this.#o.apiClient.patch(resource, {
          type: 'merge',
          data: {
            metadata: {
              ownerReferences: resource.metadata.ownerReferences,
              resourceVersion: resource.metadata.resourceVersion,
            },
          },
        });
      } catch (err) {
        return {
          failure: {
            reason: Reason.InternalError,
            message: `Cannot make the ClusterResourceSet an owner of ${ref.kind} ${namespace}/${ref.name}: ${errorText(err)}`,
            error: err,
            retry: isConflict(err) ? 'conflict' : 'backoff',
          },
        };
      }
    }
    return { resource };
  }

  /** The Cluster's binding (named after it), created with the set as its owner when missing. */
  async #bindingFor(crs: Crs, cluster: Stored<Cluster>): Promise<Binding> {
    const key = { namespace: cluster.metadata.namespace, name: cluster.metadata.name ?? '' };
    try {
      return await this.#o.client.get<Binding>(ClusterResourceSetBindingType, key);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const binding = {
      ...ClusterResourceSetBindingType,
      metadata: { name: key.name, namespace: key.namespace },
      spec: { clusterName: key.name },
    } as Binding;
    setOwnerReference(crs, binding);
    try {
      return await this.#o.client.create(binding);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return await this.#o.apiClient.get<Binding>(ClusterResourceSetBindingType, key);
    }
  }

  /** Applies one resource when its strategy says so, and records the outcome in the binding entry. */
  async #applyResource(input: {
    ref: ResourceRef;
    content: Content;
    entry: ReturnType<typeof bindingEntry>;
    strategy: string;
    remote: Client;
    log: Logger;
  }): Promise<Failure | undefined> {
    const { ref, content, entry, strategy, remote, log } = input;
    const recorded = resourceEntry(entry, ref);
    const now = rfc3339(this.#now());
    if (content instanceof ResourceContentError) {
      setResourceEntry(entry, { kind: ref.kind, name: ref.name, applied: false, lastAppliedTime: now });
      return { reason: Reason.NotApplied, message: content.message };
    }
    const { hash, objects } = content;
    const needsApply =
      strategy === ClusterResourceSetStrategy.Reconcile
        ? !recorded?.applied || recorded.hash !== hash
        : !recorded?.applied;
    if (!needsApply) return undefined;

    const errors: string[] = [];
    let firstError: unknown;
    for (const obj of objects) {
      try {
        if (strategy === ClusterResourceSetStrategy.Reconcile) await applyOrUpdate(remote, obj);
        else await createUnlessExists(remote, obj);
      } catch (err) {
        firstError ??= err;
        errors.push(`${obj.kind} ${describeObject(obj)}: ${errorText(err)}`);
      }
    }
    setResourceEntry(entry, {
      kind: ref.kind,
      name: ref.name,
      applied: errors.length === 0,
      hash,
      lastAppliedTime: now,
    });
    if (errors.length === 0) {
      log.info({ resource: `${ref.kind}/${ref.name}`, objects: objects.length }, 'applied resource');
      return undefined;
    }
    return {
      reason: Reason.NotApplied,
      message: `Failed to apply ${ref.kind} ${ref.name}: ${errors.join('; ')}`,
      error: firstError,
      retry: 'backoff',
    };
  }

  /**
   * Deletion: the set leaves every binding of its namespace (and its owner reference there); a binding left
   * with no set is deleted. What was applied stays in the workload clusters.
   */
  async #reconcileDelete(crs: Crs): Promise<void> {
    const name = crs.metadata.name ?? '';
    const bindings = await this.#o.client.list<Binding>(ClusterResourceSetBindingType, {
      namespace: crs.metadata.namespace,
    });
    for (const binding of bindings.items) {
      const hadEntry = removeBindingEntry(binding, name);
      const hadOwner = removeOwnerReference(crs, binding);
      if (!hadEntry && !hadOwner) continue;
      try {
        if ((binding.spec.bindings ?? []).length === 0) await this.#o.client.delete(binding);
        else await this.#o.client.update(binding);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

const describeObject = (obj: KubeObject): string =>
  obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? '');

/** ApplyOnce: create; an object that already exists is left as it is. */
async function createUnlessExists(remote: Client, obj: KubeObject): Promise<void> {
  try {
    await remote.create(structuredClone(obj));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Reconcile: create, or replace what is there with the manifest (optimistically locked on the read version). */
async function applyOrUpdate(remote: Client, obj: KubeObject): Promise<void> {
  if (!obj.metadata.name) return createUnlessExists(remote, obj);
  let current: KubeObject;
  try {
    current = await remote.get(
      { apiVersion: obj.apiVersion!, kind: obj.kind! },
      {
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
      },
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await remote.create(structuredClone(obj));
    return;
  }
  const desired = structuredClone(obj);
  await remote.update({
    ...desired,
    metadata: { ...desired.metadata, resourceVersion: current.metadata.resourceVersion },
  });
}
