// intstr.IntOrString as upstream's webhooks validate it: an integer, or a string that is an integer followed
// by `%`. The error texts are those of `intstr.GetScaledValueFromIntOrPercent` and Go's strconv.Atoi.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';

export type IntOrString = number | string;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.Atoi on a 64-bit platform: the value, or its error text. */
export function atoi(s: string): number | { error: string } {
  if (!/^[+-]?[0-9]+$/.test(s))
    return { error: `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax` };
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX) {
    return { error: `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range` };
  }
  return Number(n);
}

/** `IntOrString.String()`: what upstream shows as the bad value. */
export const intOrStringToString = (v: IntOrString): string => (typeof v === 'number' ? String(v) : v);

/** Why `v` is neither an integer nor a percentage, in upstream's words; undefined when it is fine. */
export function intOrPercentError(v: IntOrString): string | undefined {
  if (typeof v === 'number') return undefined;
  if (!v.endsWith('%')) return 'invalid value for IntOrString: invalid type: string is not a percentage';
  const parsed = atoi(v.slice(0, -1));
  if (typeof parsed !== 'number') {
    return `invalid value for IntOrString: invalid value ${JSON.stringify(v)}: ${parsed.error}`;
  }
  return undefined;
}

/** An int-or-percent field that must be valid when set (`must be either an int or a percentage: ...`). */
export function validateIntOrPercent(path: FieldPath, v: IntOrString | undefined): FieldError[] {
  if (v === undefined) return [];
  const error = intOrPercentError(v);
  return error
    ? [
        fieldError.invalid(
          path.toString(),
          intOrStringToString(v),
          `must be either an int or a percentage: ${error}`,
        ),
      ]
    : [];
}

/**
 * MachineDeployment rolling updates (also in Cluster topologies and ClusterClasses): both limits valid, and
 * not both the integer 0, since then no Machine could ever be replaced.
 */
export function validateRolloutStrategy(
  path: FieldPath,
  maxUnavailable: IntOrString | undefined,
  maxSurge: IntOrString | undefined,
): FieldError[] {
  const errs = [
    ...validateIntOrPercent(path.child('rollingUpdate', 'maxUnavailable'), maxUnavailable),
    ...validateIntOrPercent(path.child('rollingUpdate', 'maxSurge'), maxSurge),
  ];
  if (maxUnavailable === 0 && maxSurge === 0) {
    errs.push(
      fieldError.invalid(
        path.child('rollingUpdate').toString(),
        intOrStringToString(maxSurge),
        'maxUnavailable and maxSurge cannot both be 0',
      ),
    );
  }
  return errs;
}

/** `remediation.maxInFlight` of MachineDeployments and their topology and class health checks. */
export const validateRemediationMaxInFlight = (
  path: FieldPath,
  maxInFlight: IntOrString | undefined,
): FieldError[] => validateIntOrPercent(path.child('maxInFlight'), maxInFlight);
