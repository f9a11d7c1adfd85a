/**
 * Namespace (core/v1, cluster-scoped, `ns`). Upstream: `pkg/registry/core/namespace/strategy.go`.
 * Create sets `status.phase: Active` and makes sure `spec.finalizers` holds `kubernetes`; every write keeps
 * the `kubernetes.io/metadata.name` label equal to the name. The main endpoint cannot change
 * `spec.finalizers` (only `/finalize` can) nor status.
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
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
import { deepClone, ensureObject, getArray, getObject, getString } from './object-access.js';
import { atomicList, kindSchema, obj, str, typedConditions } from './schema-builders.js';
import { isQualifiedName, nameIsDNSLabel } from './validation-helpers.js';

export const NAMESPACE_FINALIZER = 'kubernetes';
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';
const STANDARD_FINALIZERS = new Set([NAMESPACE_FINALIZER, 'orphan', 'foregroundDeletion']);

function setNameLabel(ns: KubeObject): void {
  const name = ns.metadata?.name;
  if (!name || !ns.metadata) return;
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [LABEL_METADATA_NAME]: name };
}

/** apimachinery ValidateFinalizerName plus the core rule that short names must be standard ones. */
export function validateFinalizerName(value: string, field: string): FieldError[] {
  const errs = isQualifiedName(value).map((m) => fieldErrors.invalid(field, value, m));
  if (!value.includes('/') && !STANDARD_FINALIZERS.has(value)) {
    errs.push(
      fieldErrors.invalid(
        field,
        value,
        'name is neither a standard finalizer name nor is it fully qualified',
      ),
    );
  }
  return errs;
}

export const namespaceDefinition = defineBuiltin({
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  shortNames: ['ns'],
  namespaced: false,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: {
    status: true,
    others: [{ name: 'finalize', group: '', version: 'v1', kind: 'Namespace', verbs: ['update'] }],
  },
  nameValidator: nameIsDNSLabel,
  schema: kindSchema('A scope for names; most objects live in one.', {
    spec: obj('Desired state of the namespace.', {
      finalizers: atomicList('Finalizers that must clear before the namespace is removed.', {
        type: 'string',
      }),
    }),
    status: obj('Observed state of the namespace.', {
      phase: str('Active or Terminating.'),
      conditions: typedConditions(['lastTransitionTime']),
    }),
  }),
  strategy: builtinStrategy(false, {
    prepareForCreate(ns) {
      ns.status = { phase: 'Active' };
      const spec = ensureObject(ns, 'spec');
      const finalizers = getArray(ns, 'spec.finalizers');
      if (!finalizers.includes(NAMESPACE_FINALIZER)) spec.finalizers = [...finalizers, NAMESPACE_FINALIZER];
      setNameLabel(ns);
    },
    // Main endpoint only: /finalize is the one way to change spec.finalizers (status is the registry's).
    prepareForUpdate(ns, old) {
      const oldFinalizers = getObject(old, 'spec')?.finalizers;
      if (oldFinalizers === undefined) {
        const spec = getObject(ns, 'spec');
        if (spec) delete spec.finalizers;
      } else {
        ensureObject(ns, 'spec').finalizers = deepClone(oldFinalizers);
      }
      setNameLabel(ns);
    },
    validate(ns, old) {
      if (old) return [];
      return getArray(ns, 'spec.finalizers').flatMap((f) =>
        typeof f === 'string' ? validateFinalizerName(f, 'spec.finalizers') : [],
      );
    },
    returnDeletedObject: true,
  }),
  table: {
    columns: [nameColumn(), column('Status', 'string', 'The phase of the namespace.'), ageColumn()],
    cells: (ns) => [objectName(ns), getString(ns, 'status.phase') ?? '', creationTimestamp(ns)],
  },
  selectableFields: (ns) => ({ 'status.phase': getString(ns, 'status.phase') ?? '' }),
});
