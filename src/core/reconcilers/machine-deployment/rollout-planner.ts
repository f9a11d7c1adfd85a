// The rollout planner: given the MachineDeployment and its current and old MachineSets (as last read, with
// their status), how many replicas each MachineSet should have next. Pure functions, no API calls; they
// follow upstream's machinedeployment_rollout_rollingupdate.go, machinedeployment_rollout_ondelete.go and the
// proportional `scale` of machinedeployment_sync.go (used while spec.paused is set).
import { Annotation } from '../../api/v1beta2/well-known.js';
import { timeSeconds } from './machine-template.js';
import {
  isRollingUpdate,
  maxSurge,
  maxUnavailable,
  rollingUpdateParams,
  type RolloutSpec,
  RolloutStrategyType,
  scaledValue,
  strategyType,
} from './rollout-limits.js';

/** What the planner reads of a MachineSet. */
export interface PlanMachineSet {
  metadata: { name?: string; creationTimestamp?: string; annotations?: Record<string, string> };
  spec?: { replicas?: number };
  status?: { replicas?: number; availableReplicas?: number; upToDateReplicas?: number };
}

/** What the planner reads of a MachineDeployment. */
export type PlanMachineDeployment = RolloutSpec & { status?: { replicas?: number } };

/** The planner's answer: the new spec.replicas per MachineSet name (only those that change), and why. */
export interface RolloutPlan {
  scaleIntents: Map<string, number>;
  notes: Map<string, string[]>;
}

const nameOf = (ms: PlanMachineSet): string => ms.metadata.name ?? '';
const specReplicas = (ms: PlanMachineSet | undefined): number => ms?.spec?.replicas ?? 0;
const statusReplicas = (ms: PlanMachineSet | undefined): number => ms?.status?.replicas ?? 0;
const statusAvailable = (ms: PlanMachineSet | undefined): number => ms?.status?.availableReplicas ?? 0;

/** Sum of spec.replicas. */
export const specReplicaSum = (mss: readonly PlanMachineSet[]): number =>
  mss.reduce((sum, ms) => sum + specReplicas(ms), 0);

