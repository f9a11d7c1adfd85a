/**
 * The checks kube-apiserver makes on an `apiextensions.k8s.io/v1` CustomResourceDefinition at create and
 * update (apiextensions `apis/apiextensions/validation/validation.go`). Paths are those of the internal type
 * kube validates: per-version schemas, subresources, printer columns and selectable fields that are identical
 * in every version are reported at `spec.validation`, `spec.subresources`, `spec.additionalPrinterColumns` and
 * `spec.selectableFields`, as kube-apiserver does after converting v1 to its internal version.
 */
import { type FieldError, fieldErrors } from '../errors/field-error.js';
import type { JSONSchemaProps, KubeObject, ObjectMeta } from '../registry/resource-definition.js';
import { validFieldPath } from './cel-rules.js';
import { checkSchema } from './compiled-schema.js';
import { child, index, isPlainObject, jsonEqual, key } from './go-format.js';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const MAX_SELECTABLE_FIELDS = 8;
const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Applies the v1 defaults kube-apiserver sets before validating (singular, listKind, conversion strategy). */
export function defaultCustomResourceDefinition(crd: KubeObject): void {
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  if (!str(names.singular) && str(names.kind)) names.singular = str(names.kind).toLowerCase();
  if (!str(names.listKind) && str(names.kind)) names.listKind = `${str(names.kind)}List`;
  if (spec.conversion === undefined) spec.conversion = { strategy: 'None' };
  const conversion = obj(spec.conversion);
  if (conversion.strategy === 'Webhook') {
    const webhook = obj(conversion.webhook);
    const cc = obj(webhook.clientConfig);
    const service = obj(cc.service);
    if (isPlainObject(cc.service) && service.port === undefined) service.port = 443;
  }
}

function validateEnum(path: string, value: string, accepted: string[]): FieldError[] {
  if (!value) return [fieldErrors.required(path)];
  return accepted.includes(value) ? [] : [fieldErrors.notSupported(path, value, accepted)];
}

function validateNames(names: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const dns1035 = (field: string, v: string, prefix = ''): void => {
    const problems = isDNS1035Label(prefix ? v.toLowerCase() : v);
    if (v && problems.length > 0)
      errs.push(fieldErrors.invalid(child(path, field), v, prefix + problems.join(',')));
  };
  dns1035('plural', str(names.plural));
  dns1035('singular', str(names.singular));
  dns1035('kind', str(names.kind), 'may have mixed case, but should otherwise match: ');
  dns1035('listKind', str(names.listKind), 'may have mixed case, but should otherwise match: ');
  list(names.shortNames).forEach((s, i) => {
    const problems = isDNS1035Label(str(s));
    if (problems.length > 0)
      errs.push(fieldErrors.invalid(index(child(path, 'shortNames'), i), str(s), problems.join(',')));
  });
  if (str(names.kind) && names.kind === names.listKind)
    errs.push(
      fieldErrors.invalid(
        child(path, 'listKind'),
        str(names.listKind),
        'kind and listKind may not be the same',
      ),
    );
  list(names.categories).forEach((c, i) => {
    const problems = isDNS1035Label(str(c));
    if (problems.length > 0)
      errs.push(fieldErrors.invalid(index(child(path, 'categories'), i), str(c), problems.join(',')));
  });
  return errs;
}

function validateSimpleJSONPath(s: string, path: string): FieldError[] {
  if (s.length === 0) return [fieldErrors.invalid(path, s, 'must not be empty')];
  if (!s.startsWith('.')) return [fieldErrors.invalid(path, s, 'must be a simple json path starting with .')];
  return [];
}

function validateSubresources(sub: unknown, path: string): FieldError[] {
  if (!isPlainObject(sub)) return [];
  const scale = sub.scale;
  if (!isPlainObject(scale)) return [];
  const errs: FieldError[] = [];
  const spec = str(scale.specReplicasPath);
  if (!spec) errs.push(fieldErrors.required(child(path, 'scale.specReplicasPath')));
  else {
    const e = validateSimpleJSONPath(spec, child(path, 'scale.specReplicasPath'));
    if (e.length > 0) errs.push(...e);
    else if (!spec.startsWith('.spec.'))
      errs.push(
        fieldErrors.invalid(child(path, 'scale.specReplicasPath'), spec, 'should be a json path under .spec'),
      );
  }
  const status = str(scale.statusReplicasPath);
  if (!status) errs.push(fieldErrors.required(child(path, 'scale.statusReplicasPath')));
  else {
    const e = validateSimpleJSONPath(status, child(path, 'scale.statusReplicasPath'));
    if (e.length > 0) errs.push(...e);
    else if (!status.startsWith('.status.'))
      errs.push(
        fieldErrors.invalid(
          child(path, 'scale.statusReplicasPath'),
          status,
          'should be a json path under .status',
        ),
      );
  }
  const selector = str(scale.labelSelectorPath);
  if (selector) {
    const e = validateSimpleJSONPath(selector, child(path, 'scale.labelSelectorPath'));
    if (e.length > 0) errs.push(...e);
    else if (!selector.startsWith('.spec.') && !selector.startsWith('.status.'))
      errs.push(
        fieldErrors.invalid(
          child(path, 'scale.labelSelectorPath'),
          selector,
          'should be a json path under either .spec or .status',
        ),
      );
  }
  return errs;
}

