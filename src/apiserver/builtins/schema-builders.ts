/**
 * A small vocabulary for writing the structural schemas of built-in kinds, plus the shared pieces
 * (ObjectMeta, LabelSelector, ObjectReference, Condition). Descriptions are short, in our own words.
 *
 * Conventions that mirror kube-apiserver's published OpenAPI:
 * - list semantics: `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` where the Go types carry
 *   `+listType` markers (lists without one are atomic for server-side apply);
 * - strategic merge: `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` where the Go types carry
 *   `patchStrategy` / `patchMergeKey` tags; `strategicMergeFromSchema` derives the SMP schema from them;
 * - `metav1.Time` / `MicroTime` are `string` + `format: date-time` (nullable, since Go accepts `null` for the
 *   zero time and kubectl sends `creationTimestamp: null`); `[]byte` is `string` + `format: byte`;
 *   IntOrString and Quantity are `x-kubernetes-int-or-string`.
 */
import type { JSONSchemaProps } from '../registry/resource-definition.js';
import type { StrategicMergeSchemaWithReplace } from './strategic-merge-patch.js';

export type Schema = JSONSchemaProps;

export const str = (description: string, extra: Partial<Schema> = {}): Schema => ({
  type: 'string',
  description,
  ...extra,
});
export const int32 = (description: string, extra: Partial<Schema> = {}): Schema => ({
  type: 'integer',
  format: 'int32',
  description,
  ...extra,
});
export const int64 = (description: string, extra: Partial<Schema> = {}): Schema => ({
  type: 'integer',
  format: 'int64',
  description,
  ...extra,
});
export const bool = (description: string): Schema => ({ type: 'boolean', description });
/** metav1.Time: RFC 3339, stored at second precision. */
export const time = (description: string): Schema => ({
  type: 'string',
  format: 'date-time',
  nullable: true,
  description,
});
/**
 * metav1.MicroTime: RFC 3339 with exactly six fractional digits on input. Also list the path in the kind's
 * `microTimeFields` so the wire-format check knows it (the OpenAPI shape is the same as Time).
 */
export const microTime = time;
/** []byte: base64 on the wire. */
export const bytes = (description: string): Schema => ({ type: 'string', format: 'byte', description });

export const intOrString = (description: string): Schema => ({
  description,
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
});
/** resource.Quantity accepts JSON numbers and strings. */
export const quantity = intOrString;
export const quantityMap = (description: string): Schema => ({
  type: 'object',
  description,
  additionalProperties: quantity('A quantity such as 100m, 1Gi or 2.'),
});

export const stringMap = (description: string, atomic = false): Schema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
  ...(atomic ? { 'x-kubernetes-map-type': 'atomic' as const } : {}),
});

export const obj = (
  description: string,
  properties: Record<string, Schema>,
  extra: Partial<Schema> = {},
): Schema => ({ type: 'object', description, properties, ...extra });

/** An object that keeps fields we do not list (large upstream structures we only model in part). */
export const openObj = (description: string, properties: Record<string, Schema> = {}): Schema => ({
  type: 'object',
  description,
  properties,
  'x-kubernetes-preserve-unknown-fields': true,
});

export const atomicObj = (description: string, properties: Record<string, Schema>): Schema =>
  obj(description, properties, { 'x-kubernetes-map-type': 'atomic' });

export const list = (description: string, items: Schema, extra: Partial<Schema> = {}): Schema => ({
  type: 'array',
  description,
  items,
  ...extra,
});
export const atomicList = (description: string, items: Schema): Schema =>
  list(description, items, { 'x-kubernetes-list-type': 'atomic' });
export const stringList = (description: string): Schema => atomicList(description, { type: 'string' });

export interface MapListOptions {
  /** patchMergeKey of the Go field when it also has `patchStrategy:"merge"`. */
  mergeKey?: string;
  /** Server-side-apply list type, `map` unless the Go marker says otherwise. */
  listType?: 'map' | 'atomic';
}

