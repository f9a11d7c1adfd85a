// Names IPAM providers and the consumers of their addresses agree on; values are upstream's, so claims and
// addresses written for upstream Cluster API (and its IPAM providers) work unchanged.

/** Condition types of an IPAddressClaim. */
export const IPAddressClaimConditionType = {
  /** True once an address has been allocated for the claim. */
  Ready: 'Ready',
} as const;

/**
 * Reasons of an IPAddressClaim's Ready condition when it is False; the v1beta1 Ready condition
 * (`status.deprecated.v1beta1.conditions`) uses the same ones.
 */
export const IPAddressClaimReadyReason = {
  /** Allocating failed; the message says why (a full pool uses PoolExhausted instead). */
  AllocationFailed: 'AllocationFailed',
  /** The pool the claim references is not ready. */
  PoolNotReady: 'PoolNotReady',
  /** The pool has no free address left. */
  PoolExhausted: 'PoolExhausted',
} as const;
