import { createHash } from 'node:crypto';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { JSONSchemaProps, ResourceDefinition } from '../registry/resource-definition.js';

const META_PREFIX = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const OBJECT_META = `${META_PREFIX}.ObjectMeta`;

/** The ObjectMeta schema every document references (descriptions are ours; field set is upstream's). */
const objectMetaSchema: JSONSchemaProps = {
  type: 'object',
  description: 'Standard object metadata: name, namespace, labels, annotations, ownership and lifecycle.',
  properties: {
    name: { type: 'string', description: 'Name, unique within a namespace; cannot be updated.' },
    generateName: { type: 'string', description: 'Prefix the server uses to generate a unique name.' },
    namespace: {
      type: 'string',
      description: 'Namespace the object lives in; empty for cluster-scoped objects.',
    },
    uid: { type: 'string', description: 'Unique identifier set by the server; never reused.' },
    resourceVersion: {
      type: 'string',
      description: 'Opaque version for optimistic concurrency and watches.',
    },
    generation: { type: 'integer', format: 'int64', description: 'Sequence number of the desired state.' },
    creationTimestamp: { type: 'string', format: 'date-time', description: 'When the object was created.' },
    deletionTimestamp: { type: 'string', format: 'date-time', description: 'When deletion was requested.' },
    deletionGracePeriodSeconds: {
      type: 'integer',
      format: 'int64',
      description: 'Grace period of a pending deletion.',
    },
    labels: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Key/value pairs for selection.',
    },
    annotations: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Non-identifying metadata.',
    },
    finalizers: {
      type: 'array',
      items: { type: 'string' },
      description: 'Entries that must be removed before the object is deleted.',
      'x-kubernetes-list-type': 'set',
    },
    ownerReferences: {
      type: 'array',
      description: 'Objects this object depends on; it is garbage collected when they are all gone.',
      items: {
        type: 'object',
        required: ['apiVersion', 'kind', 'name', 'uid'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          uid: { type: 'string' },
          controller: { type: 'boolean' },
          blockOwnerDeletion: { type: 'boolean' },
        },
      },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
    },
    managedFields: {
      type: 'array',
      description: 'Which manager owns which fields (server-side apply).',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
};

/** `test.example.com` → `com.example.test`, the prefix upstream uses for CRD schema names. */
function reverseGroup(group: string): string {
  return group.split('.').reverse().join('.');
}

export function schemaName(def: ResourceDefinition): string {
  if (def.group === '') return `io.k8s.api.core.${def.version}.${def.kind}`;
  if (def.group.endsWith('.k8s.io') || !def.group.includes('.'))
    return `io.k8s.api.${def.group.replace(/\.k8s\.io$/, '').replace(/\./g, '')}.${def.version}.${def.kind}`;
  return `${reverseGroup(def.group)}.${def.version}.${def.kind}`;
}

const gvk = (d: ResourceDefinition): { group: string; version: string; kind: string } => ({
  group: d.group,
  version: d.version,
  kind: d.kind,
});

const queryParam = (name: string, description: string, type: 'string' | 'boolean' = 'string'): object => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});

const WRITE_PARAMS = [
  queryParam('dryRun', 'When present, the change is validated but not persisted ("All").'),
  queryParam('fieldManager', 'Name of the actor making the change, recorded in managedFields.'),
  queryParam('fieldValidation', 'How to treat unknown or duplicate fields: Ignore, Warn or Strict.'),
];

/**
 * OpenAPI v3: the root index and one document per served group version, built from the resources'
 * structural schemas. kubectl reads them for `apply` validation (the PATCH operation must declare
 * `fieldValidation`) and for `explain`.
 */
export class OpenApiV3 {
  #catalog: ResourceCatalog;
  #docs = new Map<string, { doc: unknown; hash: string }>();
  #builtAt = -1;

  constructor(catalog: ResourceCatalog) {
    this.#catalog = catalog;
  }

