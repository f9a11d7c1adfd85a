/** Identifies a workload cluster by its Cluster object in the management cluster. */
export interface ClusterKey {
  namespace: string;
  name: string;
}

/** `namespace/name`: the accessor map key and the key the ClusterCache controller queues. */
export const clusterKeyString = (cluster: ClusterKey): string => `${cluster.namespace}/${cluster.name}`;
