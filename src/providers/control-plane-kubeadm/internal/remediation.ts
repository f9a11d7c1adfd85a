// Remediation of unhealthy control plane Machines by delete-and-recreate (upstream `reconcileUnhealthyMachines`):
// which Machine, whether it is safe now, and the bookkeeping that limits retries. The reconciler performs the
// deletion; the replacement comes from the next scale up.
import {
  formatConditionTime,
  isFalse,
  isTrue,
  type NewCondition,
} from '../../../controller-runtime/conditions/index.js';
import { formatGoDuration } from '../../../core/api/duration.js';
import { Annotation, MachineCondition } from '../../../core/api/v1beta2/index.js';
import {
  DEFAULT_MIN_HEALTHY_PERIOD_SECONDS,
  KubeadmControlPlaneAnnotation,
  KubeadmControlPlaneMachineConditionType as C,
  KubeadmControlPlaneMachineReason as R,
} from '../api/index.js';
import {
  type ControlPlane,
  creationTime,
  hasAnnotation,
  hasNode,
  isDeleting,
  type MachineObject,
} from './control-plane.js';
import { etcdMemberNameOf } from './etcd-members.js';
import { targetControlPlaneComponentsHealthy, targetEtcdClusterHealthy } from './target-health.js';

/**
 * The JSON in `controlplane.cluster.x-k8s.io/remediation-in-progress` (on the KCP, between deleting a Machine
 * and creating its replacement) and `controlplane.cluster.x-k8s.io/remediation-for` (copied onto the
 * replacement): `{"machine":"<name>","timestamp":"<RFC 3339>","retryCount":<n>}`.
 */
export interface RemediationData {
  /** The Machine remediated last. */
  machine: string;
  /** When that remediation happened, RFC 3339 UTC; may be empty in hand-edited data. */
  timestamp: string;
  /** Retries of the same failing Machine (a replacement that fails again within minHealthyPeriod). */
  retryCount: number;
}

export class RemediationDataError extends Error {
  override readonly name = 'RemediationDataError';
}

