// The `UpToDate` condition of a Machine that belongs to a MachineDeployment. Upstream's Machine controller
// computes it (machine_controller_status.go `setUpToDateCondition`) from the owning MachineSet's template
// and the MachineDeployment's; here the MachineDeployment controller computes it with the same rules and
// words, since it already holds both objects and the Machines.
import { getCondition, type NewCondition } from '../../../controller-runtime/conditions/index.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import { MachineCondition, MachineReason } from '../../api/v1beta2/well-known.js';
import {
  machineTemplateUpToDate,
  rolloutAfterExpired,
  type TemplatedMachineDeployment,
  type TemplatedMachineSet,
} from './machine-template.js';

/**
 * Not up to date when the owning MachineSet's template differs from the MachineDeployment's (or
 * `spec.rollout.after` has passed since the MachineSet was created); still Updating while an in-place update
 * runs or the kubelet reports another version than the Machine's; otherwise up to date.
 */
export function machineUpToDateCondition(
  machine: Pick<Machine, 'spec' | 'status'>,
  ms: TemplatedMachineSet,
  md: TemplatedMachineDeployment,
  nowMs: number,
): NewCondition {
  const result = machineTemplateUpToDate(ms.spec?.template, md.spec?.template);
  const messages = [...result.conditionMessages];
  let upToDate = result.upToDate;
  if (rolloutAfterExpired(md, ms, nowMs)) {
    upToDate = false;
    messages.push('MachineDeployment spec.rolloutAfter expired');
  }
  if (!upToDate) {
    return {
      type: MachineCondition.UpToDate,
      status: 'False',
      reason: MachineReason.NotUpToDate,
      message: messages.map((m) => `* ${m}`).join('\n'),
    };
  }
  const updating = getCondition(machine, MachineCondition.Updating);
  if (updating?.status === 'True') {
    return {
      type: MachineCondition.UpToDate,
      status: 'False',
      reason: MachineReason.UpToDateUpdating,
      message: updating.message ? `* ${updating.message}` : '* In-place update in progress',
    };
  }
  const kubelet = machine.status?.nodeInfo?.kubeletVersion;
  if (kubelet && kubelet !== machine.spec?.version) {
    return {
      type: MachineCondition.UpToDate,
      status: 'False',
      reason: MachineReason.UpToDateUpdating,
      message: `* Node.status.nodeInfo.kubeletVersion ${kubelet}, ${machine.spec?.version ?? ''} required`,
    };
  }
  return { type: MachineCondition.UpToDate, status: 'True', reason: MachineReason.UpToDate };
}
