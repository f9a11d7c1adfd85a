/**
 * The schema model server-side apply works on, mirroring structured-merge-diff's `schema.Atom`: a node may
 * accept scalars, lists and/or maps (an untyped node accepts all three), and says how its children relate.
 */
export interface SchemaNode {
  /** Accepts scalar values (string, number, boolean). */
  readonly scalar?: boolean;
  readonly list?: ListSchema;
  readonly map?: MapSchema;
}

export interface ListSchema {
  /**
   * `atomic`: the list is one value, owned and replaced whole. `set`: items are scalars identified by value
   * (`v:`). `map`: items are objects identified by `keys` (`k:{...}`).
   */
  readonly type: 'atomic' | 'set' | 'map';
  /** The `x-kubernetes-list-map-keys` of a map-list (empty otherwise). */
  readonly keys: readonly string[];
  readonly items: SchemaNode;
}

export interface MapSchema {
  /** `atomic`: the map is one value. `granular`: each key is a separate field. */
  readonly type: 'atomic' | 'granular';
  /** The schema of a declared field (a struct property), or undefined when `name` is not declared. */
  field(name: string): SchemaNode | undefined;
  /**
   * The schema of keys that are not declared fields (`additionalProperties`, or a deduced type where unknown
   * fields are preserved). Undefined when the schema allows none; such keys are then treated as deduced.
   */
  readonly elements: SchemaNode | undefined;
  /** The default of a declared field, which stands in for an absent list-map key. */
  fieldDefault?(name: string): unknown;
}

/** Where server-side apply learns the shape of a kind: CRD schemas, built-in tables, or deduction. */
export interface TypeResolver {
  /** The schema of a whole object of the kind. */
  readonly root: SchemaNode;
}

export const scalarNode: SchemaNode = { scalar: true };

/**
 * structured-merge-diff's `__untyped_atomic_`: anything, owned as a whole. The items of deduced lists and of
 * lists without `items`.
 */
export const untypedAtomicNode: SchemaNode = {
  scalar: true,
  get list(): ListSchema {
    return { type: 'atomic', keys: [], items: untypedAtomicNode };
  },
  get map(): MapSchema {
    return {
      type: 'atomic',
      field: () => undefined,
      elements: untypedAtomicNode,
    };
  },
};

const deducedMap: MapSchema = {
  type: 'granular',
  field: () => undefined,
  get elements(): SchemaNode {
    return deducedNode;
  },
};

const deducedList: ListSchema = { type: 'atomic', keys: [], items: untypedAtomicNode };

/**
 * structured-merge-diff's `__untyped_deduced_`, used where the schema says nothing (preserve-unknown-fields,
 * kinds without a schema): maps are granular with every key owned separately, lists are atomic.
 */
export const deducedNode: SchemaNode = { scalar: true, list: deducedList, map: deducedMap };

export interface StructOptions {
  type?: 'atomic' | 'granular';
  elements?: SchemaNode;
  defaults?: Record<string, unknown>;
}

/** An object with declared fields. Field schemas may be thunks so that node graphs can be built lazily. */
export function structNode(
  fields: Record<string, SchemaNode | (() => SchemaNode)>,
  options: StructOptions = {},
): SchemaNode {
  const resolved = new Map<string, SchemaNode>();
  const map: MapSchema = {
    type: options.type ?? 'granular',
    field(name: string): SchemaNode | undefined {
      if (!Object.prototype.hasOwnProperty.call(fields, name)) return undefined;
      let node = resolved.get(name);
      if (!node) {
        const f = fields[name] as SchemaNode | (() => SchemaNode);
        node = typeof f === 'function' ? f() : f;
        resolved.set(name, node);
      }
      return node;
    },
    elements: options.elements,
    fieldDefault: (name: string): unknown => options.defaults?.[name],
  };
  return { map };
}

/** A map from arbitrary keys to `elements` (e.g. labels: string → string). */
export function mapOfNode(elements: SchemaNode, type: 'atomic' | 'granular' = 'granular'): SchemaNode {
  return { map: { type, field: () => undefined, elements } };
}

export function listNode(
  type: ListSchema['type'],
  items: SchemaNode,
  keys: readonly string[] = [],
): SchemaNode {
  return { list: { type, keys, items } };
}

const ownerReferenceNode = structNode(
  {
    apiVersion: scalarNode,
    kind: scalarNode,
    name: scalarNode,
    uid: scalarNode,
    controller: scalarNode,
    blockOwnerDeletion: scalarNode,
  },
  { type: 'atomic' },
);

/**
 * `metav1.ObjectMeta` with the list semantics kube-apiserver's OpenAPI gives it: labels and annotations
 * granular, finalizers a set, ownerReferences a map-list keyed by uid whose items are atomic.
 */
export const objectMetaNode: SchemaNode = structNode({
  name: scalarNode,
  generateName: scalarNode,
  namespace: scalarNode,
  selfLink: scalarNode,
  uid: scalarNode,
  resourceVersion: scalarNode,
  generation: scalarNode,
  creationTimestamp: scalarNode,
  deletionTimestamp: scalarNode,
  deletionGracePeriodSeconds: scalarNode,
  labels: mapOfNode(scalarNode),
  annotations: mapOfNode(scalarNode),
  ownerReferences: listNode('map', ownerReferenceNode, ['uid']),
  finalizers: listNode('set', scalarNode),
  managedFields: listNode('atomic', untypedAtomicNode),
});

/** Resolves everything by deduction, with typed `metadata`: for kinds nothing is known about. */
export const deducedTypeResolver: TypeResolver = {
  root: structNode(
    { apiVersion: scalarNode, kind: scalarNode, metadata: objectMetaNode },
    { elements: deducedNode },
  ),
};
