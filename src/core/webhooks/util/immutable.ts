// Immutable fields. Upstream words the same rule two ways depending on the kind: core kinds answer
// `Forbidden: field is immutable`, the addons kinds `Invalid value: "<new>": field is immutable` (built in
// their webhooks with FIELD_IS_IMMUTABLE), so each kind's denials read exactly like upstream's.
import { deepEqual } from '../../../controller-runtime/util/json.js';
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';

export const FIELD_IS_IMMUTABLE = 'field is immutable';

/** On update, a change of `path` is refused as Forbidden. */
export function forbidImmutableChange(path: FieldPath, oldValue: unknown, newValue: unknown): FieldError[] {
  return deepEqual(oldValue ?? '', newValue ?? '')
    ? []
    : [fieldError.forbidden(path.toString(), FIELD_IS_IMMUTABLE)];
}
