import { AdmissionDeniedError, type FieldError } from '../../../controller-runtime/webhook/field-errors.js';

/** The group and kind a denial names, e.g. `Machine.cluster.x-k8s.io`. */
export interface GroupKind {
  group: string;
  kind: string;
}

/**
 * Throws a 422 when `errors` is not empty, worded as `apierrors.NewInvalid` words it: the message names the
 * qualified kind (`Machine.cluster.x-k8s.io "m-1" is invalid: ...`) and repeats no identical error, so users
 * and scripts see the same text as from upstream's webhooks.
 */
export function denyIfInvalid(gk: GroupKind, name: string, errors: FieldError[]): void {
  if (errors.length === 0) return;
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const e of errors) {
    const text = `${e.field}: ${e.detail}`;
    if (seen.has(text)) continue;
    seen.add(text);
    unique.push(text);
  }
  const summary = unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
  throw new AdmissionDeniedError({
    kind: gk.kind,
    name,
    causes: errors,
    message: `${gk.kind}.${gk.group} "${name}" is invalid: ${summary}`,
  });
}

/**
 * A plain "no" (403): what controller-runtime answers when a defaulter or validator returns an error that is
 * not an API status, e.g. an unparsable autoscaler annotation or a feature gate that is off.
 */
export function denyForbidden(kind: string, name: string, message: string): never {
  throw new AdmissionDeniedError({ kind, name, reason: 'Forbidden', message });
}
