// Compares a CustomResourceDefinition of ours with upstream's, for one version, field by field.
// Descriptions are prose and are not compared; everything a client or the API server acts on is.
import type { JSONSchemaProps } from '../../src/core/api/openapi/json-schema.js';

export interface CrdLike {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    group: string;
    scope: string;
    names: {
      kind: string;
      plural: string;
      singular?: string;
      listKind?: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: {
      name: string;
      served?: boolean;
      storage?: boolean;
      schema?: { openAPIV3Schema?: JSONSchemaProps };
      subresources?: Record<string, unknown>;
      additionalPrinterColumns?: {
        name: string;
        type: string;
        jsonPath: string;
        priority?: number;
        format?: string;
      }[];
    }[];
  };
}

export interface Difference {
  /** `<crd>@<version>:<path>` where path is `spec.template.spec.version` style, `[]` for array items. */
  where: string;
  what: string;
  ours: unknown;
  upstream: unknown;
}

export interface DiffResult {
  differences: Difference[];
  /** Upstream property paths, and how many of them we match exactly (every compared keyword equal). */
  upstreamFields: number;
  matchedFields: number;
}

const COMPARED_KEYWORDS: (keyof JSONSchemaProps)[] = [
  'type',
  'format',
  'enum',
  'default',
  'nullable',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
];

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );

function compareSchema(
  ours: JSONSchemaProps | undefined,
  upstream: JSONSchemaProps,
  path: string,
  where: string,
  out: DiffResult,
): void {
  out.upstreamFields += path ? 1 : 0;
  const before = out.differences.length;
  const at = `${where}:${path || '(root)'}`;
  if (!ours) {
    out.differences.push({
      where: at,
      what: 'missing field',
      ours: undefined,
      upstream: upstream.type ?? '(untyped)',
    });
    countDescendants(upstream, out);
    return;
  }
  for (const keyword of COMPARED_KEYWORDS) {
    if (canonical(ours[keyword]) !== canonical(upstream[keyword])) {
      out.differences.push({ where: at, what: keyword, ours: ours[keyword], upstream: upstream[keyword] });
    }
  }
  const sortedReq = (s: JSONSchemaProps): string[] => [...(s.required ?? [])].sort();
  if (canonical(sortedReq(ours)) !== canonical(sortedReq(upstream))) {
    out.differences.push({
      where: at,
      what: 'required',
      ours: sortedReq(ours),
      upstream: sortedReq(upstream),
    });
  }
  const rules = (s: JSONSchemaProps): unknown[] =>
    (s['x-kubernetes-validations'] ?? [])
      .map((r) => ({
        rule: r.rule,
        message: r.message,
        messageExpression: r.messageExpression,
        reason: r.reason,
        fieldPath: r.fieldPath,
      }))
      .sort((a, b) => canonical(a).localeCompare(canonical(b)));
  if (canonical(rules(ours)) !== canonical(rules(upstream))) {
    out.differences.push({
      where: at,
      what: 'x-kubernetes-validations',
      ours: rules(ours),
      upstream: rules(upstream),
    });
  }
  for (const [name, child] of Object.entries(upstream.properties ?? {})) {
    compareSchema(ours.properties?.[name], child, path ? `${path}.${name}` : name, where, out);
  }
  for (const name of Object.keys(ours.properties ?? {})) {
    if (!upstream.properties?.[name]) {
      out.differences.push({
        where: `${where}:${path ? `${path}.${name}` : name}`,
        what: 'extra field',
        ours: ours.properties?.[name]?.type,
        upstream: undefined,
      });
    }
  }
  if (upstream.items) compareSchema(ours.items, upstream.items, `${path}[]`, where, out);
  else if (ours.items)
    out.differences.push({
      where: at,
      what: 'extra items schema',
      ours: ours.items.type,
      upstream: undefined,
    });
  const upAdd = upstream.additionalProperties;
  const ourAdd = ours.additionalProperties;
  if (typeof upAdd === 'object') {
    if (typeof ourAdd === 'object') compareSchema(ourAdd, upAdd, `${path}{}`, where, out);
    else out.differences.push({ where: at, what: 'additionalProperties', ours: ourAdd, upstream: 'schema' });
  } else if (canonical(ourAdd) !== canonical(upAdd)) {
    out.differences.push({ where: at, what: 'additionalProperties', ours: ourAdd, upstream: upAdd });
  }
  if (path && out.differences.length === before) out.matchedFields++;
}

function countDescendants(schema: JSONSchemaProps, out: DiffResult): void {
  for (const child of Object.values(schema.properties ?? {})) {
    out.upstreamFields++;
    countDescendants(child, out);
  }
  if (schema.items) {
    out.upstreamFields++;
    countDescendants(schema.items, out);
  }
  if (typeof schema.additionalProperties === 'object') {
    out.upstreamFields++;
    countDescendants(schema.additionalProperties, out);
  }
}

/** Field-by-field differences between our CRD and upstream's for `version`. */
export function diffCrd(ours: CrdLike, upstream: CrdLike, version: string): DiffResult {
  const out: DiffResult = { differences: [], upstreamFields: 0, matchedFields: 0 };
  const where = `${upstream.metadata.name}@${version}`;
  const push = (what: string, o: unknown, u: unknown): void => {
    if (canonical(o) !== canonical(u))
      out.differences.push({ where: `${where}:(crd)`, what, ours: o, upstream: u });
  };
  push('group', ours.spec.group, upstream.spec.group);
  push('scope', ours.spec.scope, upstream.spec.scope);
  push('names.kind', ours.spec.names.kind, upstream.spec.names.kind);
  push('names.plural', ours.spec.names.plural, upstream.spec.names.plural);
  push('names.singular', ours.spec.names.singular, upstream.spec.names.singular);
  push('names.listKind', ours.spec.names.listKind, upstream.spec.names.listKind);
  push(
    'names.shortNames',
    [...(ours.spec.names.shortNames ?? [])].sort(),
    [...(upstream.spec.names.shortNames ?? [])].sort(),
  );
  push(
    'names.categories',
    [...(ours.spec.names.categories ?? [])].sort(),
    [...(upstream.spec.names.categories ?? [])].sort(),
  );
  // Labels are not compared: upstream adds the contract label with kustomize, so its CRD files lack it.
  const ov = ours.spec.versions.find((v) => v.name === version);
  const uv = upstream.spec.versions.find((v) => v.name === version);
  if (!uv) throw new Error(`upstream ${upstream.metadata.name} has no version ${version}`);
  if (!ov) {
    out.differences.push({
      where: `${where}:(crd)`,
      what: 'missing version',
      ours: undefined,
      upstream: version,
    });
    countDescendants(uv.schema?.openAPIV3Schema ?? {}, out);
    return out;
  }
  push('served', ov.served, uv.served);
  push('storage', ov.storage, uv.storage);
  push('subresources', ov.subresources ?? {}, uv.subresources ?? {});
  const columns = (v: typeof ov): unknown[] =>
    (v.additionalPrinterColumns ?? []).map((c) => ({
      name: c.name,
      type: c.type,
      jsonPath: c.jsonPath,
      priority: c.priority ?? 0,
      format: c.format,
    }));
  push('additionalPrinterColumns', columns(ov), columns(uv));
  compareSchema(ov.schema?.openAPIV3Schema, uv.schema?.openAPIV3Schema ?? {}, '', where, out);
  return out;
}
