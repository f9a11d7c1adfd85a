/**
 * PodDisruptionBudget (policy/v1, `pdb`) with `status`, written by the disruption controller.
 * Upstream: `pkg/apis/policy/validation` (`ValidatePodDisruptionBudgetSpec`), printer
 * `printPodDisruptionBudget`. `spec.selector` has `patchStrategy:"replace"`.
 */
import type { FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import {
  ageColumn,
  builtinStrategy,
  column,
  creationTimestamp,
  defineBuiltin,
  nameColumn,
  objectName,
} from './define.js';
import { getNumber, getObject, text } from './object-access.js';
import {
  int32,
  int64,
  intOrString,
  kindSchema,
  labelSelector,
  metav1Conditions,
  obj,
  replacedBySmp,
  str,
  time,
} from './schema-builders.js';
import { invalidRaw, validateLabelSelector, validateNonNegativeIntOrPercent } from './validation-helpers.js';

function validatePdb(pdb: KubeObject): FieldError[] {
  const spec = getObject(pdb, 'spec') ?? {};
  const errs: FieldError[] = [];
  const min = spec.minAvailable;
  const max = spec.maxUnavailable;
  if (min !== undefined && min !== null && max !== undefined && max !== null) {
    errs.push(invalidRaw('spec', JSON.stringify(spec), 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (min !== undefined && min !== null)
    errs.push(...validateNonNegativeIntOrPercent(min, 'spec.minAvailable'));
  if (max !== undefined && max !== null)
    errs.push(...validateNonNegativeIntOrPercent(max, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  return errs;
}

const intOrStringText = (v: unknown) => (v === undefined || v === null ? 'N/A' : text(v));

export const podDisruptionBudgetDefinition = defineBuiltin({
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  shortNames: ['pdb'],
  namespaced: true,
  subresources: { status: true },
  schema: kindSchema('Limits how many pods of a set may be down at once through voluntary disruptions.', {
    spec: obj('Desired budget.', {
      minAvailable: intOrString('Pods that must stay available (number or percentage).'),
      selector: replacedBySmp(
        labelSelector('Pods the budget covers; empty selects all pods in the namespace.'),
      ),
      maxUnavailable: intOrString('Pods that may be unavailable (number or percentage).'),
      unhealthyPodEvictionPolicy: str('IfHealthyBudget or AlwaysAllow.'),
    }),
    status: obj('Observed state of the budget.', {
      observedGeneration: int64('Generation the status was computed for.'),
      disruptedPods: {
        type: 'object',
        description: 'Pods being evicted but not yet gone, with the eviction time.',
        additionalProperties: time('Eviction time.'),
      },
      disruptionsAllowed: int32('Disruptions currently allowed.'),
      currentHealthy: int32('Healthy pods now.'),
      desiredHealthy: int32('Healthy pods required.'),
      expectedPods: int32('Pods the budget counts.'),
      conditions: metav1Conditions(),
    }),
  }),
  strategy: builtinStrategy(true, { validate: (pdb) => validatePdb(pdb) }),
  table: {
    columns: [
      nameColumn(),
      column('Min Available', 'string', 'Pods that must stay available.'),
      column('Max Unavailable', 'string', 'Pods that may be unavailable.'),
      column('Allowed Disruptions', 'integer', 'Disruptions currently allowed.'),
      ageColumn(),
    ],
    cells: (pdb) => [
      objectName(pdb),
      intOrStringText(getObject(pdb, 'spec')?.minAvailable),
      intOrStringText(getObject(pdb, 'spec')?.maxUnavailable),
      getNumber(pdb, 'status.disruptionsAllowed') ?? 0,
      creationTimestamp(pdb),
    ],
  },
});
