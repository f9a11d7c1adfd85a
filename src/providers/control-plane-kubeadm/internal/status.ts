// KubeadmControlPlane status as upstream's v1beta2 status (`status.go`): counters, selector, versions and the
// conditions KCP computes from its Machines (MachinesReady, MachinesUpToDate, RollingOut, ScalingUp,
// ScalingDown, Remediating, Available, Initialized, Deleting) with upstream's reasons and messages.
import {
  aggregateCondition,
  computeMergeReason,
  type Condition,
  defaultMergeStrategy,
  getCondition,
  isTrue,
  type NewCondition,
  setCondition,
} from '../../../controller-runtime/conditions/index.js';
import { Label, MachineCondition } from '../../../core/api/v1beta2/index.js';
import {
  KubeadmControlPlaneAnnotation,
  type KubeadmControlPlaneStatus,
  KubeadmControlPlaneConditionType as T,
  KubeadmControlPlaneMachineConditionType as C,
  KubeadmControlPlaneReason as R,
} from '../api/index.js';
import {
  type ControlPlane,
  controlPlaneSelector,
  hasAnnotation,
  hasNode,
  isDeleting,
  isUnhealthyAndOwnerRemediated,
  type MachineObject,
} from './control-plane.js';
import { etcdQuorum } from './target-health.js';
import {
  aggregateStaleMachines,
  listToString,
  machinesPhrase,
  versionsFromMachines,
} from '../../../core/util/index.js';
import { noPreflightFailures, type PreflightCheckResults, preflightMessages } from './preflight.js';
import { lastRemediationStatus } from './remediation.js';

/** A new Machine gets UpToDate shortly after creation; until then (10 s) it is left out of MachinesUpToDate. */
const UP_TO_DATE_GRACE_MS = 10_000;
/** Issues must last this long before they show while Available is True (no flapping). */
const SURFACE_AFTER_MS = 10_000;
/** Right after initialization, a missing etcd member list is not yet a problem. */
const ETCD_MEMBERS_GRACE_MS = 2 * 60_000;

/**
 * Helpers every Machine-owning controller shares (`src/core/util`); tests may replace them to control what
 * they return.
 */
export interface KcpStatusHelpers {
  /** `status.versions` from the Machines (kubelet version when known, else spec.version), oldest first. */
  versionsFromMachines(machines: readonly MachineObject[]): { version: string; replicas: number }[];
  /** `Machine(s) ... in deletion since more than 15m[, delay likely due to ...]`, or '' when none is stale. */
  aggregateStaleMachines(machines: readonly MachineObject[], now: number): string;
}

/** The shared implementations from `src/core/util`. */
export const DEFAULT_KCP_STATUS_HELPERS: KcpStatusHelpers = { versionsFromMachines, aggregateStaleMachines };

export interface KcpStatusInput {
  cp: ControlPlane;
  /** Default `DEFAULT_KCP_STATUS_HELPERS`. */
  helpers?: KcpStatusHelpers;
  /** What the preflight checks of this reconcile held back (none when they did not run). */
  preflight?: PreflightCheckResults;
  /** The Deleting condition's reason and message from `planDeletion` (only read while the KCP is deleting). */
  deletion?: { reason: string; message: string };
}

/** Every status field `computeKcpStatus` owns; conditions are set with `setCondition` by `applyKcpStatus`. */
export interface KcpStatusUpdate {
  selector: string;
  versions?: { version: string; replicas: number }[];
  /** Deprecated: the lowest version. */
  version?: string;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  upToDateReplicas: number;
  lastRemediation?: { machine: string; time: string; retryCount: number };
  conditions: NewCondition[];
}

/**
 * The status upstream's `updateStatus` computes at the end of each reconcile. Machine conditions (UpToDate,
 * Pod and etcd health, OwnerRemediated) must already be set on `cp.machines`; KCP's EtcdClusterHealthy,
 * ControlPlaneComponentsHealthy and CertificatesAvailable are set elsewhere. Throws `RemediationDataError` when
 * remediation annotations are not valid JSON (the rest is still worth writing: catch, then apply without it).
 */
