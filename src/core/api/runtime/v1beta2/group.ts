/** API group and version of the Runtime SDK kinds (ExtensionConfig). */
export const GROUP = 'runtime.cluster.x-k8s.io';
export const VERSION = 'v1beta2';
export const API_VERSION = `${GROUP}/${VERSION}`;
