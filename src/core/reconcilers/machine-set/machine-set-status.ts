// MachineSet status as upstream's v1beta2 status: replica counters from the Machines' conditions, the
// selector in string form, versions, and the ScalingUp/ScalingDown/MachinesReady/MachinesUpToDate/
// Remediating/Deleting conditions with upstream's reasons and messages.
import {
  aggregateCondition,
  computeMergeReason,
  defaultMergeStrategy,
  getCondition,
  isFalse,
  isTrue,
  setCondition,
} from '../../../controller-runtime/conditions/index.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import {
  Annotation,
  MachineCondition,
  MachineSetCondition,
  MachineSetReason,
} from '../../api/v1beta2/well-known.js';
import { isSelectorError, labelSelectorAsSelector } from '../../webhooks/util/label-selector.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { isUpdateInProgress } from './machine-set-delete-policy.js';
import type { MachineSetScope } from './machine-set-scope.js';
import { aggregateStaleMachines, namesMessage, versionsFromMachines } from '../../util/index.js';

const INTERNAL_ERROR_MESSAGE = 'Please check controller logs for errors';
/** A Machine without an UpToDate condition is left out of MachinesUpToDate for its first 10 s. */
const UP_TO_DATE_GRACE_MS = 10_000;

export const isUnhealthy = (m: Stored<Machine>): boolean => isFalse(m, MachineCondition.HealthCheckSucceeded);
export const isUnhealthyAndOwnerRemediated = (m: Stored<Machine>): boolean =>
  isUnhealthy(m) && isFalse(m, MachineCondition.OwnerRemediated);

/** Every status field and condition the MachineSet controller owns (`Paused` is set at the start). */
export function updateMachineSetStatus(s: MachineSetScope): void {
  const ms = s.machineSet;
  const status = (ms.status ??= {});
  const selector = labelSelectorAsSelector(ms.spec.selector);
  if (!isSelectorError(selector)) status.selector = selector.toString() || undefined;
  if (status.selector === undefined) delete status.selector;
  setReplicas(s);
  setScalingUpCondition(s);
  setScalingDownCondition(s);
  setMachinesReadyCondition(s);
  setMachinesUpToDateCondition(s);
  setRemediatingCondition(s);
  setDeletingCondition(s);
}

function setReplicas(s: MachineSetScope): void {
  if (!s.machinesListed) return;
  const status = s.machineSet.status!;
  let ready = 0;
  let available = 0;
  let upToDate = 0;
  for (const m of s.machines) {
    // A Machine updating in place counts as neither ready, available nor up to date.
    if (isUpdateInProgress(m)) continue;
    if (isTrue(m, MachineCondition.Ready)) ready++;
    if (isTrue(m, MachineCondition.Available)) available++;
    if (isTrue(m, MachineCondition.UpToDate)) upToDate++;
  }
  status.replicas = s.machines.length;
  status.readyReplicas = ready;
  status.availableReplicas = available;
  status.upToDateReplicas = upToDate;
  const versions = versionsFromMachines(s.machines);
  if (versions.length) status.versions = versions;
  else delete status.versions;
}

const desiredReplicas = (ms: Stored<MachineSet>): number =>
  ms.metadata.deletionTimestamp ? 0 : (ms.spec.replicas ?? 0);

function missingReferencesMessage(s: MachineSetScope): string {
  const spec = s.machineSet.spec.template.spec;
  const missing: string[] = [];
  if (s.bootstrapTemplateNotFound) missing.push(spec.bootstrap.configRef?.kind ?? '');
  if (s.infrastructureTemplateNotFound) missing.push(spec.infrastructureRef.kind);
  if (missing.length === 0) return '';
  return missing.length === 1 ? `${missing[0]} does not exist` : `${missing.join(' and ')} do not exist`;
}