function validateColumn(col: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(col.name)) errs.push(fieldErrors.required(child(path, 'name')));
  const type = str(col.type);
  const types = PRINTER_COLUMN_TYPES.join(',');
  if (!type) errs.push(fieldErrors.required(child(path, 'type'), `must be one of ${types}`));
  else if (!PRINTER_COLUMN_TYPES.includes(type))
    errs.push(fieldErrors.invalid(child(path, 'type'), type, `must be one of ${types}`));
  const format = str(col.format);
  if (format && !PRINTER_COLUMN_FORMATS.includes(format))
    errs.push(
      fieldErrors.invalid(
        child(path, 'format'),
        format,
        `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`,
      ),
    );
  const jsonPath = str(col.jsonPath);
  if (!jsonPath) errs.push(fieldErrors.required(child(path, 'JSONPath')));
  else errs.push(...validateSimpleJSONPath(jsonPath, child(path, 'JSONPath')));
  return errs;
}

function validateSelectableFields(
  fields: unknown[],
  schema: JSONSchemaProps | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!schema) {
    const detail =
      path === 'spec.selectableFields'
        ? 'selectableFields may only be set when validations.schema is included'
        : 'selectableFields may only be set when version.schema.openAPIV3Schema is not included';
    return [fieldErrors.invalid(path, '', detail)];
  }
  const unique = new Set<string>();
  fields.forEach((raw, i) => {
    const p = index(path, i);
    const jsonPath = str(obj(raw).jsonPath);
    if (!jsonPath) {
      errs.push(fieldErrors.required(child(p, 'jsonPath')));
      return;
    }
    const found = validFieldPath(jsonPath, schema, false);
    if ('error' in found) {
      errs.push(fieldErrors.invalid(child(p, 'jsonPath'), jsonPath, `is an invalid path: ${found.error}`));
      return;
    }
    if (found.path.split(/[.[]/)[0] === 'metadata')
      errs.push(fieldErrors.invalid(child(p, 'jsonPath'), jsonPath, 'must not point to fields in metadata'));
    if (!['string', 'boolean', 'integer'].includes(found.schema.type ?? ''))
      errs.push(
        fieldErrors.invalid(
          child(p, 'jsonPath'),
          jsonPath,
          'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
        ),
      );
    if (unique.has(found.path)) errs.push(fieldErrors.duplicate(child(p, 'jsonPath'), jsonPath));
    else unique.add(found.path);
  });
  if (unique.size > MAX_SELECTABLE_FIELDS)
    errs.push(fieldErrors.tooMany(path, unique.size, MAX_SELECTABLE_FIELDS));
  return errs;
}

function validateDeprecationWarning(version: Obj, path: string): FieldError[] {
  const warning = version.deprecationWarning;
  if (warning === undefined || warning === null) return [];
  const text = str(warning);
  const problems: string[] = [];
  if (version.deprecated !== true) problems.push('can only be set for deprecated versions');
  else {
    if (Buffer.byteLength(text, 'utf8') > 256) problems.push('must be <= 256 characters long');
    if (text.length === 0) problems.push('must not be an empty string');
    let i = 0;
    for (const ch of text) {
      if (/\p{Cc}/u.test(ch)) {
        problems.push(`must only contain printable UTF-8 characters; control character found at index ${i}`);
        break;
      }
      if (/[\p{C}\p{Z}]/u.test(ch) && ch !== ' ') {
        problems.push(
          `must only contain printable UTF-8 characters; non-printable character found at index ${i}`,
        );
        break;
      }
      i += Buffer.byteLength(ch, 'utf8');
    }
  }
  return problems.map((p) => fieldErrors.invalid(child(path, 'deprecationWarning'), text, p));
}

