// The addons.cluster.x-k8s.io/v1beta2 API: ClusterResourceSet and ClusterResourceSetBinding.
export * from './group.js';
export * from './well-known.js';
export * from './cluster-resource-set-types.js';
export * from './cluster-resource-set-binding-types.js';