  #refresh(): void {
    if (this.#builtAt === this.#catalog.generation) return;
    this.#docs.clear();
    for (const [group, versions] of this.#catalog.groups()) {
      for (const version of versions) {
        const doc = this.#build(group, version);
        const hash = createHash('sha512')
          .update(JSON.stringify(doc))
          .digest('hex')
          .slice(0, 64)
          .toUpperCase();
        this.#docs.set(group ? `apis/${group}/${version}` : `api/${version}`, { doc, hash });
      }
    }
    this.#builtAt = this.#catalog.generation;
  }

  root(): unknown {
    this.#refresh();
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [path, { hash }] of this.#docs)
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
    return { paths };
  }

  /** `path` is `api/v1` or `apis/<g>/<v>`. */
  document(path: string): { doc: unknown; hash: string } | undefined {
    this.#refresh();
    return this.#docs.get(path);
  }

  #build(group: string, version: string): unknown {
    const defs = this.#catalog.inGroupVersion(group, version);
    const schemas: Record<string, unknown> = { [OBJECT_META]: objectMetaSchema };
    const paths: Record<string, unknown> = {};
    const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
    for (const d of defs) {
      const name = schemaName(d);
      schemas[name] = this.#kindSchema(d);
      schemas[`${name}List`] = {
        type: 'object',
        description: `A list of ${d.kind} objects.`,
        required: ['items'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          items: { type: 'array', items: { $ref: `#/components/schemas/${name}` } },
        },
        'x-kubernetes-group-version-kind': [{ ...gvk(d), kind: d.listKind }],
      };
      const ref = { $ref: `#/components/schemas/${name}` };
      const body = { content: { '*/*': { schema: ref } } };
      const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
      const collection = d.namespaced
        ? `${prefix}/namespaces/{namespace}/${d.plural}`
        : `${prefix}/${d.plural}`;
      const item = `${collection}/{name}`;
      const op = (action: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
        operationId: `${action}${d.kind}`,
        'x-kubernetes-action': action,
        'x-kubernetes-group-version-kind': gvk(d),
        responses: ok,
        ...extra,
      });
      const verbs = new Set(d.verbs);
      const itemOps: Record<string, unknown> = {};
      if (verbs.has('get')) itemOps.get = op('get');
      if (verbs.has('update')) itemOps.put = op('put', { requestBody: body, parameters: WRITE_PARAMS });
      if (verbs.has('patch'))
        itemOps.patch = op('patch', {
          requestBody: { content: { 'application/merge-patch+json': { schema: { type: 'object' } } } },
          parameters: [...WRITE_PARAMS, queryParam('force', 'Force an apply over conflicts.', 'boolean')],
        });
      if (verbs.has('delete')) itemOps.delete = op('delete', { parameters: [WRITE_PARAMS[0]] });
      const collectionOps: Record<string, unknown> = {};
      if (verbs.has('list')) collectionOps.get = op('list');
      if (verbs.has('create'))
        collectionOps.post = op('post', { requestBody: body, parameters: WRITE_PARAMS });
      if (verbs.has('deletecollection')) collectionOps.delete = op('deletecollection');
      if (Object.keys(collectionOps).length > 0) paths[collection] = collectionOps;
      if (Object.keys(itemOps).length > 0) paths[item] = itemOps;
      if (d.subresources.status)
        paths[`${item}/status`] = {
          get: op('get'),
          put: op('put', { requestBody: body, parameters: WRITE_PARAMS }),
          patch: op('patch', {
            parameters: [...WRITE_PARAMS, queryParam('force', 'Force an apply.', 'boolean')],
          }),
        };
    }
    return {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths,
      components: { schemas },
    };
  }

  #kindSchema(d: ResourceDefinition): unknown {
    const base: JSONSchemaProps = d.schema ? structuredClone(d.schema) : { type: 'object' };
    const properties = { ...(base.properties ?? {}) } as Record<string, unknown>;
    properties.apiVersion = {
      type: 'string',
      description: 'The versioned schema of this representation of an object.',
    };
    properties.kind = { type: 'string', description: 'The REST resource this object represents.' };
    properties.metadata = {
      description: 'Standard object metadata.',
      allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }],
    };
    return {
      ...base,
      type: 'object',
      properties,
      'x-kubernetes-group-version-kind': [gvk(d)],
    };
  }
}
