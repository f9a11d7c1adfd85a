import type { Condition } from './condition.js';

/**
 * Where condition types go in `status.conditions`, as upstream Cluster API v1beta2 orders them so that
 * `kubectl get -o yaml` and `clusterctl describe` read the same on every kind: availability first, then the
 * per-kind health conditions, then operations, then conditions aggregated from Machines, then anything not
 * listed (readiness/availability gates, provider conditions) alphabetically, and `Paused`, `Deleting` last.
 *
 * These are plain strings, not imports: controller-runtime stays free of Cluster API packages, but the order
 * has to live where `setCondition` is, exactly as upstream keeps it in `util/conditions`.
 */
export const DEFAULT_CONDITION_ORDER: readonly string[] = [
  'Available',
  'Ready',
  'UpToDate',
  'RemoteConnectionProbe',
  'BootstrapConfigReady',
  'InfrastructureReady',
  'ControlPlaneInitialized',
  'ControlPlaneAvailable',
  'WorkersAvailable',
  'CertificatesAvailable',
  'Initialized',
  'EtcdClusterHealthy',
  'ControlPlaneComponentsHealthy',
  'NodeHealthy',
  'NodeReady',
  'NodeKubeadmLabelsAndTaintsSet',
  'EtcdPodHealthy',
  'EtcdMemberHealthy',
  'APIServerPodHealthy',
  'ControllerManagerPodHealthy',
  'SchedulerPodHealthy',
  'HealthCheckSucceeded',
  'OwnerRemediated',
  'TopologyReconciled',
  'Updating',
  'RollingOut',
  'Remediating',
  'ScalingDown',
  'ScalingUp',
  'MachinesReady',
  'ControlPlaneMachinesReady',
  'WorkerMachinesReady',
  'MachinesUpToDate',
  'ControlPlaneMachinesUpToDate',
  'WorkerMachinesUpToDate',
  // Unlisted types (gates, provider-specific conditions) sort here, alphabetically.
  '',
  'Paused',
  'Deleting',
];

/** Orders two conditions; `setCondition` sorts stably with it, so equal ranks keep their relative order. */
export type ConditionCompare = (a: Condition, b: Condition) => number;

/**
 * A comparator from an explicit order: listed types by position, unlisted types at the `''` slot (or after
 * all listed ones when the order has no `''`), ties broken alphabetically by type.
 */
export function conditionOrder(order: readonly string[]): ConditionCompare {
  const rank = new Map(order.map((type, i) => [type, i]));
  const otherRank = rank.get('') ?? order.length;
  const rankOf = (type: string): number => (type === '' ? otherRank : (rank.get(type) ?? otherRank));
  return (a, b) => {
    const diff = rankOf(a.type) - rankOf(b.type);
    if (diff !== 0) return diff;
    return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
  };
}

export const defaultConditionCompare: ConditionCompare = conditionOrder(DEFAULT_CONDITION_ORDER);
