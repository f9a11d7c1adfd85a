// Wording about Machines that several controllers put in their conditions (MachineSet, MachineDeployment,
// KubeadmControlPlane), as upstream words it (`util/log.ListToString`, `aggregateStaleMachines`).
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { getCondition } from '../../controller-runtime/conditions/index.js';
import type { Machine } from '../api/v1beta2/machine-types.js';
import { MachineCondition, MachineReason } from '../api/v1beta2/well-known.js';

/** Machines in deletion for longer than this are called out (upstream: 15 minutes). */
const STALE_DELETION_MS = 15 * 60_000;
/** A drain running for longer than this has its likely cause named (upstream: 5 minutes). */
const STALE_DRAIN_MS = 5 * 60_000;

/** `a, b, c, ... (2 more)`: the first `limit` items, then how many were left out. */
export function listToString(items: readonly string[], limit: number): string {
  const shown = items.slice(0, limit);
  if (items.length > limit) shown.push(`... (${items.length - limit} more)`);
  return shown.join(', ');
}

/** `Machine a` / `Machines a, b, c, ... (2 more)`, names sorted, at most three listed. */
export function machinesPhrase(names: readonly string[]): string {
  const sorted = [...names].sort();
  return `Machine${sorted.length > 1 ? 's' : ''} ${listToString(sorted, 3)}`;
}

/** `Machine a is` / `Machines a, b, c, ... (2 more) are`, names sorted. */
export function namesMessage(names: readonly string[]): string {
  return `${machinesPhrase(names)} ${names.length === 1 ? 'is' : 'are'}`;
}

/** Machines deleting for more than 15 minutes, and what likely holds their drain up; '' when none is stale. */
export function aggregateStaleMachines(machines: readonly (Machine & KubeObject)[], now: number): string {
  const names: string[] = [];
  const reasons = new Set<string>();
  for (const m of machines) {
    const since = Date.parse(m.metadata.deletionTimestamp ?? '');
    if (Number.isNaN(since) || now - since <= STALE_DELETION_MS) continue;
    names.push(m.metadata.name ?? '');
    const deleting = getCondition(m, MachineCondition.Deleting);
    const drainStart = Date.parse(m.status?.deletion?.nodeDrainStartTime ?? '');
    if (
      deleting?.status === 'True' &&
      deleting.reason === MachineReason.DeletingDrainingNode &&
      !Number.isNaN(drainStart) &&
      now - drainStart > STALE_DRAIN_MS
    ) {
      const msg = deleting.message;
      if (msg.includes("cannot evict pod as it would violate the pod's disruption budget."))
        reasons.add('PodDisruptionBudgets');
      if (msg.includes('deletionTimestamp set, but still not removed from the Node'))
        reasons.add('Pods not terminating');
      if (msg.includes('failed to evict Pod')) reasons.add('Pod eviction errors');
      if (msg.includes('waiting for completion')) reasons.add('Pods not completed yet');
    }
  }
  if (names.length === 0) return '';
  let message = `${namesMessage(names)} in deletion since more than 15m`;
  const ordered = [
    'PodDisruptionBudgets',
    'Pods not terminating',
    'Pod eviction errors',
    'Pods not completed yet',
  ].filter((r) => reasons.has(r));
  if (ordered.length) message += `, delay likely due to ${ordered.join(', ')}`;
  return message;
}
