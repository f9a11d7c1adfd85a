import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { AdmissionRequestInfo } from '../../../controller-runtime/webhook/webhook.js';
import { Annotation } from '../../../core/api/v1beta2/well-known.js';

/** Feature gates the dev provider's webhooks consult; unset gates take upstream's defaults (all off). */
export interface InfrastructureDevWebhookOptions {
  featureGates?: {
    /** Alpha upstream: DevClusterTemplates exist for ClusterClass topologies only. */
    ClusterTopology?: boolean;
  };
}

/**
 * A request from the topology controller's server-side dry-run (upstream's `topology.IsDryRunRequest`): it
 * compares desired with current templates and must not be refused for a change it only simulates.
 */
export function isTopologyDryRunRequest(request: AdmissionRequestInfo, obj: KubeObject): boolean {
  return request.dryRun && obj.metadata.annotations?.[Annotation.TopologyDryRun] !== undefined;
}
