// Status of a MachineDeployment as upstream's machinedeployment_status.go computes it: replica counters and
// versions summed over its MachineSets, the selector as a string, the (deprecated) phase, and the v1beta2
// conditions with upstream's reasons and messages.
import semver from 'semver';
import {
  aggregateCondition,
  computeMergeReason,
  defaultMergeStrategy,
  getCondition,
  hasCondition,
  isFalse,
  setCondition,
} from '../../../controller-runtime/conditions/index.js';
import { MachineDeploymentPhase } from '../../api/v1beta2/machine-deployment-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import {
  MachineCondition,
  MachineDeploymentCondition as Cond,
  MachineDeploymentReason as Reason,
} from '../../api/v1beta2/well-known.js';
import { isSelectorError, labelSelectorAsSelector } from '../../webhooks/util/label-selector.js';
import type { Stored } from '../cluster/cluster-scope.js';
import type { MachineDeploymentScope } from './machine-deployment-scope.js';
import {
  intOrPercentString,
  isRollingUpdate,
  maxUnavailable,
  rollingUpdateParams,
} from './rollout-limits.js';
import { statusSum } from './rollout-planner.js';
import { aggregateStaleMachines, namesMessage } from '../../util/index.js';

/** New Machines get this long to report UpToDate before they count in MachinesUpToDate. */
const UP_TO_DATE_GRACE_MS = 10_000;

type StatusVersion = { version: string; replicas?: number };

/** Writes `value` or removes the field (the API omits a counter nobody reports). */
function setCounter(status: Record<string, unknown>, field: string, value: number | undefined): void {
  if (value === undefined) delete status[field];
  else status[field] = value;
}

/** Replica counters and versions from the MachineSets' status. */
export function setReplicas(
  status: Record<string, unknown>,
  machineSets: readonly Stored<MachineSet>[],
): void {
  setCounter(status, 'replicas', statusSum(machineSets, 'replicas'));
  setCounter(status, 'readyReplicas', statusSum(machineSets, 'readyReplicas'));
  setCounter(status, 'availableReplicas', statusSum(machineSets, 'availableReplicas'));
  setCounter(status, 'upToDateReplicas', statusSum(machineSets, 'upToDateReplicas'));
  const versions = aggregateVersions(
    machineSets.flatMap((ms) => (ms.status?.versions ?? []) as StatusVersion[]),
  );
  if (versions.length > 0) status.versions = versions;
  else delete status.versions;
}

/** `AggregateStatusVersions`: replicas summed per version, lowest version first. */
export function aggregateVersions(versions: readonly StatusVersion[]): StatusVersion[] {
  const byVersion = new Map<string, StatusVersion>();
  for (const v of versions) {
    if (!v.version) continue;
    const seen = byVersion.get(v.version);
    if (seen) seen.replicas = (seen.replicas ?? 0) + (v.replicas ?? 0);
    else byVersion.set(v.version, { version: v.version, replicas: v.replicas ?? 0 });
  }
  const parse = (s: string) => semver.parse(s, { loose: true });
  return [...byVersion.values()].sort((a, b) => {
    const pa = parse(a.version);
    const pb = parse(b.version);
    if (pa && pb)
      return semver.compare(pa, pb) || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0);
    if (pa) return -1;
    if (pb) return 1;
    return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
  });
}

/** Status and conditions at the end of a reconcile; `succeeded` says whether observedGeneration may move. */
export function updateMachineDeploymentStatus(s: MachineDeploymentScope, succeeded: boolean): void {
  const md = s.machineDeployment;
  const status = (md.status ??= {}) as NonNullable<typeof md.status> & Record<string, unknown>;
  const selector = labelSelectorAsSelector(md.spec.selector);
  if (!isSelectorError(selector)) status.selector = selector.toString();
  const listed = s.machineSets !== undefined;
  const machineSets = s.machineSets ?? [];
  if (listed) setReplicas(status, machineSets);
  setPhase(s);
  setAvailable(s);
  setRollingOut(s);
  setScalingUp(s);
  setScalingDown(s);
  setMachinesCondition(s, 'Ready');
  setMachinesCondition(s, 'UpToDate');
  setRemediating(s);
  setDeleting(s);
  if (succeeded && md.metadata.generation !== undefined) status.observedGeneration = md.metadata.generation;
}

const currentReplicas = (s: MachineDeploymentScope): number =>
  statusSum(s.machineSets ?? [], 'replicas') ?? 0;

