// Cluster API rules that admission webhooks of core and of every provider apply alike.
import { Annotation } from './well-known.js';

/**
 * A request from the topology controller's server-side dry-run (upstream's `topology.IsDryRunRequest` and
 * `ShouldSkipImmutabilityChecks`): it compares desired with current objects to find out whether a new template
 * is needed, so rules and defaults meant for users must neither refuse nor disturb the change it simulates.
 */
export function isTopologyDryRunRequest(
  request: { dryRun: boolean },
  obj: { metadata?: { annotations?: Record<string, string> } },
): boolean {
  return request.dryRun && obj.metadata?.annotations?.[Annotation.TopologyDryRun] !== undefined;
}
