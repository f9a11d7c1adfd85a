import type { JSONSchemaProps } from '../registry/resource-definition.js';
import {
  type ListSchema,
  type MapSchema,
  type SchemaNode,
  type TypeResolver,
  deducedNode,
  deducedTypeResolver,
  objectMetaNode,
  scalarNode,
  untypedAtomicNode,
} from './type-resolver.js';

const cache = new WeakMap<JSONSchemaProps, TypeResolver>();

/**
 * The type resolver of a CustomResourceDefinition version, converting its structural schema the way
 * kube-openapi's `schemaconv` does after apiextensions has added `apiVersion`, `kind` and `metadata`
 * (ObjectMeta) to the root and to every `x-kubernetes-embedded-resource` object:
 *
 * - lists are atomic unless `x-kubernetes-list-type` says `set` or `map` (`x-kubernetes-list-map-keys`);
 * - objects are granular unless `x-kubernetes-map-type: atomic`;
 * - `x-kubernetes-preserve-unknown-fields` makes undeclared keys of that object, and of every object below
 *   it, deduced; an object without properties or additionalProperties is deduced too;
 * - a schema without `type` (int-or-string, preserve-unknown-fields leaves) accepts scalars, lists (atomic)
 *   and maps.
 *
 * Without a schema everything but `metadata` is deduced.
 */
export function crdTypeResolver(schema: JSONSchemaProps | undefined): TypeResolver {
  if (!schema) return deducedTypeResolver;
  let resolver = cache.get(schema);
  if (!resolver) {
    resolver = { root: convert(schema, false, true) };
    cache.set(schema, resolver);
  }
  return resolver;
}

function convert(s: JSONSchemaProps, inheritedPreserve: boolean, isRoot = false): SchemaNode {
  const preserve = inheritedPreserve || s['x-kubernetes-preserve-unknown-fields'] === true;
  const withTypeMeta = isRoot || s['x-kubernetes-embedded-resource'] === true;
  switch (s.type) {
    case undefined:
      return lazyNode({
        scalar: true,
        list: () => listOf(s, preserve),
        map: () => mapOf(s, preserve, withTypeMeta),
      });
    case 'object':
      return lazyNode({ map: () => mapOf(s, preserve, withTypeMeta) });
    case 'array':
      return lazyNode({ list: () => listOf(s, preserve) });
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return scalarNode;
  }
}

function lazyNode(parts: { scalar?: boolean; list?: () => ListSchema; map?: () => MapSchema }): SchemaNode {
  let list: ListSchema | undefined;
  let map: MapSchema | undefined;
  const node: { scalar?: boolean; readonly list?: ListSchema; readonly map?: MapSchema } = {};
  if (parts.scalar) node.scalar = true;
  if (parts.list) {
    const make = parts.list;
    Object.defineProperty(node, 'list', { enumerable: true, get: () => (list ??= make()) });
  }
  if (parts.map) {
    const make = parts.map;
    Object.defineProperty(node, 'map', { enumerable: true, get: () => (map ??= make()) });
  }
  return node;
}

function listOf(s: JSONSchemaProps, preserve: boolean): ListSchema {
  const type = s['x-kubernetes-list-type'] ?? 'atomic';
  const keys = type === 'map' ? (s['x-kubernetes-list-map-keys'] ?? []) : [];
  let items: SchemaNode | undefined;
  const itemSchema = s.items;
  return {
    type,
    keys,
    get items(): SchemaNode {
      // A list without `items` holds untyped, atomic elements.
      return (items ??= itemSchema ? convert(itemSchema, preserve) : untypedAtomicNode);
    },
  };
}

const typeMetaFields: Record<string, SchemaNode> = {
  apiVersion: scalarNode,
  kind: scalarNode,
  metadata: objectMetaNode,
};

function mapOf(s: JSONSchemaProps, preserve: boolean, withTypeMeta: boolean): MapSchema {
  const properties = s.properties ?? {};
  const hasProperties = Object.keys(properties).length > 0;
  let elements: SchemaNode | undefined;
  const additional = s.additionalProperties;
  if (additional === undefined) elements = preserve || !hasProperties ? deducedNode : undefined;
  else if (additional === true) elements = deducedNode;
  else if (additional === false) elements = undefined;
  else elements = convert(additional, preserve);
  const resolved = new Map<string, SchemaNode>();
  return {
    type: s['x-kubernetes-map-type'] === 'atomic' ? 'atomic' : 'granular',
    field(name: string): SchemaNode | undefined {
      let node = resolved.get(name);
      if (node) return node;
      if (withTypeMeta && typeMetaFields[name]) node = typeMetaFields[name];
      else if (Object.prototype.hasOwnProperty.call(properties, name))
        node = convert(properties[name] as JSONSchemaProps, preserve);
      else return undefined;
      resolved.set(name, node);
      return node;
    },
    elements,
    fieldDefault: (name: string): unknown => properties[name]?.default,
  };
}
