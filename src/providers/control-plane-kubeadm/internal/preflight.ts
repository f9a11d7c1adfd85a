// "One operation at a time" (upstream `preflightChecks`): before creating or deleting a control plane Machine,
// KCP waits until the previous operation has settled and every control plane component is healthy.
import { getCondition } from '../../../controller-runtime/conditions/index.js';
import { Annotation } from '../../../core/api/v1beta2/index.js';
import { KubeadmControlPlaneAnnotation, KubeadmControlPlaneMachineConditionType as C } from '../api/index.js';
import {
  type ControlPlane,
  controlPlaneHealthConditions,
  hasAnnotation,
  hasNode,
  type MachineObject,
} from './control-plane.js';
import { targetControlPlaneComponentsHealthy, targetEtcdClusterHealthy } from './target-health.js';

/** Upstream `preflightFailedRequeueAfter`. */
export const PREFLIGHT_FAILED_REQUEUE_MS = 15_000;
/** Upstream `deleteRequeueAfter`: deletions are slow. */
export const DELETE_REQUEUE_MS = 30_000;

/** What held the operation back; `ScalingUp`/`ScalingDown` list these (see `preflightMessages`). */
export interface PreflightCheckResults {
  hasDeletingMachine: boolean;
  certificateMissing: boolean;
  controlPlaneComponentsNotHealthy: boolean;
  etcdClusterNotHealthy: boolean;
  /** With a ClusterClass: the topology has a version KCP has not received yet. */
  topologyVersionMismatch: boolean;
}

export interface PreflightResult {
  ok: boolean;
  results: PreflightCheckResults;
  /** Why not, worded as upstream logs and reports them in the `ControlPlaneUnhealthy` event. */
  failures: string[];
  /** How long to wait before trying again (0 when ok). */
  requeueAfterMs: number;
}

export const noPreflightFailures = (): PreflightCheckResults => ({
  hasDeletingMachine: false,
  certificateMissing: false,
  controlPlaneComponentsNotHealthy: false,
  etcdClusterNotHealthy: false,
  topologyVersionMismatch: false,
});

/**
 * Checks, in upstream's order: a ClusterClass version upgrade not yet propagated to KCP; (scale up) the cluster
 * certificates exist (KCP's CertificatesAvailable is True); no Machine is deleting; every Machine other than
 * `exclude` (the one about to be deleted) has a Node and all control plane conditions True (etcd's only with
 * stacked etcd). While a remediation is in progress (annotation `remediation-in-progress` on the KCP), a scale
 * up that fails the last check is still allowed when one Machine keeps healthy components and adding an etcd
 * member keeps quorum, so a control plane with several failures can recover.
 */
export function preflightChecks(
  cp: ControlPlane,
  options: { isScaleUp: boolean; exclude?: readonly MachineObject[] },
): PreflightResult {
  const results = noPreflightFailures();
  const fail = (failures: string[], requeueAfterMs = PREFLIGHT_FAILED_REQUEUE_MS): PreflightResult => ({
    ok: false,
    results,
    failures,
    requeueAfterMs,
  });
  if (cp.machines.length === 0) return { ok: true, results, failures: [], requeueAfterMs: 0 };

  const pendingVersion = cp.pendingTopologyVersion();
  if (pendingVersion !== undefined) {
    results.topologyVersionMismatch = true;
    return fail([`Waiting for a version upgrade to ${pendingVersion} to be propagated`]);
  }

  if (options.isScaleUp && !cp.certificatesAvailable()) {
    results.certificateMissing = true;
    return fail(["Certificates are missing or unknown, can't join a new machine"]);
  }

  if (cp.hasDeletingMachine()) {
    results.hasDeletingMachine = true;
    return fail(['Waiting for machines to be deleted'], DELETE_REQUEUE_MS);
  }

  let failures = checkHealthiness(cp, results, options.exclude ?? []);
  if (
    failures.length > 0 &&
    options.isScaleUp &&
    hasAnnotation(cp.kcp, KubeadmControlPlaneAnnotation.RemediationInProgress)
  ) {
    failures = checkHealthinessWhileRemediationInProgress(cp, results);
  }
  if (failures.length > 0) return fail(failures);
  return { ok: true, results, failures: [], requeueAfterMs: 0 };
}

