import {
  type Condition,
  type ConditionsObject,
  getConditions,
  type NewCondition,
  writeConditions,
} from './condition.js';
import { type ConditionCompare, defaultConditionCompare } from './condition-order.js';
import { formatConditionTime, normalizeConditionTime } from './time.js';

export interface SetConditionOptions {
  /** How to order the list after a change; `false` keeps insertion order. Defaults to the upstream order. */
  compare?: ConditionCompare | false;
  /** The clock for new transition times (tests). */
  now?: () => Date;
}

/**
 * Sets `condition` on `obj` (`status.conditions`, created when missing) and returns whether anything changed.
 *
 * - `observedGeneration` defaults to `metadata.generation`, so readers can tell a stale condition from a fresh one.
 * - `lastTransitionTime` is set when the condition is new or its status changes (to the given time, else now) and is
 *   left alone otherwise: a new reason or message is not a transition.
 * - After a change the list is sorted stably by `options.compare` (upstream Cluster API order by default);
 *   an unchanged list is not reordered, so an object read from the server is never rewritten just to sort it.
 */
export function setCondition(
  obj: ConditionsObject,
  condition: NewCondition,
  options: SetConditionOptions = {},
): boolean {
  const conditions = [...getConditions(obj)];
  const next = applyCondition(
    conditions,
    condition,
    obj.metadata?.generation,
    options.now ?? (() => new Date()),
  );
  if (!next) return false;
  const compare = options.compare ?? defaultConditionCompare;
  // Array.prototype.sort is stable, which upstream's sort.SliceStable relies on as well.
  if (compare) next.sort(compare);
  writeConditions(obj, next);
  return true;
}

/** Removes the condition of this type; returns whether there was one. */
export function deleteCondition(obj: ConditionsObject, type: string): boolean {
  const conditions = getConditions(obj);
  const kept = conditions.filter((c) => c.type !== type);
  if (kept.length === conditions.length) return false;
  writeConditions(obj, kept);
  return true;
}

/**
 * The list with `condition` applied, or undefined when it would not change. Shared with the patch helper,
 * which replays a controller's condition changes onto the server's latest copy.
 */
export function applyCondition(
  conditions: readonly Condition[],
  condition: NewCondition,
  generation: number | undefined,
  now: () => Date,
): Condition[] | undefined {
  const observedGeneration = condition.observedGeneration ?? generation;
  const message = condition.message ?? '';
  const index = conditions.findIndex((c) => c.type === condition.type);
  const existing = index >= 0 ? conditions[index] : undefined;
  const transitionTime = (): string =>
    condition.lastTransitionTime
      ? normalizeConditionTime(condition.lastTransitionTime)
      : formatConditionTime(now());

  if (!existing) {
    return [...conditions, buildCondition(condition, message, observedGeneration, transitionTime())];
  }
  const statusChanged = existing.status !== condition.status;
  if (
    !statusChanged &&
    existing.reason === condition.reason &&
    existing.message === message &&
    existing.observedGeneration === observedGeneration
  ) {
    return undefined;
  }
  const updated = buildCondition(
    condition,
    message,
    observedGeneration,
    statusChanged ? transitionTime() : existing.lastTransitionTime,
  );
  return conditions.map((c, i) => (i === index ? updated : c));
}

function buildCondition(
  condition: NewCondition,
  message: string,
  observedGeneration: number | undefined,
  lastTransitionTime: string,
): Condition {
  // Members in the order the API server serialises them, and no `observedGeneration: undefined`.
  const built: Condition = {
    type: condition.type,
    status: condition.status,
    lastTransitionTime,
    reason: condition.reason,
    message,
  };
  if (observedGeneration !== undefined) built.observedGeneration = observedGeneration;
  return built;
}
