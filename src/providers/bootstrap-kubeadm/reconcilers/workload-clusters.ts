// What the KubeadmConfig controller needs of workload clusters. Providers may not import core's cluster cache,
// so the controller names this small port and the composition root (src/main) hands it core's ClusterCache,
// which satisfies it as it is.
import type { Client } from '../../../controller-runtime/client/client.js';

/** A Cluster, by namespace and name. */
export interface WorkloadClusterKey {
  namespace: string;
  name: string;
}

export interface WorkloadClusterClients {
  /**
   * A client for the workload cluster (bootstrap token Secrets in `kube-system`). Throws at once when the cluster
   * is not connected; the reconcile then fails and is retried, never blocking a worker.
   */
  getClient(cluster: WorkloadClusterKey): Client;
  /** Told after every connect and disconnect, so configs waiting on a connection are looked at again at once. */
  onConnectionChange?(listener: (cluster: WorkloadClusterKey, connected: boolean) => void): () => void;
}