export function computeKcpStatus(input: KcpStatusInput): KcpStatusUpdate {
  const { cp } = input;
  const helpers = input.helpers ?? DEFAULT_KCP_STATUS_HELPERS;
  const machines = cp.machines;
  const versions = helpers.versionsFromMachines(machines);
  const initialized = initializedCondition(cp);
  const conditions: NewCondition[] = [
    initialized,
    rollingOutCondition(machines),
    scalingUpCondition(cp, input.preflight ?? noPreflightFailures()),
    scalingDownCondition(cp, input.preflight ?? noPreflightFailures(), helpers),
    machinesReadyCondition(machines),
    machinesUpToDateCondition(machines, cp.now),
    remediatingCondition(cp),
  ];
  const deleting = deletingCondition(cp, input.deletion);
  if (deleting) conditions.push(deleting);
  conditions.push(availableCondition(cp, initialized));

  const update: KcpStatusUpdate = {
    selector: controlPlaneSelector(cp.cluster.metadata.name ?? ''),
    replicas: machines.length,
    readyReplicas: machines.filter((m) => isTrue(m, MachineCondition.Ready)).length,
    availableReplicas: machines.filter((m) => isTrue(m, MachineCondition.Available)).length,
    upToDateReplicas: machines.filter((m) => isTrue(m, MachineCondition.UpToDate)).length,
    conditions,
  };
  if (versions.length > 0) {
    update.versions = versions;
    update.version = versions[0]!.version;
  }
  const last = lastRemediationStatus(cp);
  if (last) update.lastRemediation = last;
  return update;
}

/** Writes `update` into `kcp.status` (conditions through `setCondition`, transition times at `now`). */
export function applyKcpStatus(
  kcp: { status?: KubeadmControlPlaneStatus; metadata?: { generation?: number } },
  update: KcpStatusUpdate,
  now: number,
): void {
  const status = (kcp.status ??= {});
  status.selector = update.selector;
  status.replicas = update.replicas;
  status.readyReplicas = update.readyReplicas;
  status.availableReplicas = update.availableReplicas;
  status.upToDateReplicas = update.upToDateReplicas;
  if (update.versions) status.versions = update.versions;
  else delete status.versions;
  if (update.version) status.version = update.version;
  if (update.lastRemediation) status.lastRemediation = update.lastRemediation;
  for (const c of update.conditions) setCondition(kcp, c, { now: () => new Date(now) });
}

/**
 * Whether to ask the workload cluster if kubeadm init finished (the `kubeadm-config` ConfigMap exists) and then
 * set `status.initialization.controlPlaneInitialized`. Never again once set; not while the only Machine is
 * deleting or about to be remediated (kubeadm init finishing just then would leave an initialized cluster
 * without control plane Machines).
 */
export function shouldCheckControlPlaneInitialized(cp: ControlPlane): boolean {
  if (cp.initialized) return false;
  if (cp.machines.length === 1) {
    const m = cp.machines[0]!;
    if (isUnhealthyAndOwnerRemediated(m) || isDeleting(m)) return false;
  }
  return true;
}

export function initializedCondition(cp: ControlPlane): NewCondition {
  return cp.initialized
    ? { type: T.Initialized, status: 'True', reason: R.Initialized.Initialized }
    : { type: T.Initialized, status: 'False', reason: R.Initialized.NotInitialized };
}

/**
 * RollingOut: True while Machines report UpToDate=False, with every distinct reason they give (version
 * changes first).
 */
