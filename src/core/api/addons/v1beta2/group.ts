/** API group and version of the ClusterResourceSet kinds. */
export const GROUP = 'addons.cluster.x-k8s.io';
export const VERSION = 'v1beta2';
export const API_VERSION = `${GROUP}/${VERSION}`;