function checkHealthiness(
  cp: ControlPlane,
  results: PreflightCheckResults,
  exclude: readonly MachineObject[],
): string[] {
  const failures: string[] = [];
  const excluded = new Set(exclude.map((m) => m.metadata.name));
  const types = controlPlaneHealthConditions(cp.isEtcdManaged);
  for (const m of cp.machines) {
    if (excluded.has(m.metadata.name)) continue;
    const name = m.metadata.name ?? '';
    if (!hasNode(m)) {
      // The conditions exist only once a Machine has a Node: name the root cause instead of missing conditions.
      failures.push(
        `Machine ${name} does not have a corresponding Node yet (Machine.status.nodeRef not set)`,
      );
      results.controlPlaneComponentsNotHealthy = true;
      if (cp.isEtcdManaged) results.etcdClusterNotHealthy = true;
      continue;
    }
    for (const type of types) {
      const failure = conditionFailure(m, type);
      if (!failure) continue;
      if (type === C.EtcdMemberHealthy) results.etcdClusterNotHealthy = true;
      else results.controlPlaneComponentsNotHealthy = true;
      failures.push(failure);
    }
  }
  return failures;
}

function conditionFailure(m: MachineObject, type: string): string | undefined {
  const name = m.metadata.name ?? '';
  const c = getCondition(m, type);
  if (!c) return `Machine ${name} does not have ${type} condition`;
  if (c.status === 'False') return `Machine ${name} reports ${type} condition is false (${c.message})`;
  if (c.status === 'Unknown') return `Machine ${name} reports ${type} condition is unknown (${c.message})`;
  return undefined;
}

/**
 * The replacement of a remediated Machine: it adds components and an etcd member and removes nothing, so it only
 * needs one fully healthy Machine and an etcd cluster that keeps quorum with one more (presumed unhealthy) member.
 */
function checkHealthinessWhileRemediationInProgress(
  cp: ControlPlane,
  results: PreflightCheckResults,
): string[] {
  const failures: string[] = [];
  results.controlPlaneComponentsNotHealthy = false;
  results.etcdClusterNotHealthy = false;
  if (!targetControlPlaneComponentsHealthy(cp, { addMachine: true }).ok) {
    results.controlPlaneComponentsNotHealthy = true;
    failures.push(
      'cannot add a new control plane Machine when there are no control plane Machines with all Kubernetes control plane components in healthy state. Please check Kubernetes control plane component status',
    );
  }
  if (cp.isEtcdManaged) {
    if ((cp.workload.etcdMembers ?? []).length === 0) {
      failures.push('cannot check etcd cluster health before scale up, etcd member list is empty');
    } else if (!targetEtcdClusterHealthy(cp, { addMember: true }).ok) {
      failures.push(
        'adding a new control plane Machine can lead to etcd quorum loss. Please check the etcd status',
      );
      results.etcdClusterNotHealthy = true;
    }
  }
  return failures;
}

/**
 * The `* ...` lines `ScalingUp` and `ScalingDown` add after "is blocked because:" (upstream
 * `getPreflightMessages`).
 */
export function preflightMessages(cp: ControlPlane, results: PreflightCheckResults): string[] {
  const messages: string[] = [];
  if (results.topologyVersionMismatch) {
    const step = cp.cluster.metadata.annotations?.[Annotation.ClusterTopologyUpgradeStep] ?? '';
    const version = step !== '' ? step : (cp.cluster.spec.topology?.version ?? '');
    messages.push(`* waiting for a version upgrade to ${version} to be propagated`);
  }
  if (results.hasDeletingMachine) messages.push('* waiting for a control plane Machine to complete deletion');
  if (results.certificateMissing) messages.push('* cluster certificates are missing or unknown');
  if (results.controlPlaneComponentsNotHealthy) {
    messages.push('* waiting for control plane components to become healthy');
  }
  if (results.etcdClusterNotHealthy) messages.push('* waiting for etcd cluster to become healthy');
  return messages;
}
