// Spreading control plane Machines over the Cluster's failure domains (upstream `util/failuredomains` and the
// ControlPlane helpers around it). "No failure domain" is the empty string, as in `spec.failureDomain`.
import type { FailureDomain } from '../../../core/api/v1beta2/index.js';
import { type ControlPlane, isDeleting, type MachineObject, oldest } from './control-plane.js';

/** A number in [0, 1); ties between equally good failure domains are broken with it. */
export type Random = () => number;

interface Count {
  name: string;
  /** Machines of the subset that matters most (up-to-date ones for placement, eligible ones for deletion). */
  priority: number;
  all: number;
}

const failureDomainOf = (m: MachineObject): string => m.spec.failureDomain ?? '';

/**
 * Machines per known failure domain, the domains in random order: upstream builds the list from a map, and
 * that randomness spreads Machines when many clusters are reconciled at once. Machines in unknown domains or
 * none are not counted.
 */
function countByFailureDomain(
  failureDomains: readonly FailureDomain[],
  all: readonly MachineObject[],
  priority: readonly MachineObject[],
  random: Random,
): Count[] {
  const counts = new Map<string, Count>(
    failureDomains.map((fd) => [fd.name, { name: fd.name, priority: 0, all: 0 }]),
  );
  for (const m of all) {
    const c = counts.get(failureDomainOf(m));
    if (c) c.all++;
  }
  for (const m of priority) {
    const c = counts.get(failureDomainOf(m));
    if (c) c.priority++;
  }
  const list = [...counts.values()];
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

const fewestFirst = (a: Count, b: Count): number => a.priority - b.priority || a.all - b.all;

/**
 * Where to place a new control plane Machine: the domain with the fewest up-to-date, not deleting Machines (the
 * spread the rollout converges to), ties broken by the fewest Machines overall, then at random.
 */
export function pickFewest(
  failureDomains: readonly FailureDomain[],
  allMachines: readonly MachineObject[],
  upToDateMachines: readonly MachineObject[],
  random: Random = Math.random,
): string {
  const counts = countByFailureDomain(failureDomains, allMachines, upToDateMachines, random);
  counts.sort(fewestFirst);
  return counts[0]?.name ?? '';
}

/**
 * Where to delete a control plane Machine from: the domain with the most eligible Machines, ties broken by the
 * most Machines overall, then at random; '' when no known domain holds an eligible Machine.
 */
export function pickMost(
  failureDomains: readonly FailureDomain[],
  allMachines: readonly MachineObject[],
  eligibleMachines: readonly MachineObject[],
  random: Random = Math.random,
): string {
  const counts = countByFailureDomain(failureDomains, allMachines, eligibleMachines, random);
  counts.sort((a, b) => fewestFirst(b, a));
  const first = counts[0];
  return first && first.priority > 0 ? first.name : '';
}

/**
 * The failure domain for the next control plane Machine (upstream `NextFailureDomainForScaleUp`): '' when the
 * Cluster offers none for the control plane.
 */
export function nextFailureDomainForScaleUp(cp: ControlPlane, random: Random = Math.random): string {
  const fds = cp.failureDomains();
  if (fds.length === 0) return '';
  const upToDateNotDeleting = cp.upToDateMachines().filter((m) => !isDeleting(m));
  return pickFewest(fds, cp.machines, upToDateNotDeleting, random);
}

/**
 * The failure domain to remove a Machine from: first the one of the oldest eligible Machine outside every known
 * control plane domain (none, or one the Cluster dropped), so those are cleaned up first; otherwise `pickMost`.
 */
export function failureDomainWithMostMachines(
  cp: ControlPlane,
  eligibleMachines: readonly MachineObject[],
  random: Random = Math.random,
): string {
  const known = new Set(cp.failureDomains().map((fd) => fd.name));
  const outside = eligibleMachines.filter((m) => !known.has(failureDomainOf(m)) || failureDomainOf(m) === '');
  const stray = oldest(outside);
  if (stray) return failureDomainOf(stray);
  return pickMost(cp.failureDomains(), cp.machines, eligibleMachines, random);
}

/** The oldest eligible Machine in `failureDomainWithMostMachines` (upstream `MachineInFailureDomainWithMostMachines`). */
export function machineInFailureDomainWithMostMachines(
  cp: ControlPlane,
  eligibleMachines: readonly MachineObject[],
  random: Random = Math.random,
): MachineObject | undefined {
  const fd = failureDomainWithMostMachines(cp, eligibleMachines, random);
  return oldest(eligibleMachines.filter((m) => failureDomainOf(m) === fd));
}
