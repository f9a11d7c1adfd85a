// The next Machine operation once remediation has had its turn (upstream `reconcile` after
// `reconcileUnhealthyMachines`, `rollingUpdate`, `scaleUpControlPlane`, `scaleDownControlPlane`): a rollout takes
// precedence over scaling, and every scale up or down after the first Machine passes the preflight checks.
import { type ControlPlane, type MachineObject } from './control-plane.js';
import { nextFailureDomainForScaleUp, type Random } from './failure-domains.js';
import { preflightChecks, type PreflightResult } from './preflight.js';
import { type ScaleDownEligibility, selectMachineForScaleDown } from './scale-down-selection.js';

export type ControlPlaneOperation =
  /** Machines are being updated in place; nothing else happens until they finish. */
  | { type: 'waitForInPlaceUpdates'; machines: MachineObject[] }
  /** No Machine yet: create the first one (kubeadm init) in `failureDomain`, no preflight checks. */
  | { type: 'initialize'; failureDomain: string }
  /**
   * Create a Machine (kubeadm join) in `failureDomain` when `preflight.ok`; otherwise requeue after
   * `preflight.requeueAfterMs` and report `preflight.results` in ScalingUp/ScalingDown.
   */
  | { type: 'scaleUp'; rollout: boolean; failureDomain: string; preflight: PreflightResult }
  /**
   * Delete `machine` when `preflight.ok` (moving etcd leadership off it first with stacked etcd); otherwise
   * requeue as for scale up.
   */
  | {
      type: 'scaleDown';
      rollout: boolean;
      machine: MachineObject;
      eligibility: ScaleDownEligibility;
      preflight: PreflightResult;
    }
  /** Replicas as desired and nothing to roll out: the steady-state work (kube-proxy, CoreDNS, certificate expiry). */
  | { type: 'none' }
  | { type: 'error'; error: string };

/** `rollout.strategy.rollingUpdate.maxSurge` as a number: 1 when unset (admission allows only 0 and 1). */
export function maxSurge(cp: ControlPlane): number {
  const value = cp.kcp.spec.rollout?.strategy?.rollingUpdate?.maxSurge;
  if (value === undefined) return 1;
  if (typeof value === 'number') return value;
  // intstr.IntValue: a string that is not an integer (a percentage) counts as 0.
  return /^-?\d+$/.test(value) ? Number(value) : 0;
}

/**
 * What to do next: wait for in-place updates; roll out (scale up to `replicas + maxSurge`, then remove outdated
 * Machines one by one); create the first Machine; scale up; scale down; or nothing.
 */
export function planControlPlaneOperation(cp: ControlPlane, random?: Random): ControlPlaneOperation {
  const inPlace = cp.machinesToCompleteInPlaceUpdate();
  if (inPlace.length > 0) return { type: 'waitForInPlaceUpdates', machines: inPlace };
  const desired = cp.desiredReplicas;
  if (desired === undefined) return { type: 'none' };
  const current = cp.machines.length;

  const scaleUp = (rollout: boolean): ControlPlaneOperation => ({
    type: 'scaleUp',
    rollout,
    failureDomain: nextFailureDomainForScaleUp(cp, random),
    preflight: preflightChecks(cp, { isScaleUp: true }),
  });
  const scaleDown = (rollout: boolean, outdated: readonly MachineObject[]): ControlPlaneOperation => {
    const selection = selectMachineForScaleDown(cp, outdated, random);
    if (!selection.machine) {
      return {
        type: 'error',
        error: rollout
          ? 'failed to select next Machine for rollout: failed to pick control plane Machine to mark for deletion'
          : 'failed to select machine for scale down: failed to pick control plane Machine to mark for deletion',
      };
    }
    return {
      type: 'scaleDown',
      rollout,
      machine: selection.machine,
      eligibility: selection.eligibility,
      preflight: preflightChecks(cp, { isScaleUp: false, exclude: [selection.machine] }),
    };
  };

  const needingRollout = cp.machinesNeedingRollout();
  if (needingRollout.length > 0) {
    // Surge first, so the control plane keeps as much fault tolerance as it can during the rollout.
    if (current < desired + maxSurge(cp)) return scaleUp(true);
    return scaleDown(true, needingRollout);
  }
  if (current < desired && current === 0) {
    return { type: 'initialize', failureDomain: nextFailureDomainForScaleUp(cp, random) };
  }
  if (current < desired) return scaleUp(false);
  if (current > desired) return scaleDown(false, []);
  return { type: 'none' };
}
