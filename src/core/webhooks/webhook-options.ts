import type { Reader } from '../../controller-runtime/client/client.js';

/**
 * The upstream feature gates the core webhooks consult. Upstream enables ClusterTopology only on request
 * (`CLUSTER_TOPOLOGY=true`); here it is on by default because the embedded management plane is built around
 * ClusterClass quick starts. The others keep upstream's defaults.
 */
export interface CoreFeatureGates {
  ClusterTopology: boolean;
  MachinePool: boolean;
  MachineSetPreflightChecks: boolean;
  MachineTaintPropagation: boolean;
  RuntimeSDK: boolean;
}

export const DEFAULT_CORE_FEATURE_GATES: Readonly<CoreFeatureGates> = {
  ClusterTopology: true,
  MachinePool: true,
  MachineSetPreflightChecks: true,
  MachineTaintPropagation: false,
  RuntimeSDK: false,
};

export interface CoreWebhookOptions {
  /** Reads other objects (a Cluster's ClusterClass, the Clusters using a ClusterClass); lookups are skipped without it. */
  reader?: Reader;
  featureGates?: Partial<CoreFeatureGates>;
  /**
   * How long a Cluster webhook waits for its ClusterClass to appear and be reconciled (upstream: 2 s), since
   * both are often applied together and the reader may be a cache that lags.
   */
  clusterClassPollTimeoutMs?: number;
}

/** Options with every default filled in, as each kind's webhook receives them. */
export interface WebhookContext {
  reader: Reader | undefined;
  gates: CoreFeatureGates;
  clusterClassPollTimeoutMs: number;
}

export function webhookContext(options: CoreWebhookOptions = {}): WebhookContext {
  return {
    reader: options.reader,
    gates: { ...DEFAULT_CORE_FEATURE_GATES, ...options.featureGates },
    clusterClassPollTimeoutMs: options.clusterClassPollTimeoutMs ?? 2000,
  };
}