function setPhase(s: MachineDeploymentScope): void {
  const md = s.machineDeployment;
  const status = md.status!;
  if (!s.machineSets || md.spec.replicas === undefined) status.phase = MachineDeploymentPhase.Unknown;
  else if (md.metadata.deletionTimestamp) status.phase = MachineDeploymentPhase.ScalingDown;
  else {
    const desired = md.spec.replicas;
    const current = currentReplicas(s);
    status.phase =
      desired === current
        ? MachineDeploymentPhase.Running
        : desired < current
          ? MachineDeploymentPhase.ScalingDown
          : MachineDeploymentPhase.ScalingUp;
  }
}

const internalError = (type: string, reason: string) => ({
  type,
  status: 'Unknown' as const,
  reason,
  message: 'Please check controller logs for errors',
});

function setAvailable(s: MachineDeploymentScope): void {
  const md = s.machineDeployment;
  if (!s.machineSets)
    return void setCondition(md, internalError(Cond.Available, Reason.AvailableInternalError));
  if (md.spec.replicas === undefined)
    return void setCondition(md, {
      type: Cond.Available,
      status: 'Unknown',
      reason: Reason.AvailableWaitingForReplicasSet,
      message: 'Waiting for spec.replicas set',
    });
  const available = md.status?.availableReplicas;
  if (available === undefined)
    return void setCondition(md, {
      type: Cond.Available,
      status: 'Unknown',
      reason: Reason.AvailableWaitingForAvailableReplicasSet,
      message: 'Waiting for status.availableReplicas set',
    });
  const minNeeded = md.spec.replicas - maxUnavailable(md);
  if (available >= minNeeded)
    return void setCondition(md, { type: Cond.Available, status: 'True', reason: Reason.Available });
  let message = `${available} available replicas, at least ${minNeeded} required`;
  if (isRollingUpdate(md))
    message += ` (spec.strategy.rollout.maxUnavailable is ${intOrPercentString(rollingUpdateParams(md).maxUnavailable)}, spec.replicas is ${md.spec.replicas})`;
  if (md.metadata.deletionTimestamp) message = 'Deletion in progress';
  setCondition(md, { type: Cond.Available, status: 'False', reason: Reason.NotAvailable, message });
}

