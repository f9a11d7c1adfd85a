// The outcome of one drain pass and the text upstream puts in the Machine's Deleting condition while a drain
// is not complete (EvictionResult and its ConditionMessage in core/reconcilers/machine/drain/drain.go). The
// message format is upstream's to the letter: the MachineSet and MachineDeployment controllers, and users'
// tooling, read it.
import { keyString } from '../../../../controller-runtime/api/object.js';
import type { Pod } from './drain-types.js';

/** How many Pods a line of the condition message names; the rest are counted. */
export const CONDITION_MESSAGE_POD_LIMIT = 3;
/** How many distinct eviction failures get a line of their own; the Pods of the others are counted. */
export const CONDITION_MESSAGE_FAILURE_LIMIT = 5;

export const PDB_VIOLATION_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
const PDB_VIOLATION_MESSAGE_LOWER = "cannot evict pod as it would violate the pod's disruption budget.";

export interface DrainResult {
  /** Nothing left that has to leave the Node: the drain is complete (upstream's DrainCompleted). */
  done: boolean;
  /** The Node does not exist (any more): there is nothing to drain. */
  nodeNotFound?: boolean;
  /** Evicted in this pass, or already terminating: waiting for them to go. */
  podsDeletionTimestampSet: Pod[];
  /** Evictions refused, grouped by the (upstream-formatted) reason: a disruption budget, a timeout, ... */
  podsFailedEviction: Record<string, Pod[]>;
  /** Pods of a higher drain order, evicted once the lower orders are gone. */
  podsToTriggerEvictionLater: Pod[];
  /** WaitCompleted Pods of the current order: never evicted, waited for. */
  podsToWaitCompletedNow: Pod[];
  /** WaitCompleted Pods of a higher order. */
  podsToWaitCompletedLater: Pod[];
  /** Gone before their eviction: nothing to wait for. */
  podsNotFound: Pod[];
  /** Skipped: DaemonSet and mirror Pods, drain label or rule Skip, terminating on an unreachable Node. */
  podsIgnored: Pod[];
}

export function emptyDrainResult(): DrainResult {
  return {
    done: true,
    podsDeletionTimestampSet: [],
    podsFailedEviction: {},
    podsToTriggerEvictionLater: [],
    podsToWaitCompletedNow: [],
    podsToWaitCompletedLater: [],
    podsNotFound: [],
    podsIgnored: [],
  };
}

/** Upstream's DrainCompleted: no Pod is left that the drain evicts or waits for. */
export function drainCompleted(r: Omit<DrainResult, 'done'>): boolean {
  return (
    r.podsDeletionTimestampSet.length === 0 &&
    Object.keys(r.podsFailedEviction).length === 0 &&
    r.podsToTriggerEvictionLater.length === 0 &&
    r.podsToWaitCompletedNow.length === 0 &&
    r.podsToWaitCompletedLater.length === 0
  );
}

/** `ns/name` of the first `n` Pods, then `... (k more)` (klog.KObj and upstream's ListToString). */
export function podListToString(pods: readonly Pod[], n: number): string {
  const names = pods
    .slice(0, n)
    .map((p) => keyString({ namespace: p.metadata.namespace, name: p.metadata.name ?? '' }));
  if (pods.length > n) names.push(`... (${pods.length - n} more)`);
  return names.join(', ');
}

/** RFC 3339 in UTC without fractions, as Go formats a metav1.Time with time.RFC3339. */
export function formatRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

const kind = (pods: readonly Pod[]): string => (pods.length > 1 ? 'Pods' : 'Pod');

/**
 * The Deleting condition's message while draining, e.g.
 *
 *     Drain not completed yet (started at 2024-10-09T16:13:59Z):
 *     * Pods ns/a, ns/b: deletionTimestamp set, but still not removed from the Node
 *     * Pod ns/c: cannot evict pod as it would violate the pod's disruption budget. The disruption budget c needs 1 healthy pods and has 1 currently
 *     * Pod ns/d: failed to evict Pod, <error>
 *     * Pod ns/e: waiting for completion
 *     After above Pods have been removed from the Node, the following Pods will be evicted: ns/f
 *     After above Pods have been removed from the Node, waiting for the following Pods to complete without eviction: ns/g
 *
 * Empty once the drain is complete.
 */
export function drainConditionMessage(result: Omit<DrainResult, 'done'>, startedAt: Date): string {
  if (drainCompleted(result)) return '';
  let message = `Drain not completed yet (started at ${formatRfc3339(startedAt)}):`;
  const limit = CONDITION_MESSAGE_POD_LIMIT;
  if (result.podsDeletionTimestampSet.length > 0) {
    const pods = result.podsDeletionTimestampSet;
    message += `\n* ${kind(pods)} ${podListToString(pods, limit)}: deletionTimestamp set, but still not removed from the Node`;
  }
  const failures = Object.keys(result.podsFailedEviction).sort();
  if (failures.length > 0) {
    const shown = failures.slice(0, CONDITION_MESSAGE_FAILURE_LIMIT);
    const skipped = failures.slice(CONDITION_MESSAGE_FAILURE_LIMIT);
    for (const failure of shown) {
      const pods = result.podsFailedEviction[failure] ?? [];
      let text = failure.replaceAll(PDB_VIOLATION_MESSAGE, PDB_VIOLATION_MESSAGE_LOWER);
      if (!text.startsWith(PDB_VIOLATION_MESSAGE_LOWER)) text = `failed to evict Pod, ${text}`;
      message += `\n* ${kind(pods)} ${podListToString(pods, limit)}: ${text}`;
    }
    if (skipped.length > 0) {
      const count = skipped.reduce((sum, f) => sum + (result.podsFailedEviction[f]?.length ?? 0), 0);
      message += count === 1 ? '\n* 1 Pod with other issues' : `\n* ${count} Pods with other issues`;
    }
  }
  if (result.podsToWaitCompletedNow.length > 0) {
    const pods = result.podsToWaitCompletedNow;
    message += `\n* ${kind(pods)} ${podListToString(pods, limit)}: waiting for completion`;
  }
  if (result.podsToTriggerEvictionLater.length > 0) {
    message += `\nAfter above Pods have been removed from the Node, the following Pods will be evicted: ${podListToString(result.podsToTriggerEvictionLater, limit)}`;
  }
  if (result.podsToWaitCompletedLater.length > 0) {
    message += `\nAfter above Pods have been removed from the Node, waiting for the following Pods to complete without eviction: ${podListToString(result.podsToWaitCompletedLater, limit)}`;
  }
  return message;
}