export function parseRemediationData(value: string): RemediationData {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch (err) {
    throw new RemediationDataError(
      `failed to unmarshal value ${value} for RemediationInProgress annotation: ${(err as Error).message}`,
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RemediationDataError(`failed to unmarshal value ${value} for RemediationInProgress annotation`);
  }
  const o = raw as Record<string, unknown>;
  return {
    machine: typeof o.machine === 'string' ? o.machine : '',
    timestamp: typeof o.timestamp === 'string' ? o.timestamp : '',
    retryCount: typeof o.retryCount === 'number' ? o.retryCount : 0,
  };
}

/** The annotation value, members in upstream's order. */
export const marshalRemediationData = (d: RemediationData): string =>
  JSON.stringify({ machine: d.machine, timestamp: d.timestamp, retryCount: d.retryCount });

const ownerRemediated = (reason: string, message: string): NewCondition => ({
  type: MachineCondition.OwnerRemediated,
  status: 'False',
  reason,
  message,
});

/** OwnerRemediated after the reconciler's own steps of a remediation. */
export const OwnerRemediatedCondition = {
  /** The Machine was deleted. */
  deleting: (): NewCondition => ownerRemediated(R.OwnerRemediated.MachineDeleting, 'Machine is deleting'),
  /** Moving etcd leadership off the Machine failed; `message` is the error. */
  leadershipFailed: (message: string): NewCondition =>
    ownerRemediated(R.OwnerRemediated.CannotBeRemediated, message),
  /** Deleting the Machine failed. */
  deleteFailed: (): NewCondition =>
    ownerRemediated(R.OwnerRemediated.InternalError, 'Please check controller logs for errors'),
};

export type RemediationDecision =
  /** Nothing to remediate now; go on with rollout and scaling. `log` says why, when there is a reason to. */
  | { action: 'none'; log?: string }
  /** Set `condition` (OwnerRemediated) on `machine` and go on with rollout and scaling. */
  | { action: 'defer'; machine: MachineObject; condition: NewCondition }
  /**
   * Delete `machine`: first move etcd leadership off it when `forwardEtcdLeadership` (see
   * `etcdLeadershipDecision`; on failure set `OwnerRemediatedCondition.leadershipFailed`), then delete it, set
   * `OwnerRemediatedCondition.deleting()`, put `annotation` on the KCP as `remediation-in-progress` and requeue.
   */
  | {
      action: 'remediate';
      machine: MachineObject;
      forwardEtcdLeadership: boolean;
      data: RemediationData;
      annotation: string;
    }
  | { action: 'error'; error: string };

export interface RemediationPlan {
  /** Healthy again but still carrying OwnerRemediated=False: delete that condition from them. */
  cleanupOwnerRemediated: MachineObject[];
  /**
   * The KCP's `remediation-in-progress` annotation is stale (a Machine newer than it exists, so the replacement
   * was created): remove it.
   */
  removeStaleRemediationInProgress: boolean;
  decision: RemediationDecision;
}

/**
 * Decides about remediation, in upstream's order: clean up leftovers, pick the "most broken" Machine among
 * those a MachineHealthCheck left to KCP (HealthCheckSucceeded=False, OwnerRemediated=False), hold while it is
 * deleting or another remediation is in progress, then check: a ClusterClass upgrade pending, retry limits
 * (`spec.remediation`), and once initialized: more than one Machine, no healthy Machine still provisioning, none
 * deleting, the etcd member list known, and that the Machine can go without losing all healthy control plane
 * components or etcd quorum. Before initialization the first Machine is always remediated (subject to retries).
 */
export function planRemediation(cp: ControlPlane): RemediationPlan {
  const cleanupOwnerRemediated = cp.machines.filter(
    (m) =>
      !isDeleting(m) &&
      isTrue(m, MachineCondition.HealthCheckSucceeded) &&
      isFalse(m, MachineCondition.OwnerRemediated),
  );
  const plan = (decision: RemediationDecision, stale = false): RemediationPlan => ({
    cleanupOwnerRemediated,
    removeStaleRemediationInProgress: stale,
    decision,
  });

  let stale = false;
  const inProgress = cp.kcp.metadata.annotations?.[KubeadmControlPlaneAnnotation.RemediationInProgress];
  if (inProgress !== undefined) {
    let data: RemediationData;
    try {
      data = parseRemediationData(inProgress);
    } catch (err) {
      return plan({ action: 'error', error: (err as Error).message });
    }
    const since = Date.parse(data.timestamp) || 0;
    stale = cp.machines.some((m) => creationTime(m) > since);
  }

  const toRemediate = cp.machinesToBeRemediatedByKcp();
  const machine = machineToBeRemediated(toRemediate, cp.isEtcdManaged);
  if (!machine) return plan({ action: 'none' }, stale);
  if (isDeleting(machine)) return plan({ action: 'none' }, stale);
  if (inProgress !== undefined && !stale) {
    return plan(
      { action: 'none', log: 'Another remediation is already in progress. Skipping remediation.' },
      stale,
    );
  }
  const defer = (reason: string, message: string): RemediationPlan =>
    plan({ action: 'defer', machine, condition: ownerRemediated(reason, message) }, stale);

  const pendingVersion = cp.pendingTopologyVersion();
  if (pendingVersion !== undefined) {
    return defer(
      R.OwnerRemediated.RemediationDeferred,
      `KubeadmControlPlane can't remediate while waiting for a version upgrade to ${pendingVersion} to be propagated from Cluster.spec.topology`,
    );
  }

  let retry: RetryCheck;
  try {
    retry = checkRetryLimits(cp, machine);
  } catch (err) {
    return plan({ action: 'error', error: (err as Error).message }, stale);
  }
  if (!retry.ok) return defer(retry.reason, retry.message);

  if (cp.initialized) {
    if (cp.machines.length <= 1) {
      return defer(
        R.OwnerRemediated.CannotBeRemediated,
        "KubeadmControlPlane can't remediate if current replicas are less or equal to 1",
      );
    }
    if (cp.hasHealthyMachineStillProvisioning()) {
      return defer(
        R.OwnerRemediated.RemediationDeferred,
        'KubeadmControlPlane waiting for control plane Machine provisioning to complete before triggering remediation',
      );
    }
    if (cp.hasDeletingMachine()) {
      return defer(
        R.OwnerRemediated.RemediationDeferred,
        'KubeadmControlPlane waiting for control plane Machine deletion to complete before triggering remediation',
      );
    }
    // As upstream: also with external etcd, whose member list KCP never reads.
    if ((cp.workload.etcdMembers ?? []).length === 0 || cp.workload.nodeListError !== undefined) {
      return defer(
        R.OwnerRemediated.RemediationDeferred,
        'Failed to check etcd cluster health before remediation',
      );
    }
    if (!canSafelyRemediate(cp, machine)) {
      return defer(
        R.OwnerRemediated.CannotBeRemediated,
        "KubeadmControlPlane can't remediate this Machine because this could result in loosing Kubernetes control plane components or in etcd quorum loss",
      );
    }
  }

  return plan(
    {
      action: 'remediate',
      machine,
      forwardEtcdLeadership: cp.initialized && cp.isEtcdManaged,
      data: retry.data,
      annotation: marshalRemediationData(retry.data),
    },
    stale,
  );
}

/**
 * The "most broken" Machine first (upstream `getMachineToBeRemediated`): the `cluster.x-k8s.io/remediate-machine`
 * annotation, then no Node, then (stacked etcd) etcd member and etcd Pod not healthy, then API server,
 * controller manager, scheduler, Node labels/taints not healthy; the oldest (then the name) breaks ties.
 */
export function machineToBeRemediated(
  machines: readonly MachineObject[],
  etcdManaged: boolean,
): MachineObject | undefined {
  const conditions: string[] = [
    ...(etcdManaged ? [C.EtcdMemberHealthy, C.EtcdPodHealthy] : []),
    C.APIServerPodHealthy,
    C.ControllerManagerPodHealthy,
    C.SchedulerPodHealthy,
    C.NodeKubeadmLabelsAndTaintsSet,
  ];
  const rank = (m: MachineObject): number[] => [
    hasAnnotation(m, Annotation.RemediateMachine) ? 0 : 1,
    hasNode(m) ? 1 : 0,
    ...conditions.map((t) => (isTrue(m, t) ? 1 : 0)),
  ];
  return [...machines].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
    const d = creationTime(a) - creationTime(b);
    if (d !== 0) return d;
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  })[0];
}

