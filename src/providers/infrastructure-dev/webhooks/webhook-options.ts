import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { AdmissionRequestInfo } from '../../../controller-runtime/webhook/webhook.js';
import { Annotation } from '../../../core/api/v1beta2/well-known.js';

/** Feature gates the dev provider's webhooks consult. */
export interface InfrastructureDevWebhookOptions {
  featureGates?: {
    /**
     * Alpha and off upstream; on unless set here, as in the core webhooks (`DEFAULT_CORE_FEATURE_GATES`),
     * because the embedded management plane is built around ClusterClass quick starts. DevClusterTemplates
     * exist for ClusterClass topologies only.
     */
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
