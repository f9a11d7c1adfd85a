import { type ConditionsObject, getConditions, type NewCondition } from './condition.js';
import { InvalidConditionOptionsError } from './errors.js';
import {
  type ConditionWithOwner,
  defaultMergePriority,
  defaultMergeStrategy,
  type MergeStrategy,
} from './merge-strategy.js';
import { conditionOwnerOf } from './owner-info.js';
import { ConditionReason } from './reasons.js';
import { setCondition, type SetConditionOptions } from './setter.js';

export interface SummaryOptions {
  /** The type of the resulting condition, e.g. `Ready`; it must not be one of `forConditionTypes`. */
  targetType: string;
  /** The conditions to summarise, most relevant first (the order picks which messages lead). */
  forConditionTypes: readonly string[];
  /** Types among `forConditionTypes` for which True is bad (e.g. `Deleting`, `ScalingUp`). */
  negativePolarityConditionTypes?: readonly string[];
  /** Types that are left out instead of counting as Unknown when the object does not have them. */
  ignoreTypesIfMissing?: readonly string[];
  /** Values to use instead of the object's own for this computation only; each must exist on the object. */
  overrideConditions?: readonly NewCondition[];
  /** Replaces the default strategy (then `negativePolarityConditionTypes` is the strategy's business). */
  mergeStrategy?: MergeStrategy;
}

/**
 * One condition summarising several conditions of the same object (upstream `NewSummaryCondition`).
 * Missing conditions count as Unknown (reason NotYetReported), as Kubernetes conventions say. The result has
 * a positive polarity: False if any summarised condition reports an issue, else Unknown if any is Unknown,
 * else True; its message lists the conditions responsible. Set it with `setCondition`.
 */
export function summaryCondition(obj: ConditionsObject, options: SummaryOptions): NewCondition {
  const { targetType, forConditionTypes } = options;
  if (forConditionTypes.length === 0) {
    throw new InvalidConditionOptionsError('summary needs forConditionTypes');
  }
  if (forConditionTypes.includes(targetType)) {
    throw new InvalidConditionOptionsError(
      `forConditionTypes cannot include ${targetType} (the target condition type)`,
    );
  }
  const strategy =
    options.mergeStrategy ??
    defaultMergeStrategy({ getPriority: defaultMergePriority(options.negativePolarityConditionTypes) });

  const owner = conditionOwnerOf(obj);
  const wanted = new Set(forConditionTypes);
  const present = getConditions(obj);
  const overrides = new Map<string, NewCondition>();
  for (const override of options.overrideConditions ?? []) {
    if (overrides.has(override.type)) {
      throw new InvalidConditionOptionsError(`override condition ${override.type} specified multiple times`);
    }
    if (!present.some((c) => c.type === override.type)) {
      throw new InvalidConditionOptionsError(
        `override condition ${override.type} must exist in source object`,
      );
    }
    overrides.set(override.type, override);
  }

  const inScope: ConditionWithOwner[] = [];
  const seen = new Set<string>();
  for (const condition of present) {
    if (!wanted.has(condition.type)) continue;
    const override = overrides.get(condition.type);
    inScope.push(
      override
        ? { ...override, message: override.message ?? '', owner }
        : { ...condition, message: condition.message ?? '', owner },
    );
    seen.add(condition.type);
  }
  const ignoreIfMissing = new Set(options.ignoreTypesIfMissing);
  for (const type of forConditionTypes) {
    if (seen.has(type) || ignoreIfMissing.has(type)) continue;
    inScope.push({
      type,
      status: 'Unknown',
      reason: ConditionReason.NotYetReported,
      message: 'Condition not yet reported',
      owner,
    });
  }
  if (inScope.length === 0) {
    throw new InvalidConditionOptionsError(
      "summary can't be performed when the list of conditions to be summarized is empty",
    );
  }

  const { status, reason, message } = strategy.merge('Summary', inScope, forConditionTypes);
  return { type: targetType, status, reason, message };
}

/** `summaryCondition` then `setCondition`; returns whether the object changed. */
export function setSummaryCondition(
  obj: ConditionsObject,
  options: SummaryOptions,
  setOptions?: SetConditionOptions,
): boolean {
  return setCondition(obj, summaryCondition(obj, options), setOptions);
}