function setScalingUpCondition(s: MachineSetScope): void {
  const ms = s.machineSet;
  if (!s.machinesListed) {
    setCondition(ms, {
      type: MachineSetCondition.ScalingUp,
      status: 'Unknown',
      reason: MachineSetReason.ScalingUpInternalError,
      message: INTERNAL_ERROR_MESSAGE,
    });
    return;
  }
  if (ms.spec.replicas === undefined) {
    setCondition(ms, {
      type: MachineSetCondition.ScalingUp,
      status: 'Unknown',
      reason: MachineSetReason.ScalingUpWaitingForReplicasSet,
      message: 'Waiting for spec.replicas set',
    });
    return;
  }
  const desired = desiredReplicas(ms);
  const current = s.machines.length;
  const missing = missingReferencesMessage(s);
  if (current >= desired) {
    setCondition(ms, {
      type: MachineSetCondition.ScalingUp,
      status: 'False',
      reason: MachineSetReason.NotScalingUp,
      message:
        !ms.metadata.deletionTimestamp && missing ? `Scaling up would be blocked because ${missing}` : '',
    });
    return;
  }
  let message = `Scaling up from ${current} to ${desired} replicas`;
  if (missing || s.scaleUpPreflightFailures.length > 0) {
    const list = s.scaleUpPreflightFailures.map((m) => `* ${m}`);
    if (missing) list.push(`* ${missing}`);
    message += ` is blocked because:\n${list.join('\n')}`;
  }
  setCondition(ms, {
    type: MachineSetCondition.ScalingUp,
    status: 'True',
    reason: MachineSetReason.ScalingUp,
    message,
  });
}

function setScalingDownCondition(s: MachineSetScope): void {
  const ms = s.machineSet;
  if (!s.machinesListed) {
    setCondition(ms, {
      type: MachineSetCondition.ScalingDown,
      status: 'Unknown',
      reason: MachineSetReason.ScalingDownInternalError,
      message: INTERNAL_ERROR_MESSAGE,
    });
    return;
  }
  if (ms.spec.replicas === undefined) {
    setCondition(ms, {
      type: MachineSetCondition.ScalingDown,
      status: 'Unknown',
      reason: MachineSetReason.ScalingDownWaitingForReplicasSet,
      message: 'Waiting for spec.replicas set',
    });
    return;
  }
  const desired = desiredReplicas(ms);
  // Machines moved here and not yet acknowledged by the MachineDeployment are not counted.
  const current = s.machines.filter(
    (m) => !(Annotation.PendingAcknowledgeMove in (m.metadata.annotations ?? {})),
  ).length;
  if (current > desired) {
    let message = `Scaling down from ${current} to ${desired} replicas`;
    const stale = aggregateStaleMachines(s.machines, s.now);
    if (stale) message += `\n* ${stale}`;
    setCondition(ms, {
      type: MachineSetCondition.ScalingDown,
      status: 'True',
      reason: MachineSetReason.ScalingDown,
      message,
    });
    return;
  }
  setCondition(ms, {
    type: MachineSetCondition.ScalingDown,
    status: 'False',
    reason: MachineSetReason.NotScalingDown,
  });
}

function setMachinesReadyCondition(s: MachineSetScope): void {
  const ms = s.machineSet;
  if (!s.machinesListed) {
    setCondition(ms, {
      type: MachineSetCondition.MachinesReady,
      status: 'Unknown',
      reason: MachineSetReason.MachinesReadyInternalError,
      message: INTERNAL_ERROR_MESSAGE,
    });
    return;
  }
  if (s.machines.length === 0) {
    setCondition(ms, {
      type: MachineSetCondition.MachinesReady,
      status: 'True',
      reason: MachineSetReason.MachinesReadyNoReplicas,
    });
    return;
  }
  setCondition(
    ms,
    aggregateCondition(s.machines, MachineCondition.Ready, {
      targetType: MachineSetCondition.MachinesReady,
      mergeStrategy: defaultMergeStrategy({
        computeReason: computeMergeReason(
          MachineSetReason.MachinesNotReady,
          MachineSetReason.MachinesReadyUnknown,
          MachineSetReason.MachinesReady,
        ),
      }),
    }),
  );
}

