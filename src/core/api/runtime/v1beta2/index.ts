// The runtime.cluster.x-k8s.io/v1beta2 API: ExtensionConfig.
export * from './group.js';
export * from './well-known.js';
export * from './extension-config-types.js';
