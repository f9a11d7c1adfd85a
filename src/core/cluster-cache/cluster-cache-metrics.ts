import { Counter, Gauge, type Registry } from 'prom-client';
import type { ClusterKey } from './cluster-key.js';

type ClusterLabels = 'cluster_name' | 'cluster_namespace';

/** Upstream's `controllers/clustercache/metrics.go`: same names, help texts and labels. */
export class ClusterCacheMetrics {
  readonly healthCheck: Gauge<ClusterLabels>;
  readonly healthChecksTotal: Counter<ClusterLabels | 'status'>;
  readonly connectionUp: Gauge<ClusterLabels>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.healthCheck = new Gauge({
      name: 'capi_cluster_cache_healthcheck',
      help: 'Result of the last clustercache healthcheck for a cluster.',
      labelNames: ['cluster_name', 'cluster_namespace'],
      registers,
    });
    this.healthChecksTotal = new Counter({
      name: 'capi_cluster_cache_healthchecks_total',
      help: 'Results of all clustercache healthchecks.',
      labelNames: ['cluster_name', 'cluster_namespace', 'status'],
      registers,
    });
    this.connectionUp = new Gauge({
      name: 'capi_cluster_cache_connection_up',
      help: 'Whether the connection to the cluster is up.',
      labelNames: ['cluster_name', 'cluster_namespace'],
      registers,
    });
  }

  probed(cluster: ClusterKey, ok: boolean): void {
    const labels = labelsOf(cluster);
    this.healthCheck.set(labels, ok ? 1 : 0);
    this.healthChecksTotal.inc({ ...labels, status: ok ? 'success' : 'error' });
  }

  setConnectionUp(cluster: ClusterKey, up: boolean): void {
    this.connectionUp.set(labelsOf(cluster), up ? 1 : 0);
  }

  /** Drops a deleted Cluster's series, so clusters that come and go do not leave series behind forever. */
  forget(cluster: ClusterKey): void {
    const labels = labelsOf(cluster);
    this.healthCheck.remove(labels);
    this.connectionUp.remove(labels);
    for (const status of ['success', 'error']) this.healthChecksTotal.remove({ ...labels, status });
  }
}

const labelsOf = (cluster: ClusterKey): Record<ClusterLabels, string> => ({
  cluster_name: cluster.name,
  cluster_namespace: cluster.namespace,
});

const byRegistry = new WeakMap<Registry, ClusterCacheMetrics>();

/** One metric set per registry: prom-client refuses a second metric of the same name on a registry. */
export function clusterCacheMetricsFor(registry: Registry): ClusterCacheMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = new ClusterCacheMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
