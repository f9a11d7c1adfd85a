// What the KubeadmControlPlane controller needs of workload clusters. Providers may not import core's cluster
// cache, so the controller names this small port and the composition root (src/main) hands it core's
// ClusterCache, which satisfies it as it is.
import type { Client } from '../../../controller-runtime/client/client.js';
import type { RestConfig } from '../../../controller-runtime/client/rest-config.js';

/** A Cluster, by namespace and name. */
export interface WorkloadClusterKey {
  namespace: string;
  name: string;
}

/** What the cluster cache knows about a connection's health probes (epoch milliseconds). */
export interface WorkloadConnectionHealth {
  lastProbeSuccessTime?: number;
  consecutiveFailures: number;
}

export interface KcpWorkloadClusters {
  /**
   * A client for the workload cluster (Nodes, kube-system Pods, the `kubeadm-config` ConfigMap). Throws at once
   * when the cluster is not connected; the reconcile reports it and tries again, never blocking a worker.
   */
  getClient(cluster: WorkloadClusterKey): Client;
  /** Where and as whom the connection reaches the API server: etcd is reached through its `pods/portforward`. */
  getRestConfig(cluster: WorkloadClusterKey): RestConfig;
  /** The connection's health probes, for `workloadInspectionGate`. */
  healthState(cluster: WorkloadClusterKey): WorkloadConnectionHealth;
  /** Told after every connect and disconnect (upstream's cluster source), so KCP looks again at once. */
  onConnectionChange?(listener: (cluster: WorkloadClusterKey, connected: boolean) => void): () => void;
  /** Told once a cluster's probes have failed for `afterMs` (the remote conditions grace period). */
  onProbeFailure?(afterMs: number, listener: (cluster: WorkloadClusterKey) => void): () => void;
}

/** Getting a client or REST config of the workload cluster failed: it is not connected (yet). */
export class WorkloadClusterConnectionError extends Error {
  override readonly name = 'WorkloadClusterConnectionError';
}

export const isWorkloadClusterConnectionError = (err: unknown): err is WorkloadClusterConnectionError =>
  err instanceof WorkloadClusterConnectionError;