/** A list of objects keyed by `keys` for SSA, optionally merged by `mergeKey` for SMP. */
export const mapList = (
  description: string,
  items: Schema,
  keys: string[],
  options: MapListOptions = {},
): Schema => {
  const listType = options.listType ?? 'map';
  if (listType === 'map') {
    // Structural schemas demand that every map key is required or defaulted.
    const undefaulted = keys.filter((k) => items.properties?.[k]?.default === undefined);
    const required = [...new Set([...(items.required ?? []), ...undefaulted])];
    if (required.length > 0) items = { ...items, required };
  }
  return list(description, items, {
    'x-kubernetes-list-type': listType,
    ...(listType === 'map' ? { 'x-kubernetes-list-map-keys': keys } : {}),
    ...(options.mergeKey !== undefined
      ? { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': options.mergeKey }
      : {}),
  });
};

/** A list of strings merged as a set by both SMP (`patchStrategy:"merge"`) and SSA (`listType=set`). */
export const mergedStringSet = (description: string): Schema =>
  list(
    description,
    { type: 'string' },
    { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
  );

/** Marks a map as `patchStrategy:"replace"` (SMP replaces it whole). */
export const replacedBySmp = (schema: Schema): Schema => ({
  ...schema,
  'x-kubernetes-patch-strategy': 'replace',
});

/** Marks an object as `patchStrategy:"retainKeys"` (documentation only; `$retainKeys` works anywhere). */
export const retainKeys = (schema: Schema): Schema => ({
  ...schema,
  'x-kubernetes-patch-strategy': 'retainKeys',
});

export const ownerReference = (): Schema =>
  atomicObj('Points at an object this one depends on; the garbage collector follows it.', {
    apiVersion: str('API version of the owner.'),
    kind: str('Kind of the owner.'),
    name: str('Name of the owner.'),
    uid: str('UID of the owner.'),
    controller: bool('Whether the owner is the managing controller.'),
    blockOwnerDeletion: bool('Whether foreground deletion of the owner waits for this object.'),
  });

export const managedFieldsEntry = (): Schema =>
  obj('Which manager owns which fields (server-side apply bookkeeping).', {
    manager: str('Name of the manager.'),
    operation: str('Apply or Update.'),
    apiVersion: str('Version the fields are expressed in.'),
    time: time('When the entry last changed.'),
    fieldsType: str('Format of fieldsV1; always FieldsV1.'),
    fieldsV1: {
      type: 'object',
      description: 'The owned field set.',
      'x-kubernetes-preserve-unknown-fields': true,
    },
    subresource: str('Subresource the fields were written through.'),
  });

export const objectMeta = (): Schema =>
  obj('Standard object metadata.', {
    name: str('Unique name within the namespace (or cluster for cluster-scoped kinds).'),
    generateName: str('Prefix the server completes with random characters when name is empty.'),
    namespace: str('Namespace the object lives in.'),
    selfLink: str('Deprecated; never set.'),
    uid: str('Unique id set by the server.'),
    resourceVersion: str('Opaque version for optimistic concurrency and watches.'),
    generation: int64('Sequence number of the desired state, for kinds that track it.'),
    creationTimestamp: time('When the object was created.'),
    deletionTimestamp: time('When graceful deletion was requested.'),
    deletionGracePeriodSeconds: int64('Seconds the object may take to terminate.'),
    labels: stringMap('Labels for selection.'),
    annotations: stringMap('Free-form annotations.'),
    ownerReferences: mapList('Objects this object depends on.', ownerReference(), ['uid'], {
      mergeKey: 'uid',
    }),
    finalizers: mergedStringSet('Conditions that must clear before the object is removed.'),
    managedFields: atomicList('Field ownership for server-side apply.', managedFieldsEntry()),
  });

export const labelSelector = (description = 'A label query over objects.'): Schema =>
  atomicObj(description, {
    matchLabels: stringMap('Equality requirements, ANDed.'),
    matchExpressions: atomicList(
      'Set-based requirements, ANDed.',
      obj('One requirement.', {
        key: str('Label key.'),
        operator: str('In, NotIn, Exists or DoesNotExist.'),
        values: stringList('Values for In and NotIn.'),
      }),
    ),
  });

export const objectReference = (description = 'A reference to an object.'): Schema =>
  atomicObj(description, {
    kind: str('Kind of the referent.'),
    namespace: str('Namespace of the referent.'),
    name: str('Name of the referent.'),
    uid: str('UID of the referent.'),
    apiVersion: str('API version of the referent.'),
    resourceVersion: str('Resource version of the referent.'),
    fieldPath: str('A field of the referent, e.g. spec.containers{name}.'),
  });

export const localObjectReference = (
  description = 'A reference to an object in the same namespace.',
): Schema => atomicObj(description, { name: str('Name of the referent.') });

/** metav1.Condition, used by newer status types (Service, PDB). */
export const metav1Condition = (): Schema =>
  obj('One aspect of the current state.', {
    type: str('Condition type in CamelCase.'),
    status: str('True, False or Unknown.'),
    observedGeneration: int64('The generation the condition was computed for.'),
    lastTransitionTime: time('When the status last changed.'),
    reason: str('Machine-readable reason in CamelCase.'),
    message: str('Human-readable details.'),
  });

export const metav1Conditions = (): Schema =>
  mapList('Current conditions.', metav1Condition(), ['type'], { mergeKey: 'type' });

/** The condition shape of older core/apps types (lastUpdateTime etc. vary; listed per kind). */
export const typedConditions = (extraTimes: string[]): Schema => {
  const properties: Record<string, Schema> = {
    type: str('Condition type.'),
    status: str('True, False or Unknown.'),
    reason: str('Machine-readable reason.'),
    message: str('Human-readable details.'),
  };
  for (const t of extraTimes) properties[t] = time(`Time of the ${t.replace(/Time$/, '')}.`);
  return mapList('Current conditions.', obj('One aspect of the current state.', properties), ['type'], {
    mergeKey: 'type',
  });
};

/** The root schema of a kind: apiVersion, kind, metadata plus its own fields. */
export const kindSchema = (description: string, properties: Record<string, Schema>): Schema =>
  obj(description, {
    apiVersion: str('Versioned schema of this representation.'),
    kind: str('REST kind of this object.'),
    metadata: objectMeta(),
    ...properties,
  });

/**
 * Walks a schema for `x-kubernetes-patch-strategy` and builds the strategic-merge-patch schema: merge lists
 * with their keys (`''` for primitive lists) and maps with the replace strategy.
 */
export function strategicMergeFromSchema(schema: Schema): StrategicMergeSchemaWithReplace {
  const listMergeKeys: Record<string, string> = {};
  const replaceMaps: string[] = [];
  const walk = (s: Schema, path: string) => {
    const strategy = s['x-kubernetes-patch-strategy'];
    const strategies = typeof strategy === 'string' ? strategy.split(',') : [];
    if (s.type === 'array') {
      if (strategies.includes('merge')) {
        const key = s['x-kubernetes-patch-merge-key'];
        listMergeKeys[path] = typeof key === 'string' ? key : '';
      }
      if (s.items) walk(s.items, `${path}[]`);
      return;
    }
    if (strategies.includes('replace') && path) replaceMaps.push(path);
    for (const [name, prop] of Object.entries(s.properties ?? {}))
      walk(prop, path ? `${path}.${name}` : name);
  };
  walk(schema, '');
  return replaceMaps.length > 0 ? { listMergeKeys, replaceMaps } : { listMergeKeys };
}
