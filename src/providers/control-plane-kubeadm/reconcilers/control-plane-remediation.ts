// Remediation of unhealthy control plane Machines by delete-and-recreate (upstream `reconcileUnhealthyMachines`):
// `planRemediation` decides; this carries it out. The replacement comes from the next scale up, which copies
// the KCP's `remediation-in-progress` data onto the new Machine as `remediation-for`.
import {
  deleteCondition,
  type NewCondition,
  setCondition,
} from '../../../controller-runtime/conditions/index.js';
import type { Result } from '../../../controller-runtime/controller/reconciler.js';
import { PatchHelper } from '../../../controller-runtime/helpers/patch-helper.js';
import { MachineCondition } from '../../../core/api/v1beta2/index.js';
import { KubeadmControlPlaneAnnotation } from '../api/index.js';
import { type MachineObject, OwnerRemediatedCondition, planRemediation } from '../internal/index.js';
import { deleteMachine } from './control-plane-machines.js';
import { forwardEtcdLeadership } from './control-plane-workload.js';
import { errorText, type KcpDeps, type KcpScope, objectKey } from './kubeadm-control-plane-scope.js';

const OWNER_REMEDIATED = [MachineCondition.OwnerRemediated];

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
      throw new Error(decision.error);
    case 'defer':
      s.log.info(
        { machine: decision.machine.metadata.name, reason: decision.condition.reason },
        `A control plane Machine needs remediation, but ${decision.condition.message ?? ''}. Skipping remediation`,
      );
      await patchOwnerRemediated(deps, decision.machine, (m) => setCondition(m, decision.condition));
      return undefined;
    case 'remediate':
      break;
  }

  const machine = decision.machine;
  let condition: NewCondition = OwnerRemediatedCondition.deleting();
  let failure: { error: unknown } | undefined;
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
      throw new Error(
        `failed to delete unhealthy machine ${machine.metadata.name ?? ''}: ${errorText(err)}`,
        {
          cause: err,
        },
      );
    }
  } catch (error) {
    failure = { error };
  }
  // The Machine says how its remediation went, whatever happened.
  try {
    await patchOwnerRemediated(deps, machine, (m) => setCondition(m, condition));
  } catch (err) {
    const error = new Error(
      `failed to patch control plane Machine ${machine.metadata.name ?? ''}: ${errorText(err)}`,
    );
    if (failure) s.log.error({ err: error.message }, 'Failed to patch control plane Machine');
    else failure = { error };
  }
  if (failure) throw failure.error;
  s.log.info({ machine: machine.metadata.name }, 'Deleting Machine (remediating unhealthy Machine)');
  s.kcp.metadata.annotations = {
    ...s.kcp.metadata.annotations,
    [KubeadmControlPlaneAnnotation.RemediationInProgress]: decision.annotation,
  };
  // The deletion brings the KCP back anyway; a result stops this reconcile here.
  return { requeueAfterMs: 1 };
}