function setMachinesUpToDateCondition(s: MachineSetScope): void {
  const ms = s.machineSet;
  if (!s.machinesListed) {
    setCondition(ms, {
      type: MachineSetCondition.MachinesUpToDate,
      status: 'Unknown',
      reason: MachineSetReason.MachinesUpToDateInternalError,
      message: INTERNAL_ERROR_MESSAGE,
    });
    return;
  }
  // A new Machine gets its UpToDate condition shortly after creation; leaving it out meanwhile keeps the
  // condition from flickering.
  const machines = s.machines.filter(
    (m) =>
      getCondition(m, MachineCondition.UpToDate) !== undefined ||
      s.now - (Date.parse(m.metadata.creationTimestamp ?? '') || s.now) > UP_TO_DATE_GRACE_MS,
  );
  if (machines.length === 0) {
    setCondition(ms, {
      type: MachineSetCondition.MachinesUpToDate,
      status: 'True',
      reason: MachineSetReason.MachinesUpToDateNoReplicas,
    });
    return;
  }
  setCondition(
    ms,
    aggregateCondition(machines, MachineCondition.UpToDate, {
      targetType: MachineSetCondition.MachinesUpToDate,
      mergeStrategy: defaultMergeStrategy({
        computeReason: computeMergeReason(
          MachineSetReason.MachinesNotUpToDate,
          MachineSetReason.MachinesUpToDateUnknown,
          MachineSetReason.MachinesUpToDate,
        ),
      }),
    }),
  );
}

function setRemediatingCondition(s: MachineSetScope): void {
  const ms = s.machineSet;
  if (!s.machinesListed) {
    setCondition(ms, {
      type: MachineSetCondition.Remediating,
      status: 'Unknown',
      reason: MachineSetReason.RemediatingInternalError,
      message: INTERNAL_ERROR_MESSAGE,
    });
    return;
  }
  const toRemediate = s.machines.filter(isUnhealthyAndOwnerRemediated);
  if (toRemediate.length === 0) {
    const unhealthy = s.machines.filter(isUnhealthy);
    setCondition(ms, {
      type: MachineSetCondition.Remediating,
      status: 'False',
      reason: MachineSetReason.NotRemediating,
      message: unhealthy.length
        ? `${namesMessage(unhealthy.map((m) => m.metadata.name ?? ''))} not healthy (not to be remediated by MachineSet)`
        : '',
    });
    return;
  }
  const aggregated = aggregateCondition(toRemediate, MachineCondition.OwnerRemediated, {
    targetType: MachineSetCondition.Remediating,
  });
  setCondition(ms, {
    type: MachineSetCondition.Remediating,
    status: 'True',
    reason: MachineSetReason.Remediating,
    message: aggregated.message ?? '',
  });
}

function setDeletingCondition(s: MachineSetScope): void {
  const ms = s.machineSet;
  if (!s.machinesListed) {
    setCondition(ms, {
      type: MachineSetCondition.Deleting,
      status: 'Unknown',
      reason: MachineSetReason.DeletingInternalError,
      message: INTERNAL_ERROR_MESSAGE,
    });
    return;
  }
  if (!ms.metadata.deletionTimestamp) {
    setCondition(ms, {
      type: MachineSetCondition.Deleting,
      status: 'False',
      reason: MachineSetReason.NotDeleting,
    });
    return;
  }
  let message = '';
  const n = s.machines.length;
  if (n > 0) {
    message = `Deleting ${n} Machine${n === 1 ? '' : 's'}`;
    const stale = aggregateStaleMachines(s.machines, s.now);
    if (stale) message += `\n* ${stale}`;
  }
  setCondition(ms, {
    type: MachineSetCondition.Deleting,
    status: 'True',
    reason: MachineSetReason.Deleting,
    message: message || 'Deletion completed',
  });
}