export function rollingOutCondition(machines: readonly MachineObject[]): NewCondition {
  let rollingOut = 0;
  const reasons = new Set<string>();
  for (const m of machines) {
    const c = getCondition(m, MachineCondition.UpToDate);
    if (c?.status !== 'False') continue;
    rollingOut++;
    if (c.message) for (const line of c.message.split('\n')) reasons.add(line);
  }
  if (rollingOut === 0) {
    return { type: T.RollingOut, status: 'False', reason: R.RollingOut.NotRollingOut, message: '' };
  }
  let message = `Rolling out ${rollingOut} not up-to-date replicas`;
  if (reasons.size > 0) {
    const isVersion = (s: string) => s.startsWith('* Version');
    const sorted = [...reasons].sort((a, b) => {
      if (isVersion(a) !== isVersion(b)) return isVersion(a) ? -1 : 1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    message += `\n${sorted.join('\n')}`;
  }
  return { type: T.RollingOut, status: 'True', reason: R.RollingOut.RollingOut, message };
}

const desiredReplicas = (cp: ControlPlane): number => (isDeleting(cp.kcp) ? 0 : (cp.desiredReplicas ?? 0));

function missingReferencesMessage(cp: ControlPlane): string {
  return cp.infraMachineTemplateNotFound
    ? `${cp.kcp.spec.machineTemplate.spec.infrastructureRef.kind} does not exist`
    : '';
}

export function scalingUpCondition(cp: ControlPlane, preflight: PreflightCheckResults): NewCondition {
  if (cp.desiredReplicas === undefined) {
    return {
      type: T.ScalingUp,
      status: 'Unknown',
      reason: R.ScalingUp.WaitingForReplicasSet,
      message: 'Waiting for spec.replicas set',
    };
  }
  const current = cp.machines.length;
  const desired = desiredReplicas(cp);
  const missing = missingReferencesMessage(cp);
  if (current >= desired) {
    return {
      type: T.ScalingUp,
      status: 'False',
      reason: R.ScalingUp.NotScalingUp,
      message: missing ? `Scaling up would be blocked because ${missing}` : '',
    };
  }
  let message = `Scaling up from ${current} to ${desired} replicas`;
  const blockers = preflightMessages(cp, preflight);
  if (missing) blockers.push(`* ${missing}`);
  if (blockers.length > 0) message += ` is blocked because:\n${blockers.join('\n')}`;
  return { type: T.ScalingUp, status: 'True', reason: R.ScalingUp.ScalingUp, message };
}

export function scalingDownCondition(
  cp: ControlPlane,
  preflight: PreflightCheckResults,
  helpers: Pick<KcpStatusHelpers, 'aggregateStaleMachines'> = DEFAULT_KCP_STATUS_HELPERS,
): NewCondition {
  if (cp.desiredReplicas === undefined) {
    return {
      type: T.ScalingDown,
      status: 'Unknown',
      reason: R.ScalingDown.WaitingForReplicasSet,
      message: 'Waiting for spec.replicas set',
    };
  }
  const current = cp.machines.length;
  const desired = desiredReplicas(cp);
  if (current <= desired) {
    return { type: T.ScalingDown, status: 'False', reason: R.ScalingDown.NotScalingDown, message: '' };
  }
  let message = `Scaling down from ${current} to ${desired} replicas`;
  const blockers = preflightMessages(cp, preflight);
  const stale = helpers.aggregateStaleMachines(cp.machines, cp.now);
  if (stale) blockers.push(`* ${stale}`);
  if (blockers.length > 0) message += ` is blocked because:\n${blockers.join('\n')}`;
  return { type: T.ScalingDown, status: 'True', reason: R.ScalingDown.ScalingDown, message };
}

export function machinesReadyCondition(machines: readonly MachineObject[]): NewCondition {
  if (machines.length === 0) {
    return { type: T.MachinesReady, status: 'True', reason: R.MachinesReady.NoReplicas, message: '' };
  }
  return aggregateCondition(machines, MachineCondition.Ready, {
    targetType: T.MachinesReady,
    mergeStrategy: defaultMergeStrategy({
      computeReason: computeMergeReason(
        R.MachinesReady.NotReady,
        R.MachinesReady.ReadyUnknown,
        R.MachinesReady.Ready,
      ),
    }),
  });
}

export function machinesUpToDateCondition(machines: readonly MachineObject[], now: number): NewCondition {
  const counted = machines.filter(
    (m) =>
      getCondition(m, MachineCondition.UpToDate) !== undefined ||
      now - (Date.parse(m.metadata.creationTimestamp ?? '') || now) > UP_TO_DATE_GRACE_MS,
  );
  if (counted.length === 0) {
    return { type: T.MachinesUpToDate, status: 'True', reason: R.MachinesUpToDate.NoReplicas, message: '' };
  }
  return aggregateCondition(counted, MachineCondition.UpToDate, {
    targetType: T.MachinesUpToDate,
    mergeStrategy: defaultMergeStrategy({
      computeReason: computeMergeReason(
        R.MachinesUpToDate.NotUpToDate,
        R.MachinesUpToDate.UpToDateUnknown,
        R.MachinesUpToDate.UpToDate,
      ),
    }),
  });
}

/**
 * Remediating: True with the OwnerRemediated messages of the Machines KCP remediates; False otherwise, naming
 * unhealthy Machines someone else remediates.
 */
export function remediatingCondition(cp: ControlPlane): NewCondition {
  const toRemediate = cp.machinesToBeRemediatedByKcp();
  if (toRemediate.length === 0) {
    const unhealthy = cp.unhealthyMachines().map((m) => m.metadata.name ?? '');
    const message =
      unhealthy.length === 0
        ? ''
        : `${machinesPhrase(unhealthy)} ${unhealthy.length === 1 ? 'is' : 'are'} not healthy (not to be remediated by KubeadmControlPlane)`;
    return { type: T.Remediating, status: 'False', reason: R.Remediating.NotRemediating, message };
  }
  const aggregated = aggregateCondition(toRemediate, MachineCondition.OwnerRemediated, {
    targetType: T.Remediating,
  });
  return {
    type: T.Remediating,
    status: 'True',
    reason: R.Remediating.Remediating,
    message: aggregated.message ?? '',
  };
}

function deletingCondition(cp: ControlPlane, deletion: KcpStatusInput['deletion']): NewCondition | undefined {
  if (!isDeleting(cp.kcp)) {
    return { type: T.Deleting, status: 'False', reason: R.Deleting.NotDeleting, message: '' };
  }
  if (!deletion) return undefined;
  return { type: T.Deleting, status: 'True', reason: deletion.reason, message: deletion.message };
}

/**
 * A problem counts while Available is True only when it has lasted more than 10 s: the earliest transition of
 * the given conditions that are not True.
 */
function shouldSurfaceWhenAvailableTrue(m: MachineObject, now: number, ...types: string[]): boolean {
  let earliest: number | undefined;
  for (const type of types) {
    const c = getCondition(m, type);
    if (!c || c.status === 'True') continue;
    const t = Date.parse(c.lastTransitionTime) || 0;
    earliest = earliest === undefined ? t : Math.min(earliest, t);
  }
  return earliest !== undefined && now - earliest > SURFACE_AFTER_MS;
}

/**
 * Available (upstream `setAvailableCondition`): initialized, not deleting, certificates available, at least one
 * Machine with every control plane component healthy (etcd Pod and member included with stacked etcd), and
 * (stacked etcd) healthy etcd members reaching quorum, with the member list matching the Machines. While True,
 * partial problems older than 10 s are listed.
 */
export function availableCondition(cp: ControlPlane, initialized: NewCondition): NewCondition {
  const notAvailable = (message: string): NewCondition => ({
    type: T.Available,
    status: 'False',
    reason: R.Available.NotAvailable,
    message,
  });
  if (!cp.initialized) return notAvailable('Control plane not yet initialized');
  const managed = cp.isEtcdManaged;
  const members = cp.workload.etcdMembers;
  if (managed) {
    if (members === undefined) {
      if (cp.now - initializedTransitionTime(cp, initialized) < ETCD_MEMBERS_GRACE_MS) {
        return notAvailable('Waiting for etcd to report the list of members');
      }
      return {
        type: T.Available,
        status: 'Unknown',
        reason: R.Available.InspectionFailed,
        message: 'Failed to get etcd members',
      };
    }
    if (!cp.workload.etcdMembersAndMachinesAreMatching) {
      return notAvailable('The list of etcd members does not match the list of Machines and Nodes');
    }
  }

  const componentTypes: string[] = [
    C.APIServerPodHealthy,
    C.ControllerManagerPodHealthy,
    C.SchedulerPodHealthy,
  ];
  if (managed) componentTypes.push(C.EtcdMemberHealthy, C.EtcdPodHealthy);
  let k8sHealthy = 0;
  let k8sNotHealthy = 0;
  let k8sNotReportedYet = 0;
  for (const m of cp.machines) {
    // Machines without a providerID are still provisioning: no noise about them.
    if (!m.spec.providerID) continue;
    if (componentTypes.every((t) => isTrue(m, t))) k8sHealthy++;
    else if (shouldSurfaceWhenAvailableTrue(m, cp.now, ...componentTypes)) k8sNotHealthy++;
    else k8sNotReportedYet++;
  }

  let voting = 0;
  let learners = 0;
  let etcdHealthy = 0;
  let etcdNotHealthy = 0;
  let etcdNotReportedYet = 0;
  const memberList = members ?? [];
  if (managed) {
    const byMember = new Map<string, MachineObject>();
    let provisioning: MachineObject[] = [];
    for (const m of cp.machines) {
      if (!hasNode(m)) {
        provisioning.push(m);
        continue;
      }
      const member = memberList.find((x) => x.name === m.status?.nodeRef?.name);
      if (member) byMember.set(member.name, m);
    }
    for (const member of memberList) {
      // Members without a name are just starting; they count as learners so they cannot make quorum.
      if (member.isLearner || member.name === '') learners++;
      else voting++;
      if (member.name === '') {
        etcdHealthy++;
        continue;
      }
      let machine = byMember.get(member.name);
      if (!machine) {
        // KCP creates one Machine at a time: a single Machine without a Node is the one hosting this member.
        if (provisioning.length === 1) {
          machine = provisioning[0]!;
          provisioning = [];
        } else {
          etcdNotHealthy++;
          continue;
        }
      }
      if (isTrue(machine, C.EtcdMemberHealthy)) etcdHealthy++;
      else if (shouldSurfaceWhenAvailableTrue(machine, cp.now, C.EtcdMemberHealthy)) etcdNotHealthy++;
      else etcdNotReportedYet++;
    }
  }
  const quorum = etcdQuorum(voting);
  const learnersMessage = learners > 0 ? ` ${learners} learner etcd member,` : '';
  const etcdMessage = (healthy: number): string =>
    healthy === 1
      ? `* 1 of ${memberList.length} etcd members is healthy,${learnersMessage} at least ${quorum} healthy member required for etcd quorum`
      : `* ${healthy} of ${memberList.length} etcd members are healthy,${learnersMessage} at least ${quorum} healthy member required for etcd quorum`;

  const certificates = cp.certificatesAvailable();
  if (!isDeleting(cp.kcp) && (!managed || etcdHealthy >= quorum) && k8sHealthy >= 1 && certificates) {
    const messages: string[] = [];
    // While Available, issues younger than 10 s count as healthy.
    if (managed && etcdNotHealthy > 0) messages.push(etcdMessage(etcdHealthy + etcdNotReportedYet));
    if (k8sNotHealthy > 0) {
      const healthy = k8sHealthy + k8sNotReportedYet;
      messages.push(
        healthy === 1
          ? `* 1 of ${cp.machines.length} Machines has healthy control plane components, at least 1 required`
          : `* ${healthy} of ${cp.machines.length} Machines have healthy control plane components, at least 1 required`,
      );
    }
    return { type: T.Available, status: 'True', reason: R.Available.Available, message: messages.join('\n') };
  }

  const messages: string[] = [];
  if (isDeleting(cp.kcp)) messages.push('* Control plane metadata.deletionTimestamp is set');
  if (!certificates) messages.push('* Control plane certificates are not available');
  if (managed && etcdHealthy < quorum) {
    messages.push(
      etcdHealthy === 0
        ? `* There are no healthy etcd member,${learnersMessage} at least ${quorum} healthy member required for etcd quorum`
        : etcdMessage(etcdHealthy),
    );
  }
  if (k8sHealthy < 1) {
    messages.push('* There are no Machines with healthy control plane components, at least 1 required');
  }
  return notAvailable(messages.join('\n'));
}

/** When Initialized turned True: the stored transition, or now when this reconcile turns it True. */
function initializedTransitionTime(cp: ControlPlane, initialized: NewCondition): number {
  const stored: Condition | undefined = getCondition(cp.kcp, T.Initialized);
  if (initialized.status !== 'True') return Number.NEGATIVE_INFINITY;
  if (stored?.status === 'True') return Date.parse(stored.lastTransitionTime) || 0;
  return cp.now;
}

export interface DeletionInput {
  /** Every Machine of the Cluster (label `cluster.x-k8s.io/cluster-name`), workers included. */
  clusterMachines: readonly MachineObject[];
  /** The Cluster's MachinePools (empty when the MachinePool feature is off). */
  machinePoolNames: readonly string[];
  /** Default `DEFAULT_KCP_STATUS_HELPERS`. */
  helpers?: Pick<KcpStatusHelpers, 'aggregateStaleMachines'>;
}

export type DeletionPlan =
  /** No control plane Machine is left: remove the finalizer. */
  | { action: 'removeFinalizer'; reason: string; message: string }
  /** Workers must go first; requeue after 30 s. */
  | { action: 'waitForWorkers'; reason: string; message: string }
  /**
   * Remove the kcp-cleanup pre-terminate hook from `removeHookFrom` (no etcd work while everything goes), delete
   * `deleteMachines` (all in parallel), requeue after 30 s.
   */
  | {
      action: 'deleteMachines';
      removeHookFrom: MachineObject[];
      deleteMachines: MachineObject[];
      reason: string;
      message: string;
    };

/** What KCP deletion does next, with the Deleting condition's reason and message (upstream `reconcileDelete`). */
export function planDeletion(cp: ControlPlane, input: DeletionInput): DeletionPlan {
  if (cp.machines.length === 0) {
    return { action: 'removeFinalizer', reason: R.Deleting.DeletionCompleted, message: 'Deletion completed' };
  }
  if (input.clusterMachines.length !== cp.machines.length || input.machinePoolNames.length > 0) {
    const clusterName = cp.cluster.metadata.name ?? '';
    const workers = input.clusterMachines
      .filter(
        (m) =>
          m.metadata.labels?.[Label.ClusterName] !== clusterName ||
          m.metadata.labels[Label.ControlPlane] === undefined,
      )
      .map((m) => m.metadata.name ?? '')
      .sort();
    const pending: string[] = [];
    if (input.machinePoolNames.length > 0) {
      pending.push(`* MachinePools: ${listToString([...input.machinePoolNames].sort(), 5)}`);
    }
    if (workers.length > 0) pending.push(`* Machines: ${listToString(workers, 5)}`);
    return {
      action: 'waitForWorkers',
      reason: R.Deleting.WaitingForWorkersDeletion,
      message: `KubeadmControlPlane deletion blocked because following objects still exist:\n${pending.join('\n')}`,
    };
  }
  const n = cp.machines.length;
  let message = `Deleting ${n} Machine${n === 1 ? '' : 's'}`;
  const stale = (input.helpers ?? DEFAULT_KCP_STATUS_HELPERS).aggregateStaleMachines(cp.machines, cp.now);
  if (stale) message += ` and ${stale}`;
  return {
    action: 'deleteMachines',
    removeHookFrom: cp.machines.filter((m) =>
      hasAnnotation(m, KubeadmControlPlaneAnnotation.PreTerminateHookCleanup),
    ),
    deleteMachines: cp.machines.filter((m) => !isDeleting(m)),
    reason: R.Deleting.WaitingForMachineDeletion,
    message,
  };
}
