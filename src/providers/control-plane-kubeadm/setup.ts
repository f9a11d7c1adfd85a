import type { Controller } from '../../controller-runtime/controller/controller.js';
import type { Manager } from '../../controller-runtime/manager/manager.js';
import { kubeadmControlPlaneMetricsFor } from './metrics.js';
import { KubeadmControlPlaneType } from './reconcilers/kubeadm-control-plane-scope.js';
import {
  type KubeadmControlPlaneControllerOptions,
  setupKubeadmControlPlaneController,
} from './reconcilers/setup.js';

export type {
  KcpWorkloadClusters,
  WorkloadClusterKey,
  WorkloadConnectionHealth,
} from './reconcilers/workload-clusters.js';

export type KubeadmControlPlaneProviderOptions = KubeadmControlPlaneControllerOptions;

export interface KubeadmControlPlaneProvider {
  kubeadmControlPlaneController: Controller;
}

/**
 * Wires the kubeadm control plane provider into a manager: the KubeadmControlPlane controller, reaching
 * workload clusters (Nodes, static Pods, etcd through `pods/portforward`) through `options.workloadClusters`
 * (core's ClusterCache in the composition roots).
 */
export function setupKubeadmControlPlaneProvider(
  manager: Manager,
  options: KubeadmControlPlaneProviderOptions,
): KubeadmControlPlaneProvider {
  const kubeadmControlPlaneController = setupKubeadmControlPlaneController(manager, options);
  // The state metrics read the controller's own informer (taken after the controller made it), so a scrape
  // starts no informer and makes no API call.
  const informer = manager.cache.getInformer(KubeadmControlPlaneType);
  (options.metrics ?? kubeadmControlPlaneMetricsFor(manager.registry)).readObjectsFrom(() =>
    informer.store.values(),
  );
  return { kubeadmControlPlaneController };
}
