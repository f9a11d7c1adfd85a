// The decision logic of the KubeadmControlPlane controller: what the reconciler imports.
export * from './control-plane.js';
export * from './desired-state.js';
export * from './up-to-date.js';
export * from './failure-domains.js';
export * from './scale-down-selection.js';
export * from './target-health.js';
export * from './preflight.js';
export * from './workload-conditions.js';
export * from './etcd-members.js';
export * from './remediation.js';
export * from './scaling-plan.js';
export * from './status.js';
export * from './machine-names.js';