type RetryCheck =
  { ok: true; data: RemediationData } | { ok: false; reason: string; message: string; data: RemediationData };

/**
 * Retry limits (upstream `checkRetryLimits`). A Machine that is itself the replacement of a remediation less
 * than `minHealthyPeriodSeconds` (default 3600) ago continues that sequence: it waits `retryPeriodSeconds`
 * (default 0) after the last attempt and stops after `maxRetry` retries (unset: unlimited). Otherwise a new
 * sequence starts with retryCount 0.
 */
function checkRetryLimits(cp: ControlPlane, machine: MachineObject): RetryCheck {
  const annotation = machine.metadata.annotations?.[KubeadmControlPlaneAnnotation.RemediationFor];
  const data: RemediationData = {
    machine: machine.metadata.name ?? '',
    timestamp: formatConditionTime(new Date(cp.now)),
    retryCount: 0,
  };
  if (annotation === undefined) return { ok: true, data };
  const last = parseRemediationData(annotation);

  const remediation = cp.kcp.spec.remediation;
  const minHealthyMs = (remediation?.minHealthyPeriodSeconds ?? DEFAULT_MIN_HEALTHY_PERIOD_SECONDS) * 1000;
  const retryPeriodMs = (remediation?.retryPeriodSeconds ?? 0) * 1000;
  // Without a usable time, treat both periods as long passed.
  const parsed = Date.parse(last.timestamp);
  const lastTime = Number.isNaN(parsed) ? cp.now - 2 * Math.max(minHealthyMs, retryPeriodMs) : parsed;

  if (!(lastTime + minHealthyMs > cp.now)) return { ok: true, data };
  data.retryCount = last.retryCount;
  if (lastTime + retryPeriodMs > cp.now) {
    return {
      ok: false,
      reason: R.OwnerRemediated.RemediationDeferred,
      message: `KubeadmControlPlane can't remediate this machine because the operation already failed in the latest ${formatGoDuration(retryPeriodMs)} (RetryPeriodSeconds)`,
      data,
    };
  }
  const maxRetry = remediation?.maxRetry;
  if (maxRetry !== undefined && data.retryCount >= maxRetry) {
    return {
      ok: false,
      reason: R.OwnerRemediated.CannotBeRemediated,
      message: `KubeadmControlPlane can't remediate this machine because the operation already failed ${maxRetry} times (MaxRetry)`,
      data,
    };
  }
  data.retryCount++;
  return { ok: true, data };
}

/**
 * Removing the Machine keeps one Machine with all control plane components healthy and (stacked etcd) etcd
 * quorum. A member whose name cannot be found out (no Node) is not checked: remediation is the user's intent.
 */
function canSafelyRemediate(cp: ControlPlane, machine: MachineObject): boolean {
  const name = machine.metadata.name ?? '';
  if (!targetControlPlaneComponentsHealthy(cp, { addMachine: false, machineToDelete: name }).ok) return false;
  if (!cp.isEtcdManaged) return true;
  const member = etcdMemberNameOf(cp, machine);
  if (member === '') return true;
  if ((cp.workload.etcdMembers ?? []).length === 0) return false;
  return targetEtcdClusterHealthy(cp, { addMember: false, memberToDelete: member }).ok;
}

/**
 * `status.lastRemediation`: the remediation in progress (KCP annotation), else the newest `remediation-for` on
 * the Machines; undefined when there is none.
 */
export function lastRemediationStatus(
  cp: ControlPlane,
): { machine: string; time: string; retryCount: number } | undefined {
  let last: RemediationData | undefined;
  const inProgress = cp.kcp.metadata.annotations?.[KubeadmControlPlaneAnnotation.RemediationInProgress];
  if (inProgress !== undefined) last = parseRemediationData(inProgress);
  else {
    for (const m of cp.machines) {
      const v = m.metadata.annotations?.[KubeadmControlPlaneAnnotation.RemediationFor];
      if (v === undefined) continue;
      const data = parseRemediationData(v);
      if (!last || (Date.parse(last.timestamp) || 0) < (Date.parse(data.timestamp) || 0)) last = data;
    }
  }
  if (!last) return undefined;
  return { machine: last.machine, time: last.timestamp, retryCount: last.retryCount };
}
