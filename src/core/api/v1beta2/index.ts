// The cluster.x-k8s.io/v1beta2 API: the core kinds (schemas, inferred types, CRDs), the pieces they share
// and the well-known names. Reconcilers and providers import from here.
export * from './group.js';
export * from './well-known.js';
export * from './admission-helpers.js';
export * from './provider-crd.js';
export * from './common-types.js';
export * from './cluster-types.js';
export * from './cluster-class-types.js';
export * from './machine-types.js';
export * from './machine-set-types.js';
export * from './machine-deployment-types.js';
export * from './machine-health-check-types.js';
export * from './machine-pool-types.js';
export * from './machine-drain-rule-types.js';
