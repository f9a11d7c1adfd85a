import type { JSONSchemaProps } from './json-schema.js';
import { object, required, type Static, string, type StaticObject, type TSchema } from './schema-builder.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  /** The whole object's schema, as built by `kindSchema`. */
  schema: TSchema<unknown>;
  status?: boolean;
  scale?: ScaleSubresource;
  printerColumns?: PrinterColumn[];
}

export interface CrdDefinition {
  group: string;
  kind: string;
  plural: string;
  singular?: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
  scope: 'Namespaced' | 'Cluster';
  labels?: Record<string, string>;
  versions: CrdVersion[];
}

/** A `CustomResourceDefinition` as sent to the API server (apiextensions.k8s.io/v1). */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      deprecated?: boolean;
      deprecationWarning?: string;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources?: { status?: Record<string, never>; scale?: ScaleSubresource };
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
}

/**
 * The schema of a whole object of a kind: `apiVersion`, `kind`, `metadata` (left to the API server's own
 * ObjectMeta handling, as every CRD does) plus the kind's own top-level fields.
 */
/** The fields every kind has; a kind may override them (e.g. a required `metadata`). */
type BaseKindFields = {
  apiVersion: TSchema<string, false>;
  kind: TSchema<string, false>;
  metadata: TSchema<ObjectMetaShape, false>;
};

export function kindSchema<P extends Record<string, TSchema<unknown>>>(
  description: string,
  fields: P,
  options: { validations?: JSONSchemaProps['x-kubernetes-validations'] } = {},
) {
  const base: BaseKindFields = {
    apiVersion: string({ description: 'The versioned schema of this representation of an object.' }),
    kind: string({ description: 'The REST resource this object represents, in CamelCase.' }),
    metadata: objectMetadata(),
  };
  // A spread of a generic type is typed as an intersection, which would make an overridden field `never`;
  // say what the spread really does: the kind's fields replace the base ones.
  const all = { ...base, ...fields } as Omit<BaseKindFields, keyof P> & P;
  return object(all, { description, validations: options.validations });
}

/**
 * The schema of a template kind (`KubeadmConfigTemplate`, `DevMachineTemplate`, ...): `spec.template` holds what
 * each object created from the template gets (its `metadata` and `spec`); `fields` adds other top-level fields,
 * such as a status.
 */
export function templateKindSchema<T, P extends Record<string, TSchema<unknown>> = Record<never, never>>(
  kind: string,
  description: string,
  template: TSchema<T>,
  // Left out, P is its default (no fields), which `{}` is; the cast only says so to the compiler.
  fields: P = {} as P,
) {
  return kindSchema(description, {
    spec: object({ template: required(template) }, { description: `The desired state of the ${kind}.` }),
    ...fields,
  });
}

/**
 * CRDs declare `metadata` as a bare object; the API server validates ObjectMeta itself. Pass
 * `metadata: required(objectMetadata())` to `kindSchema` for kinds whose schema requires it.
 */
export function objectMetadata(): TSchema<ObjectMetaShape, false> {
  return { isRequired: false, json: { type: 'object' } };
}

/** The metadata fields our code reads and writes (the API server owns the full ObjectMeta). */
export interface ObjectMetaShape {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
}

/** The object type of a kind schema built by `kindSchema`. */
export type KindOf<S> = Static<S>;
export type { StaticObject };

/** Builds the CustomResourceDefinition of a kind: names, scope, versions, subresources, printer columns. */
export function customResourceDefinition(def: CrdDefinition): CustomResourceDefinition {
  const singular = def.singular ?? def.kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${def.group}`, ...(def.labels ? { labels: { ...def.labels } } : {}) },
    spec: {
      group: def.group,
      names: {
        kind: def.kind,
        listKind: def.listKind ?? `${def.kind}List`,
        plural: def.plural,
        singular,
        ...(def.shortNames?.length ? { shortNames: [...def.shortNames] } : {}),
        ...(def.categories?.length ? { categories: [...def.categories] } : {}),
      },
      scope: def.scope,
      versions: def.versions.map((v) => {
        const subresources: { status?: Record<string, never>; scale?: ScaleSubresource } = {};
        if (v.status) subresources.status = {};
        if (v.scale) subresources.scale = { ...v.scale };
        return {
          name: v.name,
          served: v.served,
          storage: v.storage,
          ...(v.deprecated ? { deprecated: true } : {}),
          ...(v.deprecationWarning ? { deprecationWarning: v.deprecationWarning } : {}),
          schema: { openAPIV3Schema: structuredClone(v.schema.json) },
          ...(Object.keys(subresources).length ? { subresources } : {}),
          ...(v.printerColumns?.length
            ? { additionalPrinterColumns: v.printerColumns.map((c) => ({ ...c })) }
            : {}),
        };
      }),
    },
  };
}
