import type { Reader } from '../../controller-runtime/client/client.js';
import { type FeatureGateOptions, type FeatureGates, resolveFeatureGates } from '../api/feature-gates.js';

export interface CoreWebhookOptions extends FeatureGateOptions {
  /** Reads other objects (a Cluster's ClusterClass, the Clusters using a ClusterClass); lookups are skipped without it. */
  reader?: Reader;
  /**
   * How long a Cluster webhook waits for its ClusterClass to appear and be reconciled (upstream: 2 s), since
   * both are often applied together and the reader may be a cache that lags.
   */
  clusterClassPollTimeoutMs?: number;
}

/** Options with every default filled in, as each kind's webhook receives them. */
export interface WebhookContext {
  reader: Reader | undefined;
  gates: FeatureGates;
  clusterClassPollTimeoutMs: number;
}

export function webhookContext(options: CoreWebhookOptions = {}): WebhookContext {
  return {
    reader: options.reader,
    gates: resolveFeatureGates(options.featureGates),
    clusterClassPollTimeoutMs: options.clusterClassPollTimeoutMs ?? 2000,
  };
}
