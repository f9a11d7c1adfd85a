/** API group and version of the IP address management kinds (IPAddressClaim and IPAddress). */
export const GROUP = 'ipam.cluster.x-k8s.io';
export const VERSION = 'v1beta2';
export const API_VERSION = `${GROUP}/${VERSION}`;
