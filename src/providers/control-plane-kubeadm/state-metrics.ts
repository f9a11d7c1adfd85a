import type { Registry } from 'prom-client';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import {
  commonStateMetrics,
  fieldGauge,
  infoMetric,
  path,
  registerObjectStateMetrics,
} from '../../core/util/object-state-metrics.js';

/** The Cluster of a KubeadmControlPlane: its owner reference of kind Cluster (upstream's `[kind=Cluster]`). */
const clusterNameOf = (kcp: KubeObject): string =>
  (kcp.metadata.ownerReferences ?? []).find((r) => r.kind === 'Cluster')?.name ?? '';

/**
 * Upstream's kube-state-metrics configuration for KubeadmControlPlane (`capi_kubeadmcontrolplane_info`,
 * `_spec_replicas`, `_status_replicas*`, `_status_condition`, ...), with its names and labels, from `objects`
 * (the KubeadmControlPlane informer's store) at scrape time.
 */
export function registerKubeadmControlPlaneStateMetrics(
  registry: Registry,
  objects: () => Iterable<KubeObject>,
): void {
  const replicas = (name: string, field: string, what: string) =>
    fieldGauge(name, `The number of ${what} per kubeadmcontrolplane.`, path('status', field), {
      nilIsZero: true,
    });
  registerObjectStateMetrics({
    registry,
    prefix: 'capi_kubeadmcontrolplane',
    objectLabelNames: ['cluster_name', 'name', 'namespace', 'uid'],
    objectLabels: (kcp) => ({
      cluster_name: clusterNameOf(kcp),
      name: kcp.metadata.name ?? '',
      namespace: kcp.metadata.namespace ?? '',
      uid: kcp.metadata.uid ?? '',
    }),
    objects,
    metrics: [
      ...commonStateMetrics('kubeadmcontrolplane'),
      infoMetric('info', 'Information about a kubeadmcontrolplane.', { version: path('spec', 'version') }),
      fieldGauge(
        'spec_replicas',
        'The number of desired machines for a kubeadmcontrolplane.',
        path('spec', 'replicas'),
      ),
      fieldGauge(
        'spec_strategy_rollingupdate_max_surge',
        'Maximum number of replicas that can be scheduled above the desired number of replicas during a rolling update of a kubeadmcontrolplane.',
        path('spec', 'rollout', 'strategy', 'rollingUpdate', 'maxSurge'),
      ),
      replicas('status_replicas', 'replicas', 'replicas'),
      replicas('status_replicas_available', 'availableReplicas', 'available replicas'),
      replicas('status_replicas_ready', 'readyReplicas', 'ready replicas'),
      replicas('status_replicas_uptodate', 'upToDateReplicas', 'up-to-date replicas'),
    ],
  });
}
