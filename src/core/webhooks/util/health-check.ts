// Checks shared by MachineHealthChecks and the health checks of Cluster topologies and ClusterClasses.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { type IntOrString, validateIntOrPercent } from './int-or-percent.js';

/** A Node gets at least this long to appear; shorter timeouts remediate Machines that are still booting. */
export const MIN_NODE_STARTUP_TIMEOUT_SECONDS = 30;

/** `checks.nodeStartupTimeoutSeconds`: 0 (disabled) or at least 30 seconds. */
export function validateNodeStartupTimeoutSeconds(
  path: FieldPath,
  seconds: number | undefined,
): FieldError[] {
  if (seconds === undefined || seconds === 0 || seconds >= MIN_NODE_STARTUP_TIMEOUT_SECONDS) return [];
  return [
    fieldError.invalid(
      path.child('checks', 'nodeStartupTimeoutSeconds').toString(),
      seconds,
      'must be at least 30s',
    ),
  ];
}

/** `remediation.triggerIf.unhealthyLessThanOrEqualTo`: an int or a percentage. */
export const validateUnhealthyLessThanOrEqualTo = (
  path: FieldPath,
  v: IntOrString | undefined,
): FieldError[] =>
  validateIntOrPercent(path.child('remediation', 'triggerIf', 'unhealthyLessThanOrEqualTo'), v);
