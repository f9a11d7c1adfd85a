// The version fields of the core kinds as upstream's webhooks default and check them; parsing itself is
// `src/core/api/version.ts`, shared with the providers.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { kubernetesVersionErrors } from '../../api/version.js';

/** Tolerates versions typed without the `v` (`1.33.1`), as upstream does for every version field. */
export function defaultVersionPrefix(holder: { version?: string } | undefined): void {
  if (holder?.version && !holder.version.startsWith('v')) holder.version = `v${holder.version}`;
}

/** The bad-version denials of an optional `version` field, in upstream's order. */
export function versionErrors(path: FieldPath, version: string | undefined): FieldError[] {
  if (!version) return [];
  return kubernetesVersionErrors(version).map((msg) => fieldError.invalid(path.toString(), version, msg));
}
