// The folder's public surface: core controllers reach workload clusters through this.
export {
  ClusterCache,
  type ClusterCacheOptions,
  type ConnectionListener,
  type WorkloadWatch,
} from './cluster-cache.js';
export type { HealthState } from './cluster-accessor.js';
export { type CacheIndex, PROBE_PATH } from './cluster-connection.js';
export { type ClusterKey, clusterKeyString } from './cluster-key.js';
export { ClusterNotConnectedError, isClusterNotConnected } from './errors.js';
export {
  KubeconfigSecretError,
  restConfigFromKubeconfigSecret,
  restConfigFromKubeconfigText,
} from './kubeconfig-secret.js';
export {
  DEFAULT_REMOTE_CONNECTION_GRACE_PERIOD_MS,
  remoteConnectionProbeCondition,
} from './remote-connection-probe.js';
export { ClusterCacheMetrics, clusterCacheMetricsFor } from './cluster-cache-metrics.js';
