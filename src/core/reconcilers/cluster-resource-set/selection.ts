import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { ClusterResourceSet } from '../../api/addons/v1beta2/cluster-resource-set-types.js';
import { isSelectorError, labelSelectorAsSelector } from '../../webhooks/util/label-selector.js';

/**
 * Whether a ClusterResourceSet selects a Cluster: the same namespace, a selector that is valid and not empty
 * (an empty one selects nothing), matching the Cluster's labels, and the Cluster not being deleted.
 */
export function setSelectsCluster(
  set: KubeObject & Partial<Pick<ClusterResourceSet, 'spec'>>,
  cluster: KubeObject,
): boolean {
  if (set.metadata.namespace !== cluster.metadata.namespace || cluster.metadata.deletionTimestamp)
    return false;
  const selector = labelSelectorAsSelector(set.spec?.clusterSelector);
  return !isSelectorError(selector) && !selector.empty && selector.matches(cluster.metadata.labels);
}
