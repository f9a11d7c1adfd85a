import { type ConditionsObject, getCondition, isConditionStatus, type NewCondition } from './condition.js';
import { ConditionReason } from './reasons.js';
import { setCondition, type SetConditionOptions } from './setter.js';

export interface MirrorOptions {
  /** The type on the target; defaults to the source type (e.g. a provider's `Ready` -> `InfrastructureReady`). */
  targetType?: string;
  /** What to report when the source has no such condition; default Unknown / NotYetReported. */
  fallback?: { status: NewCondition['status']; reason: string; message?: string };
}

/**
 * A copy of `from`'s condition under another type (upstream `NewMirrorCondition`). The source's transition
 * time is kept, because the interesting moment is when the underlying condition changed; observedGeneration
 * is not, because the source's generation means nothing on the target (setCondition fills in the target's).
 */
export function mirrorCondition(
  from: ConditionsObject | undefined,
  sourceType: string,
  options: MirrorOptions = {},
): NewCondition {
  const type = options.targetType ?? sourceType;
  const source = getCondition(from, sourceType);
  if (source) {
    if (!isConditionStatus(source.status)) {
      return {
        type,
        status: 'Unknown',
        reason: ConditionReason.InvalidConditionReported,
        message: `status for the ${sourceType} condition must be one of True, False, Unknown`,
      };
    }
    const mirrored: NewCondition = {
      type,
      status: source.status,
      reason: source.reason || ConditionReason.NoReasonReported,
      message: source.message ?? '',
    };
    if (source.lastTransitionTime) mirrored.lastTransitionTime = source.lastTransitionTime;
    return mirrored;
  }
  if (options.fallback) {
    return {
      type,
      status: options.fallback.status,
      reason: options.fallback.reason,
      message: options.fallback.message ?? '',
    };
  }
  return {
    type,
    status: 'Unknown',
    reason: ConditionReason.NotYetReported,
    message: `Condition ${sourceType} not yet reported`,
  };
}

/** `mirrorCondition` then `setCondition` on `target`; returns whether it changed. */
export function setMirrorCondition(
  from: ConditionsObject | undefined,
  target: ConditionsObject,
  sourceType: string,
  options: MirrorOptions = {},
  setOptions?: SetConditionOptions,
): boolean {
  return setCondition(target, mirrorCondition(from, sourceType, options), setOptions);
}
