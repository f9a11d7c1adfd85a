// Rules MachineSets, MachineDeployments and MachinePools share about the Machines they stamp out.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { Annotation, MachineSetPreflightCheck } from '../../api/v1beta2/index.js';

/** A template's bootstrap: a config reference or a ready Secret, one of them. */
export function validateTemplateBootstrap(
  bootstrap: { configRef?: unknown; dataSecretName?: string } | undefined,
  path: FieldPath,
): FieldError[] {
  if (bootstrap?.configRef || bootstrap?.dataSecretName !== undefined) return [];
  return [
    fieldError.required(
      path.toString(),
      'expected either spec.template.spec.bootstrap.dataSecretName or spec.template.spec.bootstrap.configRef to be populated',
    ),
  ];
}

/** `spec.clusterName` and the template's `spec.clusterName` must agree: Machines belong to their owner's Cluster. */
export function validateTemplateClusterName(
  clusterName: string | undefined,
  templateClusterName: string | undefined,
  path: FieldPath,
): FieldError[] {
  if ((clusterName ?? '') === (templateClusterName ?? '')) return [];
  return [
    fieldError.invalid(
      path.toString(),
      clusterName ?? '',
      'spec.clusterName and spec.template.spec.clusterName must be set to the same value',
    ),
  ];
}

const SUPPORTED_PREFLIGHT_CHECKS = Object.values(MachineSetPreflightCheck).sort();

/**
 * The skip-preflight-checks annotation may only name checks that exist: a typo would silently keep a check
 * on (or, worse, be read as "skip nothing") without this.
 */
export function validateSkippedPreflightChecks(
  annotations: Record<string, string> | undefined,
): FieldError[] {
  const key = Annotation.MachineSetSkipPreflightChecks;
  const skip = annotations?.[key];
  if (!skip) return [];
  const invalid = skip
    .split(',')
    .map((s) => s.trim())
    .filter((s) => !(SUPPORTED_PREFLIGHT_CHECKS as string[]).includes(s));
  if (invalid.length === 0) return [];
  return [
    fieldError.invalid(
      `metadata.annotations.${key}`,
      invalid,
      `skipped preflight check(s) must be among: [${SUPPORTED_PREFLIGHT_CHECKS.join(' ')}]`,
    ),
  ];
}
