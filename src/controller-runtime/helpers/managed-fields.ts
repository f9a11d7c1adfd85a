// Reading `metadata.managedFields`, so a controller (MachineSet, KubeadmControlPlane) sends a server-side apply
// only when it would change something: a label it applied before and the template dropped is removed by
// applying again, a label someone else set is not its business.
import type { KubeObject } from '../api/object.js';

type FieldsV1 = Record<string, unknown>;

/** The fields `manager` holds through server-side apply (operation Apply), as a fieldsV1 tree. */
export function appliedFields(obj: KubeObject, manager: string): FieldsV1 | undefined {
  const entry = (obj.metadata.managedFields ?? []).find(
    (e) => e.manager === manager && e.operation === 'Apply' && !e.subresource,
  );
  return entry?.fieldsV1 as FieldsV1 | undefined;
}

/** The subtree at a path of field names (`['metadata', 'labels']`), undefined when not owned. */
function subtree(fields: FieldsV1 | undefined, path: readonly string[]): FieldsV1 | undefined {
  let cur: unknown = fields;
  for (const name of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as FieldsV1)[`f:${name}`];
  }
  return cur !== null && typeof cur === 'object' ? (cur as FieldsV1) : undefined;
}

/** Whether the field at `path` is owned (as a leaf or with owned children). */
export const ownsField = (fields: FieldsV1 | undefined, path: readonly string[]): boolean =>
  subtree(fields, path) !== undefined;

/** The keys of a map field (`metadata.labels`) the manager owns. */
export function ownedMapKeys(fields: FieldsV1 | undefined, path: readonly string[]): string[] {
  const tree = subtree(fields, path);
  if (!tree) return [];
  return Object.keys(tree)
    .filter((k) => k.startsWith('f:'))
    .map((k) => k.slice(2));
}

/**
 * Whether applying `desired` as the map at `path` changes `current`: a desired entry missing or different, or
 * an entry the manager applied before and no longer wants.
 */
export function mapNeedsApply(
  current: Record<string, string> | undefined,
  desired: Record<string, string>,
  fields: FieldsV1 | undefined,
  path: readonly string[],
): boolean {
  const have = current ?? {};
  if (Object.entries(desired).some(([k, v]) => have[k] !== v)) return true;
  return ownedMapKeys(fields, path).some((k) => !(k in desired) && k in have);
}

/**
 * The server-side apply configuration that keeps `obj`'s labels and annotations at `labels` / `annotations`
 * for field manager `manager` (dropping keys it applied before and no longer wants); undefined when nothing would
 * change, so callers skip the request.
 */
export function metadataApplyConfiguration(
  obj: KubeObject,
  manager: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): KubeObject | undefined {
  const owned = appliedFields(obj, manager);
  const needs =
    mapNeedsApply(obj.metadata.labels, labels, owned, ['metadata', 'labels']) ||
    mapNeedsApply(obj.metadata.annotations, annotations, owned, ['metadata', 'annotations']);
  if (!needs) return undefined;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      labels,
      annotations,
    },
  };
}
