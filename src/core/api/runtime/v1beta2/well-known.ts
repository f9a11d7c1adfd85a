// Names Runtime Extensions, their ExtensionConfigs and the objects whose hooks they serve agree on; values are
// upstream's, so ExtensionConfigs and annotations written for upstream Cluster API work unchanged.

/** Condition types of an ExtensionConfig. */
export const ExtensionConfigConditionType = {
  /** True once the Extension server answered discovery and its handlers are listed in `status.handlers`. */
  Discovered: 'Discovered',
  /** Whether reconciling the ExtensionConfig is paused (shared by every Cluster API kind). */
  Paused: 'Paused',
} as const;

/** Reasons of an ExtensionConfig's Discovered condition. */
export const ExtensionConfigDiscoveredReason = {
  Discovered: 'Discovered',
  NotDiscovered: 'NotDiscovered',
} as const;

/** The v1beta1 Discovered condition (`status.deprecated.v1beta1.conditions`) and its reason when False. */
export const ExtensionConfigV1Beta1ConditionType = {
  RuntimeExtensionDiscovered: 'Discovered',
} as const;
export const ExtensionConfigV1Beta1Reason = {
  DiscoveryFailed: 'DiscoveryFailed',
} as const;

/**
 * On an ExtensionConfig: `<namespace>/<name>` of a Secret whose `ca.crt` is injected into
 * `spec.clientConfig.caBundle`.
 */
export const InjectCAFromSecretAnnotation = 'runtime.cluster.x-k8s.io/inject-ca-from-secret';

/** On objects with lifecycle hooks: the hooks still to be called once the operation they follow completes. */
export const PendingHooksAnnotation = 'runtime.cluster.x-k8s.io/pending-hooks';

/** On a Cluster: set once the BeforeClusterDelete hook let the deletion go ahead. */
export const OkToDeleteAnnotation = 'runtime.cluster.x-k8s.io/ok-to-delete';

/** How a handler's failures are treated (`status.handlers[].failurePolicy`); Fail when unset. */
export const FailurePolicy = {
  /** An error calling the extension is ignored (misconfigurations and explicit failures never are). */
  Ignore: 'Ignore',
  /** An error calling the extension is returned to the caller. */
  Fail: 'Fail',
} as const;

/** The port of `spec.clientConfig.service` when none is given (the webhook sets it). */
export const DefaultExtensionServicePort = 443;

/** A handler's timeout when `timeoutSeconds` is not set. */
export const DefaultHandlerTimeoutSeconds = 10;
