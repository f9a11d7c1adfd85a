// Cluster API rules that admission webhooks of core and of every provider apply alike.
import { Annotation, Taint } from './well-known.js';

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

/** Upstream's denial of Machine taints while the MachineTaintPropagation gate is off. */
export const TAINTS_NEED_GATE =
  'taints are not allowed to be set when the feature gate MachineTaintPropagation is disabled';

/**
 * Why a Machine must not carry a taint with this key, or undefined when it may: keys that Cluster API, the
 * kubelet, the node lifecycle controller or a cloud provider own would fight with their owners (the reserved-key
 * rules of upstream's `taints.ValidateMachineTaints`; the key must also be a valid label key).
 */
export function reservedTaintKeyError(key: string): string | undefined {
  if (key === Taint.NodeUninitialized.key || key === Taint.NodeOutdatedRevision.key) {
    return 'taint key is not allowed';
  }
  if (key.startsWith('node.kubernetes.io/') && key !== 'node.kubernetes.io/out-of-service') {
    return 'taint key must not have the prefix node.kubernetes.io/, except for node.kubernetes.io/out-of-service';
  }
  if (key.startsWith('node.cloudprovider.kubernetes.io/')) {
    return 'taint key must not have the prefix node.cloudprovider.kubernetes.io/';
  }
  if (key === 'node-role.kubernetes.io/master') {
    return 'taint is deprecated since 1.24 and should not be used anymore';
  }
  return undefined;
}
