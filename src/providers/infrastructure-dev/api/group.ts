/** API group and version of the dev infrastructure provider's kinds. */
export const GROUP = 'infrastructure.cluster.x-k8s.io';
export const VERSION = 'v1beta2';
export const API_VERSION = `${GROUP}/${VERSION}`;

/**
 * Labels every CRD of this provider carries: Cluster API finds which API version of a provider kind
 * implements contract v1beta2 through the `cluster.x-k8s.io/<contract>` label on its CRD.
 */
export const CONTRACT_LABELS: Readonly<Record<string, string>> = { 'cluster.x-k8s.io/v1beta2': 'v1beta2' };
