import { type ClusterKey, clusterKeyString } from './cluster-key.js';

/**
 * There is no connection to the workload cluster (never made, dropped after failed health probes, or the
 * Cluster is gone): upstream's `ErrClusterNotConnected`. Callers requeue; the ClusterCache reconnects on its
 * own and tells `onConnectionChange` listeners when it did.
 */
export class ClusterNotConnectedError extends Error {
  override readonly name = 'ClusterNotConnectedError';
  readonly cluster: ClusterKey;

  /** `action` says what could not be done ("error getting client"), as upstream wraps the error. */
  constructor(cluster: ClusterKey, action: string) {
    super(`${action}: connection to the workload cluster ${clusterKeyString(cluster)} is down`);
    this.cluster = { namespace: cluster.namespace, name: cluster.name };
  }
}

export const isClusterNotConnected = (err: unknown): err is ClusterNotConnectedError =>
  err instanceof ClusterNotConnectedError;
