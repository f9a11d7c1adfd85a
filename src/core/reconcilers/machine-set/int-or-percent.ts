import { atoi, intOrPercentError, type IntOrString } from '../../webhooks/util/int-or-percent.js';

/**
 * `intstr.GetScaledValueFromIntOrPercent`: an integer as it is, `N%` of `total` rounded up or down; an
 * invalid value is an error with upstream's text.
 */
export function scaledIntOrPercent(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const error = intOrPercentError(value);
  if (error) throw new Error(`failed to calculate maxInFlight to remediate machines: ${error}`);
  const percent = atoi(value.slice(0, -1)) as number;
  const scaled = (percent * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
