import type { KubeObject } from '../controller-runtime/api/object.js';
import type { Reader } from '../controller-runtime/client/client.js';
import { isNotFoundOrNoKind } from '../controller-runtime/client/errors.js';
import { API_VERSION } from '../core/api/v1beta2/group.js';
import { ClusterNotFoundError } from './errors.js';

export const CLUSTER_TYPE = { apiVersion: API_VERSION, kind: 'Cluster' } as const;

/** The named Cluster, or `ClusterNotFoundError` (also when the Cluster API CRDs are not installed). */
export async function getCluster(
  client: Reader,
  key: { namespace: string; name: string },
): Promise<KubeObject> {
  try {
    return await client.get(CLUSTER_TYPE, key);
  } catch (err) {
    if (isNotFoundOrNoKind(err)) throw new ClusterNotFoundError(key.namespace, key.name);
    throw err;
  }
}
