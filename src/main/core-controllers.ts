import { type KubeObject, keyString } from '../controller-runtime/api/object.js';
import type { Manager } from '../controller-runtime/manager/manager.js';
import { ClusterCache, type ClusterCacheOptions } from '../core/cluster-cache/cluster-cache.js';
import {
  DEFAULT_REMOTE_CONNECTION_GRACE_PERIOD_MS,
  remoteConnectionProbeCondition,
} from '../core/cluster-cache/remote-connection-probe.js';
import type { FeatureGates } from '../core/api/feature-gates.js';
import { CoreMetrics } from '../core/metrics/core-metrics.js';
import { STATE_METRICS_KINDS, stateMetricsType } from '../core/metrics/state-metrics.js';
import { setupClusterClassController } from '../core/reconcilers/cluster-class/setup.js';
import { setupClusterResourceSetControllers } from '../core/reconcilers/cluster-resource-set/setup.js';
import { setupClusterController } from '../core/reconcilers/cluster/setup.js';
import { setupMachineDeploymentController } from '../core/reconcilers/machine-deployment/setup.js';
import { setupMachineHealthCheckController } from '../core/reconcilers/machine-health-check/setup.js';
import { setupMachineSetController } from '../core/reconcilers/machine-set/setup.js';
import { setupTopologyController } from '../core/reconcilers/topology/setup.js';
import { type MachineControllerOptions, setupMachineController } from '../core/reconcilers/machine/setup.js';
import { MANAGEMENT_PLANE_FEATURE_GATES } from './webhooks.js';

export interface CoreControllersOptions {
  /** Cluster cache tuning (tests shorten the intervals); upstream's defaults otherwise. */
  clusterCache?: Omit<ClusterCacheOptions, 'managementClient' | 'registry'>;
  /** Machine drain requeue (upstream: 20 s). */
  drainRequeueMs?: number;
  /** Feature gates of the controllers; default the management plane's (those its webhooks use). */
  featureGates?: Partial<FeatureGates>;
  /** How long Machines keep their Node conditions while the workload cluster does not answer (upstream: 5 min). */
  remoteConditionsGracePeriodMs?: number;
  /** Extra Machine labels and annotations kept on Nodes (upstream `--additional-sync-machine-labels|annotations`). */
  nodeSync?: MachineControllerOptions['nodeSync'];
}

export interface CoreControllers {
  clusterCache: ClusterCache;
  metrics: CoreMetrics;
}

/**
 * The Cluster API core controllers built so far, on one manager: the cluster cache, the Cluster, Machine,
 * MachineSet, MachineDeployment, MachineHealthCheck, ClusterClass, topology, ClusterResourceSet and
 * ClusterResourceSetBinding controllers, and the SLI metrics. `RemoteConnectionProbe` is computed from the cache's health state, and a
 * Cluster is looked at again when its probes have failed for the grace period (upstream's
 * `--remote-connection-grace-period`, 50 s).
 */
export function setupCoreControllers(
  manager: Manager,
  options: CoreControllersOptions = {},
): CoreControllers {
  const clusterCache = new ClusterCache({
    ...options.clusterCache,
    managementClient: manager.apiClient,
    registry: manager.registry,
  });
  clusterCache.setupWithManager(manager);
  // The state metrics read the informers of the kinds the controllers below reconcile (Cluster, Machine,
  // MachineSet, MachineDeployment, MachineHealthCheck). They are looked up once the controllers exist, so a
  // scrape never creates an informer, and a kind without one reads as empty.
  const informers = new Map<string, { store: { values(): Iterable<KubeObject> } }>();
  const metrics = new CoreMetrics(
    manager.registry,
    (type) => informers.get(`${type.apiVersion}/${type.kind}`)?.store.values() ?? [],
  );
  const clusters = setupClusterController(manager, {
    remoteConnectionProbe: (cluster) =>
      remoteConnectionProbeCondition(
        clusterCache.healthState({
          namespace: cluster.metadata.namespace ?? '',
          name: cluster.metadata.name ?? '',
        }),
        Date.now(),
        DEFAULT_REMOTE_CONNECTION_GRACE_PERIOD_MS,
        cluster.status?.conditions?.find((c) => c.type === 'RemoteConnectionProbe'),
      ),
  });
  const requeue = (cluster: { namespace: string; name: string }): void =>
    clusters.queue.add(keyString(cluster));
  clusterCache.onConnectionChange(requeue);
  clusterCache.onProbeFailure(DEFAULT_REMOTE_CONNECTION_GRACE_PERIOD_MS, requeue);
  setupMachineController(manager, {
    workload: clusterCache,
    metrics,
    ...(options.drainRequeueMs ? { drainRequeueMs: options.drainRequeueMs } : {}),
    // Taints the webhooks accept on Machines must reach their Nodes, so the controllers use the same gates.
    featureGates: { ...MANAGEMENT_PLANE_FEATURE_GATES, ...options.featureGates },
    ...(options.remoteConditionsGracePeriodMs
      ? { remoteConditionsGracePeriodMs: options.remoteConditionsGracePeriodMs }
      : {}),
    ...(options.nodeSync ? { nodeSync: options.nodeSync } : {}),
  });
  setupMachineHealthCheckController(manager, { workload: clusterCache, metrics });
  setupMachineSetController(manager);
  setupMachineDeploymentController(manager);
  // RuntimeSDK decides whether external patches' variables must be discovered, as for the webhooks.
  setupClusterClassController(manager, {
    featureGates: { ...MANAGEMENT_PLANE_FEATURE_GATES, ...options.featureGates },
  });
  setupTopologyController(manager, { metrics });
  setupClusterResourceSetControllers(manager, { workload: clusterCache });
  for (const kind of STATE_METRICS_KINDS) {
    const type = stateMetricsType(kind);
    informers.set(`${type.apiVersion}/${type.kind}`, manager.cache.getInformer(type));
  }
  return { clusterCache, metrics };
}
