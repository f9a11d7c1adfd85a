// Names the ClusterResourceSet controller and its users agree on; values are upstream's, so objects and
// Secrets written for upstream Cluster API work unchanged.

/** Kept on a ClusterResourceSet until it is removed from every ClusterResourceSetBinding. */
export const ClusterResourceSetFinalizer = 'addons.cluster.x-k8s.io';

/** The only Secret type a ClusterResourceSet applies; other Secrets are refused (WrongSecretType). */
export const ClusterResourceSetSecretType = 'addons.cluster.x-k8s.io/resource-set';

/** Kinds a ClusterResourceSet may list in `spec.resources`. */
export const ClusterResourceSetResourceKind = {
  Secret: 'Secret',
  ConfigMap: 'ConfigMap',
} as const;

/** `spec.strategy`: apply each resource once, or re-apply whenever its content changes. */
export const ClusterResourceSetStrategy = {
  ApplyOnce: 'ApplyOnce',
  Reconcile: 'Reconcile',
} as const;

/** Condition types of a ClusterResourceSet. */
export const ClusterResourceSetConditionType = {
  ResourcesApplied: 'ResourcesApplied',
  Paused: 'Paused',
} as const;

/** Reasons of the ResourcesApplied condition. */
export const ClusterResourceSetResourcesAppliedReason = {
  Applied: 'Applied',
  NotApplied: 'NotApplied',
  WrongSecretType: 'WrongSecretType',
  InternalError: 'InternalError',
} as const;

/** Reasons of the Paused condition (shared by every Cluster API kind). */
export const ClusterResourceSetPausedReason = {
  Paused: 'Paused',
  NotPaused: 'NotPaused',
} as const;
