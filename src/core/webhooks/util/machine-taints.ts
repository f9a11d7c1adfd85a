// Taints a Machine propagates to its Node. Keys reserved for Cluster API itself, the kubelet, the node
// lifecycle controller or cloud providers would fight with their owners, so they are refused.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { isLabelKey } from '../../../controller-runtime/webhook/validation.js';
import { reservedTaintKeyError, TAINTS_NEED_GATE } from '../../api/v1beta2/admission-helpers.js';
import { Label } from '../../api/v1beta2/index.js';

export interface TaintLike {
  key?: string;
}

const CONTROL_PLANE_TAINT_KEY = 'node-role.kubernetes.io/control-plane';

/** `taints.ValidateMachineTaints`: forbidden while the MachineTaintPropagation gate is off, reserved keys refused. */
export function validateMachineTaints(
  taints: TaintLike[] | undefined,
  path: FieldPath,
  taintPropagationEnabled: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!taintPropagationEnabled && taints && taints.length > 0) {
    errs.push(fieldError.forbidden(path.toString(), TAINTS_NEED_GATE));
  }
  (taints ?? []).forEach((taint, i) => {
    const key = taint.key ?? '';
    const keyPath = path.index(i).child('key').toString();
    const reserved = reservedTaintKeyError(key);
    if (reserved !== undefined) errs.push(fieldError.invalid(keyPath, key, reserved));
    for (const msg of isLabelKey(key)) errs.push(fieldError.invalid(keyPath, key, msg));
  });
  return errs;
}

/**
 * Worker Machines must not carry the control plane taint (only checked while the gate is on). `labels` are the
 * Machine's own, so control plane Machines are recognised; templates of worker kinds pass none.
 */
export function validateMachineTaintsForWorkers(
  taints: TaintLike[] | undefined,
  labels: Record<string, string> | undefined,
  path: FieldPath,
  taintPropagationEnabled: boolean,
): FieldError[] {
  if (!taintPropagationEnabled) return [];
  if (labels && Object.prototype.hasOwnProperty.call(labels, Label.ControlPlane)) return [];
  const errs: FieldError[] = [];
  (taints ?? []).forEach((taint, i) => {
    if (taint.key === CONTROL_PLANE_TAINT_KEY) {
      errs.push(
        fieldError.invalid(
          path.index(i).child('key').toString(),
          taint.key,
          'taint is not allowed for worker Machines',
        ),
      );
    }
  });
  return errs;
}