function validateWebhookURL(url: string, path: string): FieldError[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    return [
      fieldErrors.invalid(
        path,
        url,
        `host must be specified: ${err instanceof Error ? err.message : String(err)}`,
      ),
    ];
  }
  const errs: FieldError[] = [];
  if (u.protocol !== 'https:')
    errs.push(fieldErrors.invalid(path, url, "'https' is the only allowed URL scheme"));
  if (!u.host) errs.push(fieldErrors.invalid(path, url, 'host must be specified'));
  if (u.username || u.password)
    errs.push(fieldErrors.invalid(path, url, 'user information is not permitted in the URL'));
  if (u.hash || url.includes('#'))
    errs.push(fieldErrors.invalid(path, url, 'fragments are not permitted in the URL'));
  if (u.search) errs.push(fieldErrors.invalid(path, url, 'query parameters are not permitted in the URL'));
  return errs;
}

function validateConversion(conversion: unknown, path: string): FieldError[] {
  if (!isPlainObject(conversion)) return [];
  const errs: FieldError[] = [];
  const strategy = str(conversion.strategy);
  errs.push(...validateEnum(child(path, 'strategy'), strategy, ['None', 'Webhook']));
  const webhook = isPlainObject(conversion.webhook) ? conversion.webhook : undefined;
  const cc = webhook && isPlainObject(webhook.clientConfig) ? webhook.clientConfig : undefined;
  const reviewVersions = webhook ? webhook.conversionReviewVersions : undefined;
  if (strategy === 'Webhook') {
    const ccPath = child(path, 'webhookClientConfig');
    if (!cc) errs.push(fieldErrors.required(ccPath, 'required when strategy is set to Webhook'));
    else {
      const url = typeof cc.url === 'string' ? cc.url : undefined;
      const service = isPlainObject(cc.service) ? cc.service : undefined;
      if ((url === undefined) === (service === undefined))
        errs.push(fieldErrors.required(ccPath, 'exactly one of url or service is required'));
      else if (url !== undefined) errs.push(...validateWebhookURL(url, child(ccPath, 'url')));
      else if (service) {
        const sp = child(ccPath, 'service');
        if (!str(service.name))
          errs.push(fieldErrors.required(child(sp, 'name'), 'service name is required'));
        if (!str(service.namespace))
          errs.push(fieldErrors.required(child(sp, 'namespace'), 'service namespace is required'));
        const port = typeof service.port === 'number' ? service.port : 443;
        if (port < 1 || port > 65535)
          errs.push(
            fieldErrors.invalid(
              child(sp, 'port'),
              port,
              'port is not valid: must be between 1 and 65535, inclusive',
            ),
          );
        const p = str(service.path);
        if (p && !p.startsWith('/'))
          errs.push(fieldErrors.invalid(child(sp, 'path'), p, "must start with a '/'"));
      }
    }
    const rvPath = child(path, 'conversionReviewVersions');
    const versions = list(reviewVersions).map(str);
    if (versions.length === 0) errs.push(fieldErrors.required(rvPath));
    else {
      const seen = new Set<string>();
      let accepted = false;
      versions.forEach((v, i) => {
        if (seen.has(v)) {
          errs.push(fieldErrors.invalid(index(rvPath, i), v, 'duplicate version'));
          return;
        }
        seen.add(v);
        for (const msg of isDNS1035Label(v)) errs.push(fieldErrors.invalid(index(rvPath, i), v, msg));
        if (v === 'v1' || v === 'v1beta1') accepted = true;
      });
      if (!accepted)
        errs.push(fieldErrors.invalid(rvPath, versions, 'must include at least one of v1, v1beta1'));
    }
  } else {
    if (cc)
      errs.push(
        fieldErrors.forbidden(
          child(path, 'webhookClientConfig'),
          'should not be set when strategy is not set to Webhook',
        ),
      );
    if (list(reviewVersions).length > 0)
      errs.push(
        fieldErrors.forbidden(
          child(path, 'conversionReviewVersions'),
          'should not be set when strategy is not set to Webhook',
        ),
      );
  }
  return errs;
}

function isProtectedGroup(group: string): boolean {
  return (
    group === 'k8s.io' ||
    group.endsWith('.k8s.io') ||
    group === 'kubernetes.io' ||
    group.endsWith('.kubernetes.io')
  );
}