/** Sum of a status counter; undefined when no MachineSet reports it (upstream leaves the MD counter unset). */
export function statusSum(
  mss: readonly PlanMachineSet[],
  field: 'replicas' | 'availableReplicas' | 'upToDateReplicas' | 'readyReplicas',
): number | undefined {
  let total: number | undefined;
  for (const ms of mss) {
    const v = (ms.status as Record<string, number | undefined> | undefined)?.[field];
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

/** `TotalMachineSetsReplicaSum`: max(spec, status) per MachineSet, so Machines being created or deleted count. */
export const totalMachineSetsReplicaSum = (mss: readonly PlanMachineSet[]): number =>
  mss.reduce((sum, ms) => sum + Math.max(specReplicas(ms), statusReplicas(ms)), 0);

/** `MachineSetsByCreationTimestamp`: oldest first, then by name. */
export function byCreationTimestamp(a: PlanMachineSet, b: PlanMachineSet): number {
  const ta = timeSeconds(a.metadata.creationTimestamp) ?? 0;
  const tb = timeSeconds(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0;
}

class Planner {
  readonly scaleIntents = new Map<string, number>();
  readonly notes = new Map<string, string[]>();

  note(ms: PlanMachineSet, message: string): void {
    const list = this.notes.get(nameOf(ms)) ?? [];
    if (!list.includes(message)) list.push(message);
    this.notes.set(nameOf(ms), list);
  }

  /** The replicas a MachineSet will have: its intent if one was set, else spec.replicas. */
  intent(ms: PlanMachineSet): number {
    return this.scaleIntents.get(nameOf(ms)) ?? specReplicas(ms);
  }

  plan(): RolloutPlan {
    return { scaleIntents: this.scaleIntents, notes: this.notes };
  }
}

/**
 * `NewMSNewReplicas`: RollingUpdate grows the current MachineSet while all MachineSets together stay within
 * spec.replicas + maxSurge (maxSurge rounded up, not fence-posted); OnDelete only up to spec.replicas in total.
 */
export function newMSNewReplicas(
  md: PlanMachineDeployment,
  all: readonly PlanMachineSet[],
  newMSReplicas: number,
): { replicas: number; note: string } {
  const replicas = md.spec?.replicas ?? 0;
  const current = totalMachineSetsReplicaSum(all);
  if (strategyType(md) === RolloutStrategyType.RollingUpdate) {
    const surge = scaledValue(rollingUpdateParams(md).maxSurge, replicas, true);
    const maxTotal = replicas + surge;
    if (current >= maxTotal)
      return {
        replicas: newMSReplicas,
        note: `${current} current Machines >= ${replicas} MachineDeployment spec.replicas + ${surge} maxSurge`,
      };
    const scaleUp = Math.min(maxTotal - current, replicas - newMSReplicas);
    return {
      replicas: newMSReplicas + scaleUp,
      note: `${current} current Machines < ${replicas} MachineDeployment spec.replicas + ${surge} maxSurge`,
    };
  }
  if (current >= replicas)
    return {
      replicas: newMSReplicas,
      note: `${current} current Machines >= ${replicas} MachineDeployment spec.replicas`,
    };
  return {
    replicas: newMSReplicas + (replicas - current),
    note: `${current} current Machines < ${replicas} MachineDeployment spec.replicas`,
  };
}

/** The current MachineSet follows spec.replicas: down at once, up within the strategy's limits. */
function reconcileNewMachineSet(
  p: Planner,
  md: PlanMachineDeployment,
  newMS: PlanMachineSet,
  oldMSs: readonly PlanMachineSet[],
): void {
  const desired = md.spec?.replicas ?? 0;
  const current = specReplicas(newMS);
  if (current === desired) return;
  if (current > desired) {
    p.note(newMS, 'scale down to align MachineSet spec.replicas to MachineDeployment spec.replicas');
    p.scaleIntents.set(nameOf(newMS), desired);
    return;
  }
  const { replicas, note } = newMSNewReplicas(md, [...oldMSs, newMS], current);
  if (replicas !== current) {
    p.note(newMS, note);
    p.scaleIntents.set(nameOf(newMS), replicas);
  }
}

/**
 * Scales old MachineSets down (oldest first) while at least spec.replicas - maxUnavailable Machines stay
 * available, assuming the worst: every deleted Machine may be an available one. Unavailable replicas go first.
 */
function reconcileOldMachineSetsRollingUpdate(
  p: Planner,
  md: PlanMachineDeployment,
  newMS: PlanMachineSet,
  oldMSs: PlanMachineSet[],
): void {
  const all = [...oldMSs, newMS];
  if (specReplicaSum(oldMSs) === 0) return;
  const minAvailable = Math.max((md.spec?.replicas ?? 0) - maxUnavailable(md), 0);
  const totalSpecReplicas = specReplicaSum(all);
  let totalAvailable = statusSum(all, 'availableReplicas') ?? 0;
  // Scale downs already under way (from an earlier reconcile or planned just now) may take more available Machines.
  let totalPendingScaleDown = 0;
  for (const ms of all) {
    const intent = Math.min(specReplicas(ms), p.scaleIntents.get(nameOf(ms)) ?? Number.POSITIVE_INFINITY);
    if (intent < statusReplicas(ms)) totalPendingScaleDown += Math.max(statusReplicas(ms) - intent, 0);
  }
  // Unavailable Machines of the current MachineSet slow the rollout down: the new template may be broken.
  const newMSUnavailable = Math.max(specReplicas(newMS) - statusAvailable(newMS), 0);
  let totalScaleDown = Math.max(
    totalSpecReplicas - totalPendingScaleDown - minAvailable - newMSUnavailable,
    0,
  );
  if (totalScaleDown <= 0) return;
  oldMSs.sort(byCreationTimestamp);
  [totalScaleDown, totalAvailable] = scaleDownOldMSs(
    p,
    oldMSs,
    totalScaleDown,
    totalAvailable,
    minAvailable,
    true,
  );
  scaleDownOldMSs(p, oldMSs, totalScaleDown, totalAvailable, minAvailable, false);
}

function scaleDownOldMSs(
  p: Planner,
  oldMSs: readonly PlanMachineSet[],
  totalScaleDownIn: number,
  totalAvailableIn: number,
  minAvailable: number,
  onlyUnavailable: boolean,
): [number, number] {
  let totalScaleDown = totalScaleDownIn;
  let totalAvailable = totalAvailableIn;
  for (const oldMS of oldMSs) {
    if (totalScaleDown <= 0) break;
    const replicas = p.intent(oldMS);
    if (replicas <= 0) continue;
    const before = totalAvailable;
    const maxScaleDown = onlyUnavailable ? Math.max(replicas - statusAvailable(oldMS), 0) : replicas;
    let scaleDown = Math.min(maxScaleDown, totalScaleDown);
    if (scaleDown === 0) continue;
    if (statusAvailable(oldMS) > 0) {
      const newSpec = Math.max(replicas - scaleDown, 0);
      let deleted = Math.max(statusReplicas(oldMS) - newSpec, 0);
      if (deleted > 0) {
        if (totalAvailable - minAvailable < deleted) {
          // Deleting that many existing Machines could breach minAvailable: delete only what is allowed.
          const allowed = Math.max(totalAvailable - minAvailable, 0);
          const revisited = Math.min(statusReplicas(oldMS) - allowed, replicas);
          scaleDown = Math.max(replicas - revisited, 0);
          deleted = Math.max(statusReplicas(oldMS) - revisited, 0);
        }
        totalAvailable -= Math.min(statusAvailable(oldMS), deleted);
      }
    }
    if (scaleDown > 0) {
      if (before === totalAvailable)
        p.note(
          oldMS,
          'scale down to align to existing Machines or scale down by removing unavailable replicas (and no available replicas exist on the MachineSet)',
        );
      else p.note(oldMS, `${before} available replicas > ${minAvailable} minimum available replicas`);
      p.scaleIntents.set(nameOf(oldMS), Math.max(replicas - scaleDown, 0));
      totalScaleDown = Math.max(totalScaleDown - scaleDown, 0);
    }
  }
  return [totalScaleDown, totalAvailable];
}

/**
 * A rollout where neither side can move: old MachineSets hold unavailable Machines the worst-case arithmetic
 * never lets go, nothing is scaling, and the current MachineSet is fully available. Scale the oldest such
 * MachineSet down by one (formally breaching maxUnavailable; most likely an unavailable Machine goes).
 */
function reconcileDeadlockBreaker(
  p: Planner,
  newMS: PlanMachineSet,
  oldMSs: readonly PlanMachineSet[],
): void {
  const oldActual = statusSum(oldMSs, 'replicas') ?? 0;
  if (oldActual === 0) return;
  if (oldActual === (statusSum(oldMSs, 'availableReplicas') ?? 0)) return;
  for (const ms of [...oldMSs, newMS]) {
    if (specReplicas(ms) !== statusReplicas(ms)) return;
    if (p.scaleIntents.has(nameOf(ms))) return;
  }
  if (statusAvailable(newMS) !== statusReplicas(newMS)) return;
  for (const oldMS of oldMSs) {
    if (statusAvailable(oldMS) === statusReplicas(oldMS) || specReplicas(oldMS) === 0) continue;
    p.note(newMS, 'scaling down by 1 to unblock rollout stuck due to unavailable Machine on oldMS');
    p.scaleIntents.set(nameOf(oldMS), Math.max(specReplicas(oldMS) - 1, 0));
    return;
  }
}

/**
 * RollingUpdate: grow the current MachineSet within maxSurge, shrink the old ones within maxUnavailable,
 * then break a deadlock if both are stuck. `oldMSs` is sorted oldest first in place (as upstream does).
 */
export function planRollingUpdate(
  md: PlanMachineDeployment,
  newMS: PlanMachineSet,
  oldMSs: PlanMachineSet[],
): RolloutPlan {
  const p = new Planner();
  reconcileNewMachineSet(p, md, newMS, oldMSs);
  reconcileOldMachineSetsRollingUpdate(p, md, newMS, oldMSs);
  reconcileDeadlockBreaker(p, newMS, oldMSs);
  return p.plan();
}

/**
 * OnDelete: the current MachineSet grows only while all MachineSets together are below spec.replicas, so it
 * takes the place of old Machines as users delete them. Old MachineSets drop replicas whose Machines are
 * gone, and give up more (oldest first) when the MachineDeployment was scaled down.
 */
export function planOnDelete(
  md: PlanMachineDeployment,
  newMS: PlanMachineSet,
  oldMSs: PlanMachineSet[],
): RolloutPlan {
  const p = new Planner();
  reconcileNewMachineSet(p, md, newMS, oldMSs);
  const oldCount = specReplicaSum(oldMSs);
  if (oldCount === 0) return p.plan();
  let totalScaleDown = Math.max(oldCount + p.intent(newMS) - (md.spec?.replicas ?? 0), 0);
  oldMSs.sort(byCreationTimestamp);
  for (const oldMS of oldMSs) {
    if (specReplicas(oldMS) <= 0) continue;
    const gone = Math.max(specReplicas(oldMS) - statusReplicas(oldMS), 0);
    if (gone > 0) {
      p.note(oldMS, 'scale down to align to existing Machines');
      p.scaleIntents.set(nameOf(oldMS), Math.max(specReplicas(oldMS) - gone, 0));
      totalScaleDown -= gone;
    }
  }
  for (const oldMS of oldMSs) {
    if (totalScaleDown <= 0) break;
    const intent = p.intent(oldMS);
    if (intent <= 0) continue;
    const scaleDown = Math.min(intent, totalScaleDown);
    // Upstream subtracts from spec.replicas here; subtracting from the intent set just above converges in
    // one reconcile instead of two when both kinds of scale down apply to the same MachineSet.
    p.note(oldMS, 'scale down to align MachineSet spec.replicas to MachineDeployment spec.replicas');
    p.scaleIntents.set(nameOf(oldMS), Math.max(intent - scaleDown, 0));
    totalScaleDown -= scaleDown;
  }
  return p.plan();
}

/** `FindOneActiveOrLatest`: the one MachineSet with replicas, or the newest when none has any; none when several do. */
export function findOneActiveOrLatest<T extends PlanMachineSet>(
  newMS: T | undefined,
  oldMSs: readonly T[],
): T | undefined {
  if (!newMS && oldMSs.length === 0) return undefined;
  const newestFirst = [...oldMSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = [...newestFirst, ...(newMS ? [newMS] : [])].filter((ms) => specReplicas(ms) > 0);
  if (active.length === 0) return newMS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** `IsSaturated`: the current MachineSet alone holds spec.replicas, all available. */
export function isSaturated(md: PlanMachineDeployment, ms: PlanMachineSet | undefined): boolean {
  if (!ms) return false;
  const desired = Number(ms.metadata.annotations?.[Annotation.MachineDeploymentDesiredReplicas]);
  const replicas = md.spec?.replicas ?? 0;
  return specReplicas(ms) === replicas && desired === replicas && statusAvailable(ms) === replicas;
}

/** `getMachineSetFraction`: how this MachineSet's share changes when the MachineDeployment is resized. */
function machineSetFraction(ms: PlanMachineSet, md: PlanMachineDeployment): number {
  const replicas = md.spec?.replicas ?? 0;
  if (replicas === 0) return -specReplicas(ms);
  const deploymentReplicas = replicas + maxSurge(md);
  const raw = ms.metadata.annotations?.[Annotation.MachineDeploymentMaxReplicas];
  const annotated = raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : (md.status?.replicas ?? 0);
  const size = (specReplicas(ms) * deploymentReplicas) / annotated;
  // Go's integer.RoundToInt32 rounds half away from zero.
  const rounded = size < 0 ? -Math.round(-size) : Math.round(size);
  return rounded - specReplicas(ms);
}

function proportion(ms: PlanMachineSet, md: PlanMachineDeployment, toAdd: number, added: number): number {
  if (specReplicas(ms) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = machineSetFraction(ms, md);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * Scaling without rolling out (spec.paused): the single active MachineSet follows spec.replicas; otherwise a
 * saturated current MachineSet lets the old ones go to 0; otherwise (RollingUpdate) the difference to
 * spec.replicas + maxSurge is spread proportionally, larger MachineSets first.
 */
export function planScale(
  md: PlanMachineDeployment,
  newMS: PlanMachineSet | undefined,
  oldMSs: readonly PlanMachineSet[],
): RolloutPlan {
  const p = new Planner();
  const replicas = md.spec?.replicas ?? 0;
  const one = findOneActiveOrLatest(newMS, oldMSs);
  if (one) {
    if (specReplicas(one) !== replicas) p.scaleIntents.set(nameOf(one), replicas);
    return p.plan();
  }
  if (isSaturated(md, newMS)) {
    for (const old of oldMSs) if (specReplicas(old) > 0) p.scaleIntents.set(nameOf(old), 0);
    return p.plan();
  }
  if (!isRollingUpdate(md)) return p.plan();
  const active = [...oldMSs, ...(newMS ? [newMS] : [])].filter((ms) => specReplicas(ms) > 0);
  const allowed = replicas > 0 ? replicas + maxSurge(md) : 0;
  const toAdd = allowed - specReplicaSum(active);
  if (toAdd > 0)
    active.sort((a, b) =>
      specReplicas(a) === specReplicas(b) ? byCreationTimestamp(b, a) : specReplicas(b) - specReplicas(a),
    );
  else if (toAdd < 0)
    active.sort((a, b) =>
      specReplicas(a) === specReplicas(b) ? byCreationTimestamp(a, b) : specReplicas(b) - specReplicas(a),
    );
  let added = 0;
  const sizes = new Map<string, number>();
  for (const ms of active) {
    if (toAdd !== 0) {
      const share = proportion(ms, md, toAdd, added);
      sizes.set(nameOf(ms), specReplicas(ms) + share);
      added += share;
    } else sizes.set(nameOf(ms), specReplicas(ms));
  }
  active.forEach((ms, i) => {
    let size = sizes.get(nameOf(ms)) ?? specReplicas(ms);
    if (i === 0 && toAdd !== 0) size = Math.max(size + toAdd - added, 0);
    if (size !== specReplicas(ms)) p.scaleIntents.set(nameOf(ms), size);
  });
  return p.plan();
}

/**
 * `DeploymentComplete`: every desired replica exists, is up to date and available, and the status was
 * computed for the current generation; only then are old MachineSets at 0 deleted.
 */
export function deploymentComplete(
  md: PlanMachineDeployment & { metadata?: { generation?: number } },
  status: {
    replicas?: number;
    upToDateReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  },
): boolean {
  const replicas = md.spec?.replicas ?? 0;
  return (
    (status.upToDateReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (md.metadata?.generation ?? 0)
  );
}
