import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { AdmissionRequestInfo } from '../../../controller-runtime/webhook/webhook.js';
import { Annotation } from '../../../core/api/v1beta2/well-known.js';

/**
 * A request from the topology controller's server-side dry-run: it compares desired with current objects and
 * must not be disturbed by rules or defaults meant for users (upstream's `topology.IsDryRunRequest`).
 */
export function isTopologyDryRunRequest(request: AdmissionRequestInfo, obj: KubeObject): boolean {
  return request.dryRun && obj.metadata.annotations?.[Annotation.TopologyDryRun] !== undefined;
}
