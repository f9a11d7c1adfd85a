import { type ConditionsObject, getCondition, type NewCondition } from './condition.js';
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

export interface AggregateOptions {
  /** The type of the resulting condition; defaults to the source type. */
  targetType?: string;
  /**
   * `[sourceType]` when True is bad for the source condition; the result then has negative polarity too.
   * Any other content is rejected, as upstream does.
   */
  negativePolarityConditionTypes?: readonly string[];
  /** Sources whose messages should be listed first (upstream: control-plane Machines). */
  prioritize?: (source: ConditionsObject) => boolean;
  mergeStrategy?: MergeStrategy;
}

/**
 * One condition aggregating the same condition across many objects (upstream `NewAggregateCondition`), e.g.
 * `MachinesReady` from every Machine's `Ready`. A source without the condition counts as Unknown
 * (NotYetReported). Status: False if any source reports an issue, else Unknown if any is Unknown, else True.
 * The message names the objects behind the most common issues (at most three messages, three names each).
 */
export function aggregateCondition(
  sources: readonly ConditionsObject[],
  sourceType: string,
  options: AggregateOptions = {},
): NewCondition {
  if (sources.length === 0) throw new InvalidConditionOptionsError("sources can't be empty");
  const negative = options.negativePolarityConditionTypes ?? [];
  if (negative.length > 0 && (negative.length > 1 || negative[0] !== sourceType)) {
    throw new InvalidConditionOptionsError(
      `negativePolarityConditionTypes can only be set to ["${sourceType}"]`,
    );
  }
  const strategy =
    options.mergeStrategy ??
    defaultMergeStrategy({
      targetConditionHasPositivePolarity: negative.length === 0,
      getPriority: defaultMergePriority(negative),
    });

  const inScope: ConditionWithOwner[] = sources.map((source) => {
    const owner = conditionOwnerOf(source, options.prioritize?.(source) ?? false);
    const condition = getCondition(source, sourceType);
    if (condition) return { ...condition, message: condition.message ?? '', owner };
    return {
      type: sourceType,
      status: 'Unknown',
      reason: ConditionReason.NotYetReported,
      message: `Condition ${sourceType} not yet reported`,
      owner,
    };
  });

  const { status, reason, message } = strategy.merge('Aggregate', inScope, [sourceType]);
  return { type: options.targetType ?? sourceType, status, reason, message };
}

/** `aggregateCondition` then `setCondition` on `target`; returns whether it changed. */
export function setAggregateCondition(
  target: ConditionsObject,
  sources: readonly ConditionsObject[],
  sourceType: string,
  options: AggregateOptions = {},
  setOptions?: SetConditionOptions,
): boolean {
  return setCondition(target, aggregateCondition(sources, sourceType, options), setOptions);
}
