// Which control plane Machine goes next when KCP scales down or rolls out (upstream
// `selectMachineForInPlaceUpdateOrScaleDown`).
import type { ControlPlane, MachineObject } from './control-plane.js';
import { machineInFailureDomainWithMostMachines, type Random } from './failure-domains.js';

export type ScaleDownEligibility =
  | 'OutdatedWithDeleteAnnotation'
  | 'DeleteAnnotation'
  | 'OutdatedWithUnhealthyComponents'
  | 'Outdated'
  | 'Any';

export interface ScaleDownSelection {
  /** Undefined only when there is no Machine at all. */
  machine: MachineObject | undefined;
  /** Which group the Machine was picked from, for logs and tests. */
  eligibility: ScaleDownEligibility;
  eligible: MachineObject[];
}

/**
 * Picks the Machine to delete (or update in place). First the group it comes from, in this order: outdated
 * Machines with `cluster.x-k8s.io/delete-machine`, any Machines with it, outdated Machines with a False control
 * plane component condition, outdated Machines, all Machines. Then, within the group, the oldest Machine in the
 * failure domain with the most Machines (Machines outside the Cluster's control plane domains go first).
 *
 * `outdated` is `cp.machinesNeedingRollout()` during a rollout and empty for a plain scale down.
 */
export function selectMachineForScaleDown(
  cp: ControlPlane,
  outdated: readonly MachineObject[],
  random?: Random,
): ScaleDownSelection {
  const candidates: [ScaleDownEligibility, MachineObject[]][] = [
    ['OutdatedWithDeleteAnnotation', cp.machinesWithDeleteAnnotation(outdated)],
    ['DeleteAnnotation', cp.machinesWithDeleteAnnotation(cp.machines)],
    ['OutdatedWithUnhealthyComponents', cp.machinesWithUnhealthyControlPlaneComponents(outdated)],
    ['Outdated', [...outdated]],
  ];
  const [eligibility, eligible] = candidates.find(([, ms]) => ms.length > 0) ?? [
    'Any' as const,
    [...cp.machines],
  ];
  return { machine: machineInFailureDomainWithMostMachines(cp, eligible, random), eligibility, eligible };
}
