import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client, SubresourceWriter } from '../../../controller-runtime/client/client.js';

/** A Cluster, by namespace and name. */
export interface ClusterRef {
  namespace: string;
  name: string;
}

/**
 * What the Machine controller needs from the cluster cache: a client for a workload cluster (throwing at
 * once when the cluster is not connected, never waiting) and Node events from it.
 */
export interface WorkloadAccess {
  getClient(cluster: ClusterRef): Client & SubresourceWriter;
  /** Told when a cluster connects or disconnects, so its Machines are looked at again at once. */
  onConnectionChange?(listener: (cluster: ClusterRef, connected: boolean) => void): () => void;
  watch(
    cluster: ClusterRef,
    w: {
      name: string;
      type: TypeRef;
      handler: (obj: KubeObject, event: 'add' | 'update' | 'delete') => void;
    },
  ): void;
}
