/** API group and version of the Cluster API core kinds. */
export const GROUP = 'cluster.x-k8s.io';
export const VERSION = 'v1beta2';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** `kubectl get cluster-api` lists every kind in this category. */
export const CLUSTER_API_CATEGORY = 'cluster-api';
