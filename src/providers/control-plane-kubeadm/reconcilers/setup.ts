import { keyString } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import type { Predicate } from '../../../controller-runtime/controller/predicates.js';
import type { Request } from '../../../controller-runtime/controller/reconciler.js';
import { CacheConsistency } from '../../../controller-runtime/helpers/cache-consistency.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import { Annotation } from '../../../core/api/v1beta2/index.js';
import type { ClusterObject } from '../internal/index.js';
import { kubeadmControlPlaneMetricsFor } from '../metrics.js';
import {
  DEFAULT_REMOTE_CONDITIONS_GRACE_PERIOD_MS,
  KubeadmControlPlaneReconciler,
  type KubeadmControlPlaneReconcilerOptions,
} from './kubeadm-control-plane-reconciler.js';
import { ClusterType, KubeadmControlPlaneType, MachineType } from './kubeadm-control-plane-scope.js';
import type { WorkloadClusterKey } from './workload-clusters.js';

export interface KubeadmControlPlaneControllerOptions extends Omit<
  KubeadmControlPlaneReconcilerOptions,
  'client' | 'apiClient' | 'consistency' | 'recorder'
> {
  /** Workers (upstream `--kubeadmcontrolplane-concurrency`, default 100). */
  maxConcurrentReconciles?: number;
}

const paused = (c: ClusterObject): boolean =>
  c.spec?.paused === true || Annotation.Paused in (c.metadata.annotations ?? {});
const infraProvisioned = (c: ClusterObject): boolean =>
  c.status?.initialization?.infrastructureProvisioned === true;
const endpoint = (c: ClusterObject): string =>
  `${c.spec?.controlPlaneEndpoint?.host ?? ''}:${c.spec?.controlPlaneEndpoint?.port ?? ''}`;

/**
 * Cluster updates that matter to its KCP (upstream's ClusterPausedTransitionsOrInfrastructureProvisioned and
 * ClusterTopologyVersionChanged), and the endpoint appearing, which KCP waits for without a requeue.
 */
const clusterChanged: Predicate<ClusterObject> = {
  update: (o, n) =>
    o === n ||
    paused(o) !== paused(n) ||
    infraProvisioned(o) !== infraProvisioned(n) ||
    o.spec?.topology?.version !== n.spec?.topology?.version ||
    endpoint(o) !== endpoint(n),
};

/** The KCP a Cluster names as its control plane. */
function kcpOf(cluster: ClusterObject): Request[] {
  const ref = cluster.spec?.controlPlaneRef;
  if (ref?.kind !== 'KubeadmControlPlane' || !ref.name) return [];
  return [{ namespace: cluster.metadata.namespace, name: ref.name }];
}

/** Registers the KubeadmControlPlane controller with the manager. */
export function setupKubeadmControlPlaneController(
  manager: Manager,
  options: KubeadmControlPlaneControllerOptions,
): Controller {
  const consistency = new CacheConsistency({
    lastSyncedVersion: (type) => manager.cache.getInformer(type).lastSyncResourceVersion,
    cached: (type, namespace, name) =>
      manager.cache.getInformer(type).store.get(keyString({ namespace, name })),
  });
  const { maxConcurrentReconciles, ...reconcilerOptions } = options;
  const controller = new ControllerBuilder(manager)
    .named('kubeadmcontrolplane')
    .for(KubeadmControlPlaneType)
    .owns(MachineType)
    .watches<ClusterObject>(ClusterType, kcpOf, { predicates: [clusterChanged] })
    .withOptions({ maxConcurrentReconciles: maxConcurrentReconciles ?? 100 })
    .complete(
      new KubeadmControlPlaneReconciler({
        ...reconcilerOptions,
        metrics: reconcilerOptions.metrics ?? kubeadmControlPlaneMetricsFor(manager.registry),
        client: manager.client,
        apiClient: manager.apiClient,
        consistency,
        recorder: manager.getEventRecorderFor('kubeadmcontrolplane-controller'),
      }),
    );
  // Workload cluster changes through the cluster cache (upstream's cluster source): a connection coming or
  // going, and probes failing for the remote conditions grace period, bring the Cluster's KCP back.
  const requeue = (cluster: WorkloadClusterKey): void => {
    const obj = manager.cache
      .getInformer<ClusterObject>(ClusterType)
      .store.get(keyString({ namespace: cluster.namespace, name: cluster.name }));
    if (!obj) return;
    for (const r of kcpOf(obj)) controller.queue.add(keyString(r));
  };
  options.workloadClusters.onConnectionChange?.((cluster) => requeue(cluster));
  options.workloadClusters.onProbeFailure?.(
    options.remoteConditionsGracePeriodMs ?? DEFAULT_REMOTE_CONDITIONS_GRACE_PERIOD_MS,
    requeue,
  );
  return controller;
}
