// Which Machines go first when a MachineSet scales down (`spec.deletion.order`), with upstream's priorities
// so that the same Machines are picked as upstream would pick them.
import { getCondition, isFalse } from '../../../controller-runtime/conditions/index.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import { Annotation, MachineCondition } from '../../api/v1beta2/well-known.js';
import type { Stored } from '../cluster/cluster-scope.js';

/** Upstream's delete priorities: higher goes first. */
export const DeletePriority = {
  /** Already deleting: counting it first keeps scale-down from deleting more Machines meanwhile. */
  MustDelete: 100,
  /** `cluster.x-k8s.io/delete-machine`: the user's choice. */
  ShouldDeleteFirst: 80,
  /** Still updating in place: not worth finishing. */
  ShouldDelete: 75,
  /** Unhealthy or without a Node. */
  BetterDelete: 50,
  CouldDelete: 20,
  MustNotDelete: 0,
} as const;

const SECONDS_PER_TEN_DAYS = 864_000;

export type DeletePriorityFunc = (machine: Stored<Machine>, now: number) => number;

/** An in-place update is running or about to (annotation set, or the UpdateMachine hook still pending). */
export function isUpdateInProgress(machine: Stored<Machine>): boolean {
  const annotations = machine.metadata.annotations ?? {};
  if (Annotation.UpdateInProgress in annotations) return true;
  const pending = annotations['runtime.cluster.x-k8s.io/pending-hooks'] ?? '';
  return pending.split(',').some((h) => h.trim() === 'UpdateMachine');
}

/**
 * Healthy for the sake of choosing what to delete: it has a Node, NodeHealthy is not False and no health
 * check failed (Unknown counts as healthy).
 */
export function isMachineHealthy(machine: Stored<Machine>): boolean {
  if (!machine.status?.nodeRef?.name) return false;
  if (isFalse(machine, MachineCondition.NodeHealthy)) return false;
  return getCondition(machine, MachineCondition.HealthCheckSucceeded)?.status !== 'False';
}

/** The priorities every order shares; undefined when the order itself decides. */
function commonPriority(machine: Stored<Machine>): number | undefined {
  if (machine.metadata.deletionTimestamp) return DeletePriority.MustDelete;
  if (Annotation.DeleteMachine in (machine.metadata.annotations ?? {}))
    return DeletePriority.ShouldDeleteFirst;
  if (isUpdateInProgress(machine)) return DeletePriority.ShouldDelete;
  if (!isMachineHealthy(machine)) return DeletePriority.BetterDelete;
  return undefined;
}

/** Oldest first: age maps onto 0..50, approaching 50 over tens of days. */
export const oldestDeletionOrder: DeletePriorityFunc = (machine, now) => {
  const common = commonPriority(machine);
  if (common !== undefined) return common;
  const created = Date.parse(machine.metadata.creationTimestamp ?? '');
  if (Number.isNaN(created)) return DeletePriority.MustNotDelete;
  const ageSeconds = (now - created) / 1000;
  if (ageSeconds < 0) return DeletePriority.MustNotDelete;
  return DeletePriority.BetterDelete * (1 - Math.exp(-ageSeconds / SECONDS_PER_TEN_DAYS));
};

/** Newest first: the inverse of oldest. */
export const newestDeletionOrder: DeletePriorityFunc = (machine, now) => {
  const common = commonPriority(machine);
  if (common !== undefined) return common;
  return DeletePriority.BetterDelete - oldestDeletionOrder(machine, now);
};

/** "Random": every healthy Machine alike, so the name decides (deterministic, as upstream). */
export const randomDeletionOrder: DeletePriorityFunc = (machine) =>
  commonPriority(machine) ?? DeletePriority.CouldDelete;

/** The order a MachineSet asks for; an unknown order is an error (admission keeps them out). */
export function deletePriorityFunc(ms: Stored<MachineSet>): DeletePriorityFunc {
  const order = ms.spec.deletion?.order ?? '';
  switch (order) {
    case '':
    case 'Random':
      return randomDeletionOrder;
    case 'Newest':
      return newestDeletionOrder;
    case 'Oldest':
      return oldestDeletionOrder;
    default:
      throw new Error(
        `Unsupported deletion order ${String(order)}. Must be one of 'Random', 'Newest', or 'Oldest'`,
      );
  }
}

/** The `count` Machines to delete: highest priority first, ties broken by name. */
export function machinesToDeletePrioritized(
  machines: readonly Stored<Machine>[],
  count: number,
  priority: DeletePriorityFunc,
  now: number = Date.now(),
): Stored<Machine>[] {
  if (count <= 0) return [];
  const scored = machines.map((m) => ({ m, p: priority(m, now), name: m.metadata.name ?? '' }));
  scored.sort((a, b) => (a.p === b.p ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : b.p - a.p));
  return scored.slice(0, count).map((s) => s.m);
}

/**
 * The order Machines are remediated in: those with `cluster.x-k8s.io/remediate-machine` first, then newest
 * first (a Machine failing to come up likely runs no workloads yet), then by name.
 */
export function sortMachinesToRemediate(machines: Stored<Machine>[]): Stored<Machine>[] {
  const hasAnnotation = (m: Stored<Machine>): boolean =>
    Annotation.RemediateMachine in (m.metadata.annotations ?? {});
  return [...machines].sort((a, b) => {
    const ra = hasAnnotation(a);
    const rb = hasAnnotation(b);
    if (ra !== rb) return ra ? -1 : 1;
    const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
    if (ta === tb) return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
    return tb - ta;
  });
}
