import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client, SubresourceWriter } from '../../../controller-runtime/client/client.js';

/** A Cluster, by namespace and name. */
export interface ClusterRef {
  namespace: string;
  name: string;
}

/**
 * What the Machine controller needs from the cluster cache: a client for a workload cluster (throwing at
 * once when the cluster is not connected, never waiting), Node events from it, and its connection health.
 */
export interface WorkloadAccess {
  getClient(cluster: ClusterRef): Client & SubresourceWriter;
  /** Told when a cluster connects or disconnects, so its Machines are looked at again at once. */
  onConnectionChange?(listener: (cluster: ClusterRef, connected: boolean) => void): () => void;
  /**
   * The connection's health: when the last probe succeeded (ms since the epoch; undefined if never) and how many
   * attempts failed since. Never throws.
   */
  healthState(cluster: ClusterRef): { lastProbeSuccessTime?: number; consecutiveFailures: number };
  /** Told once a cluster's probes have not succeeded for `afterMs` (the Machine controller's grace period). */
  onProbeFailure?(afterMs: number, listener: (cluster: ClusterRef) => void): () => void;
  watch(
    cluster: ClusterRef,
    w: {
      name: string;
      type: TypeRef;
      handler: (obj: KubeObject, event: 'add' | 'update' | 'delete') => void;
    },
  ): void;
}