/** RollingOut: Machines whose UpToDate is False, with the reasons they give (version changes first). */
function setRollingOut(s: MachineDeploymentScope): void {
  const md = s.machineDeployment;
  let rollingOut = 0;
  const reasons = new Set<string>();
  for (const m of s.machines) {
    const c = getCondition(m, MachineCondition.UpToDate);
    if (c?.status !== 'False') continue;
    rollingOut++;
    if (c.message) for (const line of c.message.split('\n')) reasons.add(line);
  }
  if (rollingOut === 0)
    return void setCondition(md, { type: Cond.RollingOut, status: 'False', reason: Reason.NotRollingOut });
  const isVersion = (r: string) => r.startsWith('* Version');
  const sorted = [...reasons].sort((a, b) =>
    isVersion(a) !== isVersion(b) ? (isVersion(a) ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0,
  );
  let message = `Rolling out ${rollingOut} not up-to-date replicas`;
  if (sorted.length > 0) message += `\n${sorted.join('\n')}`;
  setCondition(md, { type: Cond.RollingOut, status: 'True', reason: Reason.RollingOut, message });
}

function missingReferencesMessage(s: MachineDeploymentScope): string {
  const spec = s.machineDeployment.spec.template.spec;
  const missing: string[] = [];
  if (s.bootstrapTemplateNotFound) missing.push(spec.bootstrap.configRef?.kind ?? '');
  if (s.infrastructureTemplateNotFound) missing.push(spec.infrastructureRef.kind);
  if (missing.length === 0) return '';
  return missing.length === 1
    ? `because ${missing[0]} does not exist`
    : `because ${missing.join(' and ')} do not exist`;
}

function setScalingUp(s: MachineDeploymentScope): void {
  const md = s.machineDeployment;
  if (!s.machineSets)
    return void setCondition(md, internalError(Cond.ScalingUp, Reason.ScalingUpInternalError));
  if (md.spec.replicas === undefined)
    return void setCondition(md, {
      type: Cond.ScalingUp,
      status: 'Unknown',
      reason: Reason.ScalingUpWaitingForReplicasSet,
      message: 'Waiting for spec.replicas set',
    });
  const deleting = !!md.metadata.deletionTimestamp;
  const desired = deleting ? 0 : md.spec.replicas;
  const current = currentReplicas(s);
  const missing = missingReferencesMessage(s);
  if (current >= desired) {
    setCondition(md, {
      type: Cond.ScalingUp,
      status: 'False',
      reason: Reason.NotScalingUp,
      message: !deleting && missing ? `Scaling up would be blocked ${missing}` : '',
    });
    return;
  }
  let message = `Scaling up from ${current} to ${desired} replicas`;
  if (missing) message += ` is blocked ${missing}`;
  setCondition(md, { type: Cond.ScalingUp, status: 'True', reason: Reason.ScalingUp, message });
}

function setScalingDown(s: MachineDeploymentScope): void {
  const md = s.machineDeployment;
  if (!s.machineSets)
    return void setCondition(md, internalError(Cond.ScalingDown, Reason.ScalingDownInternalError));
  if (md.spec.replicas === undefined)
    return void setCondition(md, {
      type: Cond.ScalingDown,
      status: 'Unknown',
      reason: Reason.ScalingDownWaitingForReplicasSet,
      message: 'Waiting for spec.replicas set',
    });
  const desired = md.metadata.deletionTimestamp ? 0 : md.spec.replicas;
  const current = currentReplicas(s);
  if (current > desired) {
    let message = `Scaling down from ${current} to ${desired} replicas`;
    const stale = aggregateStaleMachines(s.machines, s.now);
    if (stale) message += `\n* ${stale}`;
    setCondition(md, { type: Cond.ScalingDown, status: 'True', reason: Reason.ScalingDown, message });
    return;
  }
  setCondition(md, { type: Cond.ScalingDown, status: 'False', reason: Reason.NotScalingDown });
}

/** MachinesReady / MachinesUpToDate: the Machines' Ready / UpToDate conditions aggregated. */
function setMachinesCondition(s: MachineDeploymentScope, source: 'Ready' | 'UpToDate'): void {
  const md = s.machineDeployment;
  const ready = source === 'Ready';
  const target = ready ? Cond.MachinesReady : Cond.MachinesUpToDate;
  // A new Machine gets a moment to report UpToDate, so the condition does not flicker on every scale up.
  const machines = ready
    ? s.machines
    : s.machines.filter(
        (m) =>
          hasCondition(m, MachineCondition.UpToDate) ||
          s.now - Date.parse(m.metadata.creationTimestamp ?? '') > UP_TO_DATE_GRACE_MS,
      );
  if (machines.length === 0) {
    setCondition(md, {
      type: target,
      status: 'True',
      reason: ready ? Reason.MachinesReadyNoReplicas : Reason.MachinesUpToDateNoReplicas,
    });
    return;
  }
  setCondition(
    md,
    aggregateCondition(machines, source, {
      targetType: target,
      mergeStrategy: defaultMergeStrategy({
        computeReason: ready
          ? computeMergeReason(Reason.MachinesNotReady, Reason.MachinesReadyUnknown, Reason.MachinesReady)
          : computeMergeReason(
              Reason.MachinesNotUpToDate,
              Reason.MachinesUpToDateUnknown,
              Reason.MachinesUpToDate,
            ),
      }),
    }),
  );
}

const isUnhealthy = (m: Stored<Machine>): boolean => isFalse(m, MachineCondition.HealthCheckSucceeded);

function setRemediating(s: MachineDeploymentScope): void {
  const md = s.machineDeployment;
  const toRemediate = s.machines.filter(
    (m) => isUnhealthy(m) && isFalse(m, MachineCondition.OwnerRemediated),
  );
  if (toRemediate.length === 0) {
    const unhealthy = s.machines.filter(isUnhealthy).map((m) => m.metadata.name ?? '');
    setCondition(md, {
      type: Cond.Remediating,
      status: 'False',
      reason: Reason.NotRemediating,
      message: unhealthy.length
        ? `${namesMessage(unhealthy)} not healthy (not to be remediated by MachineDeployment/MachineSet)`
        : '',
    });
    return;
  }
  const aggregated = aggregateCondition(toRemediate, MachineCondition.OwnerRemediated, {
    targetType: Cond.Remediating,
  });
  setCondition(md, {
    type: Cond.Remediating,
    status: 'True',
    reason: Reason.Remediating,
    message: aggregated.message ?? '',
  });
}

function setDeleting(s: MachineDeploymentScope): void {
  const md = s.machineDeployment;
  if (!s.machineSets)
    return void setCondition(md, internalError(Cond.Deleting, Reason.DeletingInternalError));
  if (!md.metadata.deletionTimestamp)
    return void setCondition(md, { type: Cond.Deleting, status: 'False', reason: Reason.NotDeleting });
  let message = '';
  const n = s.machines.length;
  if (n > 0) {
    message = `Deleting ${n} Machine${n === 1 ? '' : 's'}`;
    const stale = aggregateStaleMachines(s.machines, s.now);
    if (stale) message += `\n* ${stale}`;
  }
  if (n === 0 && s.machineSets.length > 0) message = `Deleting ${s.machineSets.length} MachineSets`;
  if (!message) message = 'Deletion completed';
  setCondition(md, { type: Cond.Deleting, status: 'True', reason: Reason.Deleting, message });
}

/** `Machine a, b` / `Machines a, b, c, ... (2 more)`: names sorted, at most three. */