type ApprovalState = 'approved' | 'bypassed' | 'missing' | 'invalid';
function approvalState(annotations: unknown): { state: ApprovalState; reason: string } {
  const value = str(obj(annotations)[APPROVAL_ANNOTATION]);
  if (!value)
    return {
      state: 'missing',
      reason: `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`,
    };
  if (value.startsWith('unapproved')) return { state: 'bypassed', reason: `not approved: "${value}"` };
  try {
    const u = new URL(value);
    if (u.host && u.protocol) return { state: 'approved', reason: `approved in ${value}` };
  } catch {
    // falls through to invalid
  }
  return {
    state: 'invalid',
    reason: `protected groups must have approval annotation "${APPROVAL_ANNOTATION}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
  };
}

function isEstablished(crd: KubeObject): boolean {
  return list(obj(crd.status).conditions).some(
    (c) => obj(c).type === 'Established' && obj(c).status === 'True',
  );
}

/** All versions carry the same value of `field` (the top-level hoisting of kube's v1 conversion). */
function identicalAcrossVersions(versions: Obj[], field: string): boolean {
  if (versions.length === 0) return false;
  const first = versions[0]![field];
  return versions.every((v) => jsonEqual(v[field] ?? null, first ?? null));
}

function hasEntries(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

/**
 * kube-apiserver's CRD validation for create (`old` undefined) and update. The CRD is validated after v1
 * defaulting (applied to a copy). `status.storedVersions` is checked when non-empty (kube's PrepareForCreate fills
 * it before validation; a registry that validates first would otherwise always fail).
 */
export function validateCustomResourceDefinition(crdIn: KubeObject, oldIn?: KubeObject): FieldError[] {
  const crd = structuredClone(crdIn);
  defaultCustomResourceDefinition(crd);
  const old = oldIn ? structuredClone(oldIn) : undefined;
  if (old) defaultCustomResourceDefinition(old);
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const group = str(spec.group);
  const plural = str(names.plural);
  const meta = obj(crd.metadata) as ObjectMeta;
  const errs: FieldError[] = [];

  if (old) {
    errs.push(...validateObjectMetaUpdate(meta, obj(old.metadata)));
  } else {
    errs.push(
      ...validateObjectMeta(meta, {
        namespaced: false,
        nameValidation: (name, prefix) => {
          const problems = nameIsDNSSubdomain(name, prefix);
          if (name !== `${plural}.${group}`) problems.push('must be spec.names.plural+"."+spec.group');
          return problems;
        },
      }),
    );
  }

  // spec
  if (!group) errs.push(fieldErrors.required('spec.group'));
  else {
    const problems = isDNS1123Subdomain(group);
    if (problems.length > 0) errs.push(fieldErrors.invalid('spec.group', group, problems.join(',')));
    else if (group.split('.').length < 2)
      errs.push(fieldErrors.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  errs.push(...validateEnum('spec.scope', str(spec.scope), ['Cluster', 'Namespaced']));

  const versions = list(spec.versions).map(obj);
  const hoistSchema = identicalAcrossVersions(versions, 'schema');
  const hoistSubresources = identicalAcrossVersions(versions, 'subresources');
  const hoistColumns = identicalAcrossVersions(versions, 'additionalPrinterColumns');
  const hoistSelectable = identicalAcrossVersions(versions, 'selectableFields');
  const topSchema = hoistSchema ? obj(versions[0]?.schema).openAPIV3Schema : undefined;
  const statusEnabled = (v: Obj): boolean => isPlainObject(obj(v.subresources).status);
  const anyStatus = versions.some(statusEnabled);

  if (!isPlainObject(topSchema)) {
    versions.forEach((v, i) => {
      if (!isPlainObject(obj(v.schema).openAPIV3Schema))
        errs.push(fieldErrors.required(child(child(index('spec.versions', i), 'schema'), 'openAPIV3Schema')));
    });
  }

  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const vp = index('spec.versions', i);
    const name = str(v.name);
    if (v.storage === true) storageCount++;
    if (seen.has(name)) unique = false;
    seen.add(name);
    const nameProblems = isDNS1035Label(name);
    if (nameProblems.length > 0)
      errs.push(fieldErrors.invalid(child(vp, 'name'), name, nameProblems.join(',')));
    errs.push(...validateDeprecationWarning(v, vp));
    const schema = obj(v.schema).openAPIV3Schema;
    if (!hoistSchema && isPlainObject(schema))
      errs.push(
        ...checkSchema(schema, {
          fieldPath: child(child(vp, 'schema'), 'openAPIV3Schema'),
          statusEnabled: statusEnabled(v),
        }).errors,
      );
    if (!hoistSubresources) errs.push(...validateSubresources(v.subresources, child(vp, 'subresources')));
    if (!hoistColumns)
      list(v.additionalPrinterColumns).forEach((c, j) =>
        errs.push(...validateColumn(obj(c), index(child(vp, 'additionalPrinterColumns'), j))),
      );
    if (!hoistSelectable && hasEntries(v.selectableFields))
      errs.push(
        ...validateSelectableFields(
          list(v.selectableFields),
          isPlainObject(schema) ? schema : undefined,
          child(vp, 'selectableFields'),
        ),
      );
  });
  if (!unique) errs.push(fieldErrors.invalid('spec.versions', versions, 'must contain unique version names'));
  if (storageCount !== 1)
    errs.push(
      fieldErrors.invalid(
        'spec.versions',
        versions,
        'must have exactly one version marked as storage version',
      ),
    );

  if (!str(names.plural)) errs.push(fieldErrors.required('spec.names.plural'));
  if (!str(names.singular)) errs.push(fieldErrors.required('spec.names.singular'));
  if (!str(names.kind)) errs.push(fieldErrors.required('spec.names.kind'));
  if (!str(names.listKind)) errs.push(fieldErrors.required('spec.names.listKind'));
  errs.push(...validateNames(names, 'spec.names'));

  if (isPlainObject(topSchema))
    errs.push(
      ...checkSchema(topSchema, { fieldPath: 'spec.validation.openAPIV3Schema', statusEnabled: anyStatus })
        .errors,
    );
  if (hoistSubresources) errs.push(...validateSubresources(versions[0]?.subresources, 'spec.subresources'));
  if (hoistColumns)
    list(versions[0]?.additionalPrinterColumns).forEach((c, j) =>
      errs.push(...validateColumn(obj(c), index('spec.additionalPrinterColumns', j))),
    );
  if (hoistSelectable && hasEntries(versions[0]?.selectableFields))
    errs.push(
      ...validateSelectableFields(
        list(versions[0]?.selectableFields),
        isPlainObject(topSchema) ? topSchema : undefined,
        'spec.selectableFields',
      ),
    );
  errs.push(...validateConversion(spec.conversion, 'spec.conversion'));

  if (old) {
    const oldSpec = obj(old.spec);
    const oldNames = obj(oldSpec.names);
    const immutable = (path: string, a: string, b: string): void => {
      if (a !== b) errs.push(fieldErrors.invalid(path, a, 'field is immutable'));
    };
    if (isEstablished(old)) {
      immutable('spec.scope', str(spec.scope), str(oldSpec.scope));
      immutable('spec.names.kind', str(names.kind), str(oldNames.kind));
    }
    immutable('spec.group', group, str(oldSpec.group));
    immutable('spec.names.plural', plural, str(oldNames.plural));
  }

  // status
  const status = obj(crd.status);
  if (isPlainObject(status.acceptedNames))
    errs.push(...validateNames(status.acceptedNames, 'status.acceptedNames'));
  if (Array.isArray(status.storedVersions) && status.storedVersions.length > 0)
    errs.push(...validateStoredVersions(status.storedVersions.map(str), versions));

  // API approval for *.k8s.io and *.kubernetes.io groups
  if (isProtectedGroup(group)) {
    const current = approvalState(meta.annotations);
    const previous = old ? approvalState(obj(old.metadata).annotations).state : undefined;
    if (previous !== current.state) {
      const path = key('metadata.annotations', APPROVAL_ANNOTATION);
      if (current.state === 'missing') errs.push(fieldErrors.required(path, current.reason));
      else if (current.state === 'invalid')
        errs.push(fieldErrors.invalid(path, str(obj(meta.annotations)[APPROVAL_ANNOTATION]), current.reason));
    }
  }
  const oldPreserve = old ? obj(old.spec).preserveUnknownFields === true : false;
  if (!oldPreserve && spec.preserveUnknownFields === true)
    errs.push(
      fieldErrors.invalid(
        'spec.preserveUnknownFields',
        true,
        'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
      ),
    );
  return errs;
}

function validateStoredVersions(stored: string[], versions: Obj[]): FieldError[] {
  const path = 'status.storedVersions';
  if (stored.length === 0)
    return [fieldErrors.invalid(path, stored, 'must have at least one stored version')];
  const errs: FieldError[] = [];
  const remaining = new Map(stored.map((v, i) => [v, i]));
  for (const v of versions) {
    const name = str(v.name);
    if (v.storage === true && !remaining.has(name))
      errs.push(fieldErrors.invalid(path, stored, `must have the storage version ${name}`));
    remaining.delete(name);
  }
  for (const [v, i] of remaining)
    errs.push(
      fieldErrors.invalid(
        index(path, i),
        v,
        `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
      ),
    );
  return errs;
}
