// Remediation of unhealthy control plane Machines by delete-and-recreate (upstream `reconcileUnhealthyMachines`):
// `planRemediation` decides; this carries it out. The replacement comes from the next scale up, which copies
// the KCP's `remediation-in-progress` data onto the new Machine as `remediation-for`. Each decision on a
// Machine is counted in `capi_kubeadmcontrolplane_remediations_total` (see `../metrics.ts`).
import {
  deleteCondition,
  type NewCondition,
  setCondition,
} from '../../../controller-runtime/conditions/index.js';
import type { Result } from '../../../controller-runtime/controller/reconciler.js';
import { PatchHelper } from '../../../controller-runtime/helpers/patch-helper.js';
import { MachineCondition } from '../../../core/api/v1beta2/index.js';
import {
  KubeadmControlPlaneAnnotation,
  KubeadmControlPlaneMachineReason as MachineReason,
} from '../api/index.js';
import { type MachineObject, OwnerRemediatedCondition, planRemediation } from '../internal/index.js';
import type { RemediationOutcome } from '../metrics.js';
import { deleteMachine } from './control-plane-machines.js';
import { forwardEtcdLeadership } from './control-plane-workload.js';
import { errorText, type KcpDeps, type KcpScope, objectKey } from './kubeadm-control-plane-scope.js';

const OWNER_REMEDIATED = [MachineCondition.OwnerRemediated];

/** Counts a remediation decision (the metrics count each Machine's decision once, however often repeated). */
function countDecision(
  deps: KcpDeps,
  s: KcpScope,
  machine: string,
  outcome: RemediationOutcome,
  reason: string,
): void {
  deps.metrics.remediated(
    { namespace: s.cluster.metadata.namespace ?? '', name: s.cluster.metadata.name ?? '' },
    { machine, outcome, reason },
  );
}

async function patchOwnerRemediated(
  deps: KcpDeps,
  machine: MachineObject,
  change: (m: MachineObject) => void,
): Promise<void> {
  const helper = PatchHelper.create(machine, deps.client);
  change(machine);
  await helper.patch(machine, { ownedConditions: OWNER_REMEDIATED });
}

/**
 * Cleans up OwnerRemediated on Machines that are healthy again and a stale `remediation-in-progress`, then
 * defers (saying why on the Machine) or remediates the "most broken" Machine: etcd leadership moves off it, it is
 * deleted, and the KCP records the remediation. A result means "stop here and come back".
 */
export async function reconcileUnhealthyMachines(deps: KcpDeps, s: KcpScope): Promise<Result | undefined> {
  const plan = planRemediation(s.cp);
  const errors: string[] = [];
  for (const m of plan.cleanupOwnerRemediated) {
    try {
      await patchOwnerRemediated(deps, m, (x) => deleteCondition(x, MachineCondition.OwnerRemediated));
    } catch (err) {
      errors.push(`${objectKey(m)}: ${errorText(err)}`);
    }
  }
  if (errors.length > 0) throw new Error(errors.join('; '));
  if (plan.removeStaleRemediationInProgress && s.kcp.metadata.annotations)
    delete s.kcp.metadata.annotations[KubeadmControlPlaneAnnotation.RemediationInProgress];

  const decision = plan.decision;
  switch (decision.action) {
    case 'none':
      if (decision.log) s.log.info(decision.log);
      return undefined;
    case 'error':
      // Remediation data that cannot be read (hand-edited annotations): nothing is set on a Machine.
      countDecision(deps, s, '', 'failed', MachineReason.OwnerRemediated.InternalError);
      throw new Error(decision.error);
    case 'defer':
      s.log.info(
        { machine: decision.machine.metadata.name, reason: decision.condition.reason },
        `A control plane Machine needs remediation, but ${decision.condition.message ?? ''}. Skipping remediation`,
      );
      await patchOwnerRemediated(deps, decision.machine, (m) => setCondition(m, decision.condition));
      countDecision(deps, s, decision.machine.metadata.name ?? '', 'deferred', decision.condition.reason);
      return undefined;
    case 'remediate':
      break;
  }

  const machine = decision.machine;
  const name = machine.metadata.name ?? '';
  let condition: NewCondition = OwnerRemediatedCondition.deleting();
  let failure: { error: unknown; deleted?: boolean } | undefined;
  try {
    if (decision.forwardEtcdLeadership) {
      try {
        await forwardEtcdLeadership(s, machine);
      } catch (err) {
        condition = OwnerRemediatedCondition.leadershipFailed(errorText(err));
        throw err;
      }
    }
    try {
      await deleteMachine(deps, s, machine);
    } catch (err) {
      condition = OwnerRemediatedCondition.deleteFailed();
      throw new Error(`failed to delete unhealthy machine ${name}: ${errorText(err)}`, { cause: err });
    }
  } catch (error) {
    failure = { error };
  }
  countDecision(deps, s, name, failure ? 'failed' : 'remediated', condition.reason);
  // The Machine says how its remediation went, whatever happened.
  try {
    await patchOwnerRemediated(deps, machine, (m) => setCondition(m, condition));
  } catch (err) {
    const error = new Error(`failed to patch control plane Machine ${name}: ${errorText(err)}`);
    if (failure) s.log.error({ err: error.message }, 'Failed to patch control plane Machine');
    else failure = { error, deleted: true };
  }
  if (failure && !failure.deleted) throw failure.error;
  s.log.info({ machine: name }, 'Deleting Machine (remediating unhealthy Machine)');
  deps.recorder?.event(
    s.kcp,
    'Normal',
    'RemediatingMachine',
    `Deleting unhealthy Machine "${name}" to replace it (remediation)`,
  );
  // Recorded once the Machine is deleting, even when its condition could not be written (as upstream), so
  // the replacement carries the retry count.
  s.kcp.metadata.annotations = {
    ...s.kcp.metadata.annotations,
    [KubeadmControlPlaneAnnotation.RemediationInProgress]: decision.annotation,
  };
  if (failure) throw failure.error;
  // The deletion brings the KCP back anyway; a result stops this reconcile here.
  return { requeueAfterMs: 1 };
}
