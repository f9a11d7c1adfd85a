import type { FieldError } from '../errors/field-error.js';

/** A Kubernetes object as plain JSON. */
export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
};

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** An OpenAPI v3 schema as Kubernetes uses it (`JSONSchemaProps`), including `x-kubernetes-*` extensions. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
  [extension: `x-${string}`]: unknown;
}

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** A subresource whose request/response kind may live in another group (discovery lists it as such). */
export interface ExtraSubresource {
  name: string;
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

/** A column of a `meta.k8s.io/v1` Table. */
export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

/** The scale subresource of a CRD version (`subresources.scale`). */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/**
 * Per-kind behaviour, the equivalent of kube-apiserver's REST strategies. Every hook is optional; the
 * generic registry does the rest (metadata, resourceVersion, finalizers, deletion, watch).
 */
export interface ResourceStrategy {
  /** Whether metadata.generation is kept (CRs, Deployments...) or absent (ConfigMap, Secret, Namespace). */
  hasGeneration: boolean;
  /** PUT without metadata.resourceVersion allowed (true for most built-ins, false for CRs). */
  allowUnconditionalUpdate: boolean;
  /** Mutates a new object before validation (e.g. Secret stringData → data, Namespace phase/finalizers). */
  prepareForCreate?: (obj: KubeObject) => void;
  /** Mutates an updated object before validation; `old` is the stored object. */
  prepareForUpdate?: (obj: KubeObject, old: KubeObject) => void;
  /** Type-specific validation beyond the schema; field paths as Kubernetes prints them. */
  validate?: (obj: KubeObject, old: KubeObject | undefined) => FieldError[];
  /** Graceful deletion (Pods): the grace period to use, or undefined for immediate deletion. */
  gracePeriodSeconds?: (obj: KubeObject, requested: number | undefined) => number | undefined;
  /** DELETE answers with the deleted object instead of a Status (Pods and a few others). */
  returnDeletedObject?: boolean;
}

/** The table printer of a kind: its columns and how to compute a row's cells. */
export interface TablePrinter {
  columns: TableColumnDefinition[];
  /** Cells in column order, the first being the name. */
  cells: (obj: KubeObject, now: Date) => unknown[];
}

/** Everything the registry, discovery and OpenAPI need to serve one resource in one version. */
export interface ResourceDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** Verbs advertised in discovery and permitted by the router. */
  verbs: string[];
  subresources: {
    status?: boolean;
    scale?: ScaleSubresource;
    /** Other subresources served by custom handlers (pods/eviction, serviceaccounts/token, namespaces/finalize). */
    others?: ExtraSubresource[];
  };
  /** Structural schema used for pruning, defaulting, validation, OpenAPI and SSA list semantics. */
  schema?: JSONSchemaProps;
  strategy: ResourceStrategy;
  table?: TablePrinter;
  /** Values of the fields this kind may be selected by (besides metadata.name/namespace). */
  selectableFields?: (obj: KubeObject) => Record<string, string>;
  /** Strategic-merge-patch support (built-ins only); absent means 415 for that content type. */
  strategicMerge?: StrategicMergeSchema;
}

/**
 * What strategic merge patch needs to know about a kind: for each list path (dotted, with `[]` for list
 * elements, e.g. `spec.containers` or `spec.template.spec.containers[].env`), its merge key.
 * Lists not named here are replaced whole.
 */
export interface StrategicMergeSchema {
  listMergeKeys: Record<string, string>;
}
