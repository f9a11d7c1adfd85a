/**
 * CustomResourceDefinition (apiextensions.k8s.io/v1, cluster-scoped, `crd`/`crds`, category
 * `api-extensions`) with `status`. Validation lives in the admission module (the server wires
 * `validateCustomResourceDefinition`); here are the names, a schema that keeps spec and status as given,
 * and the create/update bookkeeping of upstream's strategy (`status.storedVersions`).
 */
import type { KubeObject } from '../registry/resource-definition.js';
import { builtinStrategy, defaultTable, defineBuiltin } from './define.js';
import { ensureObject, getObjects } from './object-access.js';
import { kindSchema, openObj } from './schema-builders.js';

function storageVersion(crd: KubeObject): string | undefined {
  const v = getObjects(crd, 'spec.versions').find((x) => x.storage === true);
  return v && typeof v.name === 'string' ? v.name : undefined;
}

/** Adds the storage version to `status.storedVersions` when missing (upstream Prepare* hooks). */
function recordStoredVersion(crd: KubeObject): void {
  const version = storageVersion(crd);
  if (!version) return;
  const status = ensureObject(crd, 'status');
  const stored: unknown[] = Array.isArray(status.storedVersions) ? (status.storedVersions as unknown[]) : [];
  if (!stored.includes(version)) status.storedVersions = [...stored, version];
}

export const customResourceDefinitionDefinition = defineBuiltin({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  subresources: { status: true },
  schema: kindSchema('Declares a custom resource kind the server then serves.', {
    spec: openObj('Group, names, scope and versions of the custom resource.'),
    status: openObj('Accepted names, conditions and stored versions.'),
  }),
  strategy: builtinStrategy(true, {
    // Status starts empty except for the storage version (the registry drops client-sent status first).
    prepareForCreate(crd) {
      crd.status = {};
      recordStoredVersion(crd);
    },
    prepareForUpdate: (crd) => recordStoredVersion(crd),
  }),
  table: defaultTable(),
});
