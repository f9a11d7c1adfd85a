import { deepEqual } from '../util/merge-patch.js';
import { type Condition, hasSameState } from './condition.js';
import { type ConditionCompare, defaultConditionCompare } from './condition-order.js';
import { applyCondition } from './setter.js';

/** One condition a writer added, changed or removed between reading an object and writing it back. */
export type ConditionChange =
  | { op: 'add'; after: Condition }
  | { op: 'change'; before: Condition; after: Condition }
  | { op: 'remove'; before: Condition };

/**
 * Another writer changed the same condition to something else since we read the object. Retrying cannot fix
 * this; the reconcile should requeue, read the object again and decide anew.
 */
export class ConditionConflictError extends Error {
  override readonly name = 'ConditionConflictError';
  constructor(
    readonly conditionType: string,
    readonly op: ConditionChange['op'],
    readonly latest: Condition | undefined,
  ) {
    super(
      latest
        ? `condition ${conditionType} was modified by another writer (now ${latest.status}/${latest.reason}); ` +
            `not applying our ${op}`
        : `condition ${conditionType} was removed by another writer; not applying our ${op}`,
    );
  }
}

export const isConditionConflict = (err: unknown): err is ConditionConflictError =>
  err instanceof ConditionConflictError;

/** The per-type changes that turn `before` into `after` (upstream `conditions.NewPatch`). */
export function diffConditions(before: readonly Condition[], after: readonly Condition[]): ConditionChange[] {
  const changes: ConditionChange[] = [];
  for (const a of after) {
    const b = before.find((c) => c.type === a.type);
    if (!b) changes.push({ op: 'add', after: a });
    else if (!deepEqual(a, b)) changes.push({ op: 'change', before: b, after: a });
  }
  for (const b of before) {
    if (!after.some((c) => c.type === b.type)) changes.push({ op: 'remove', before: b });
  }
  return changes;
}

export interface ApplyConditionChangesOptions {
  /** Types this writer owns: its value wins even when someone else changed them meanwhile. */
  ownedConditionTypes?: readonly string[];
  /** Every type counts as owned. */
  forceOverwrite?: boolean;
  compare?: ConditionCompare | false;
}

/**
 * Replays `changes` onto `latest` (a three-way merge with the snapshot the changes were computed from) and
 * returns the new list; `latest` is not modified. A change to a type another writer also changed, to a
 * different value, throws `ConditionConflictError` unless the type is owned. Agreeing changes keep the
 * server's transition time.
 */
export function applyConditionChanges(
  latest: readonly Condition[],
  changes: readonly ConditionChange[],
  options: ApplyConditionChangesOptions = {},
): Condition[] {
  const owned = new Set(options.ownedConditionTypes);
  const isOwned = (type: string): boolean => options.forceOverwrite === true || owned.has(type);
  let conditions = [...latest];
  const put = (condition: Condition): void => {
    conditions =
      applyCondition(conditions, condition, condition.observedGeneration, () => new Date()) ?? conditions;
  };

  for (const change of changes) {
    switch (change.op) {
      case 'add': {
        const current = conditions.find((c) => c.type === change.after.type);
        if (current && !isOwned(change.after.type)) {
          if (!hasSameState(current, change.after)) {
            throw new ConditionConflictError(change.after.type, 'add', current);
          }
          continue;
        }
        put(change.after);
        break;
      }
      case 'change': {
        if (isOwned(change.after.type)) {
          put(change.after);
          continue;
        }
        const current = conditions.find((c) => c.type === change.after.type);
        if (!current) throw new ConditionConflictError(change.after.type, 'change', undefined);
        if (!deepEqual(current, change.before)) {
          if (!hasSameState(current, change.after)) {
            throw new ConditionConflictError(change.after.type, 'change', current);
          }
          continue;
        }
        put(change.after);
        break;
      }
      case 'remove': {
        const current = conditions.find((c) => c.type === change.before.type);
        if (!current) continue;
        if (!isOwned(change.before.type) && !hasSameState(current, change.before)) {
          throw new ConditionConflictError(change.before.type, 'remove', current);
        }
        conditions = conditions.filter((c) => c.type !== change.before.type);
        break;
      }
      default: {
        const unexpected: never = change;
        throw new TypeError(`unknown condition change ${JSON.stringify(unexpected)}`);
      }
    }
  }

  const compare = options.compare ?? defaultConditionCompare;
  if (compare) conditions.sort(compare);
  return conditions;
}
