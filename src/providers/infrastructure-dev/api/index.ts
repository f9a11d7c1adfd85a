// The infrastructure.cluster.x-k8s.io/v1beta2 API of the dev provider: DevCluster, DevMachine and templates.
export * from './group.js';
export * from './well-known.js';
export * from './common-types.js';
export * from './dev-cluster-types.js';
export * from './dev-cluster-template-types.js';
export * from './dev-machine-types.js';
export * from './dev-machine-template-types.js';
