import { type KubeObject, keyString, type TypeRef } from '../../../controller-runtime/api/object.js';
import { Informer } from '../../../controller-runtime/cache/informer.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import type { ClusterResourceSet } from '../../api/addons/v1beta2/cluster-resource-set-types.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { ClusterType } from '../cluster/cluster-reconciler.js';
import type { ClusterRef } from '../machine/workload-access.js';
import { ClusterResourceSetBindingReconciler } from './cluster-resource-set-binding-reconciler.js';
import {
  ClusterResourceSetBindingType,
  ClusterResourceSetReconciler,
  ClusterResourceSetType,
  ConfigMapType,
  type ResourceSetWorkloadAccess,
  SecretType,
} from './cluster-resource-set-reconciler.js';
import { setSelectsCluster } from './selection.js';

export interface ClusterResourceSetControllerOptions {
  workload: ResourceSetWorkloadAccess & {
    onConnectionChange?(listener: (cluster: ClusterRef, connected: boolean) => void): () => void;
  };
  /** Upstream's --clusterresourceset-concurrency default is 10. */
  maxConcurrentReconciles?: number;
}

type Request = { namespace?: string; name: string };

/**
 * Only what the mapping needs of a Secret or ConfigMap: its name and owners. Their content is read from the API
 * server when a set is reconciled, so the watch never holds Secret data (upstream watches their metadata only).
 */
const metadataOnly = (obj: KubeObject): KubeObject => ({
  apiVersion: obj.apiVersion,
  kind: obj.kind,
  metadata: {
    name: obj.metadata.name,
    namespace: obj.metadata.namespace,
    uid: obj.metadata.uid,
    resourceVersion: obj.metadata.resourceVersion,
    ...(obj.metadata.ownerReferences ? { ownerReferences: obj.metadata.ownerReferences } : {}),
  },
});

/**
 * Registers the ClusterResourceSet controller (sets, the Clusters they select, the Secrets and ConfigMaps they
 * name, and workload clusters that connect) and the ClusterResourceSetBinding controller.
 */
export function setupClusterResourceSetControllers(
  manager: Manager,
  options: ClusterResourceSetControllerOptions,
): { sets: Controller; bindings: Controller } {
  const setsStore = () => manager.cache.getInformer<Stored<ClusterResourceSet>>(ClusterResourceSetType).store;
  const setsSelecting = (cluster: Pick<Stored<Cluster>, 'metadata'>): Request[] => {
    const out: Request[] = [];
    for (const crs of setsStore().values())
      if (setSelectsCluster(crs, cluster))
        out.push({ namespace: crs.metadata.namespace, name: crs.metadata.name ?? '' });
    return out;
  };
  const setsNaming = (resource: KubeObject): Request[] => {
    const out = new Map<string, Request>();
    const namespace = resource.metadata.namespace;
    for (const owner of resource.metadata.ownerReferences ?? [])
      if (
        owner.kind === ClusterResourceSetType.kind &&
        owner.apiVersion.startsWith('addons.cluster.x-k8s.io/')
      )
        out.set(owner.name, { namespace, name: owner.name });
    for (const crs of setsStore().values()) {
      if (crs.metadata.namespace !== namespace) continue;
      if (crs.spec?.resources?.some((r) => r.kind === resource.kind && r.name === resource.metadata.name))
        out.set(crs.metadata.name ?? '', { namespace, name: crs.metadata.name ?? '' });
    }
    return [...out.values()];
  };

  const sets = new ControllerBuilder(manager)
    .named('clusterresourceset')
    .for(ClusterResourceSetType)
    .watches<Stored<Cluster>>(ClusterType, setsSelecting)
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 10 })
    .complete(
      new ClusterResourceSetReconciler({
        client: manager.client,
        apiClient: manager.apiClient,
        workload: options.workload,
      }),
    );

  // Secrets and ConfigMaps, metadata only, on informers of their own (not the manager's cache, whose readers
  // would then get objects without data). Created or changed ones bring back the sets naming or owning them.
  const resourceInformers = [SecretType, ConfigMapType].map(
    (type: TypeRef) =>
      new Informer({ type, client: manager.apiClient, transform: metadataOnly, logger: manager.logger }),
  );
  for (const informer of resourceInformers) {
    const enqueue = (obj: KubeObject): void => {
      for (const r of setsNaming(obj)) sets.queue.add(keyString(r));
    };
    informer.addEventHandler({
      onAdd: (obj) => enqueue(obj),
      onUpdate: (old, obj) => {
        if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) enqueue(obj);
      },
    });
  }
  manager.add({
    name: 'clusterresourceset-resources',
    start: async (signal) => {
      await Promise.all(resourceInformers.map((i) => i.run(signal)));
    },
  });

  // A workload cluster that connects (its control plane came up) gets the sets selecting it at once.
  options.workload.onConnectionChange?.((cluster, connected) => {
    if (!connected) return;
    const stored = manager.cache
      .getInformer<Stored<Cluster>>(ClusterType)
      .store.get(`${cluster.namespace}/${cluster.name}`);
    if (stored) for (const r of setsSelecting(stored)) sets.queue.add(keyString(r));
  });

  const bindings = new ControllerBuilder(manager)
    .named('clusterresourcesetbinding')
    .for(ClusterResourceSetBindingType)
    .watches(ClusterType, (c) => [{ namespace: c.metadata.namespace, name: c.metadata.name ?? '' }])
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 10 })
    .complete(new ClusterResourceSetBindingReconciler({ client: manager.client }));
  return { sets, bindings };
}
