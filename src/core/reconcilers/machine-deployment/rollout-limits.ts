// How far a RollingUpdate may go above (maxSurge) and below (maxUnavailable) spec.replicas, resolved the way
// upstream's mdutil does (`ResolveFenceposts`, `MaxSurge`, `MaxUnavailable`, on top of apimachinery's
// `intstr.GetScaledValueFromIntOrPercent`).

/** `intstr.IntOrString` as it appears in the API: an integer, or a string `<n>%`. */
export type IntOrPercent = number | string;

export const RolloutStrategyType = { RollingUpdate: 'RollingUpdate', OnDelete: 'OnDelete' } as const;
export type RolloutStrategyType = (typeof RolloutStrategyType)[keyof typeof RolloutStrategyType];

/** Upstream's defaults (the MachineDeployment webhook writes them; the controller assumes them when absent). */
export const DEFAULT_MAX_SURGE: IntOrPercent = 1;
export const DEFAULT_MAX_UNAVAILABLE: IntOrPercent = 0;

/** The part of a MachineDeployment the limits depend on. */
export interface RolloutSpec {
  spec?: {
    replicas?: number;
    rollout?: {
      strategy?: {
        type?: string;
        rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent };
      };
    };
  };
}

/** A value that is neither an integer nor an integer followed by `%` (webhook validation rejects these). */
export class InvalidIntOrPercentError extends Error {
  override readonly name = 'InvalidIntOrPercentError';
}

/**
 * `GetScaledValueFromIntOrPercent`: an integer as is; a percentage of `total`, rounded up or down. The float
 * arithmetic is Go's (`math.Ceil(float64(v) * float64(total) / 100)`), so 10% of 3 rounds up to 1.
 */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (!value.endsWith('%')) {
    throw new InvalidIntOrPercentError(
      `invalid value for IntOrString: invalid type: string is not a percentage`,
    );
  }
  const digits = value.slice(0, -1);
  if (!/^[+-]?[0-9]+$/.test(digits)) {
    throw new InvalidIntOrPercentError(
      `invalid value for IntOrString: invalid value ${JSON.stringify(value)}`,
    );
  }
  const scaled = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** The strategy type, `RollingUpdate` when unset (the webhook's default). */
export function strategyType(md: RolloutSpec): RolloutStrategyType {
  return md.spec?.rollout?.strategy?.type === RolloutStrategyType.OnDelete
    ? RolloutStrategyType.OnDelete
    : RolloutStrategyType.RollingUpdate;
}

export const isRollingUpdate = (md: RolloutSpec): boolean =>
  strategyType(md) === RolloutStrategyType.RollingUpdate;

/** maxSurge and maxUnavailable as written, with upstream's defaults (1 and 0) for what is unset. */
export function rollingUpdateParams(md: RolloutSpec): {
  maxSurge: IntOrPercent;
  maxUnavailable: IntOrPercent;
} {
  const ru = md.spec?.rollout?.strategy?.rollingUpdate;
  return {
    maxSurge: ru?.maxSurge ?? DEFAULT_MAX_SURGE,
    maxUnavailable: ru?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
  };
}

/**
 * `ResolveFenceposts`: maxSurge rounds up, maxUnavailable rounds down; when both resolve to 0 (validation
 * forbids writing both as 0, but percentages can round to it) maxUnavailable becomes 1, so a rollout can
 * still make progress without extra capacity.
 */
export function resolveFenceposts(
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** Machines a rolling update may add above spec.replicas (0 for OnDelete). */
export function maxSurge(md: RolloutSpec): number {
  if (!isRollingUpdate(md)) return 0;
  const p = rollingUpdateParams(md);
  return resolveFenceposts(p.maxSurge, p.maxUnavailable, md.spec?.replicas ?? 0).surge;
}

/** Machines a rolling update may leave unavailable; never more than spec.replicas (0 for OnDelete or 0 replicas). */
export function maxUnavailable(md: RolloutSpec): number {
  const replicas = md.spec?.replicas ?? 0;
  if (!isRollingUpdate(md) || replicas === 0) return 0;
  const p = rollingUpdateParams(md);
  return Math.min(resolveFenceposts(p.maxSurge, p.maxUnavailable, replicas).unavailable, replicas);
}

/** How upstream prints an IntOrString in messages (`%s`): the number, or the percentage string. */
export const intOrPercentString = (v: IntOrPercent): string => String(v);
