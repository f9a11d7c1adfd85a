/**
 * Generic ObjectMeta validation (apimachinery `api/validation/objectmeta.go`, Kubernetes 1.32): what every
 * kind gets on create and update, independent of its schema.
 */
import { type FieldError, fieldErrors } from '../errors/field-error.js';
import type { ObjectMeta } from '../registry/resource-definition.js';
import { child, goQuote, goStringSlice, goTime, index, isPlainObject, jsonEqual } from './go-format.js';
import { invalidPrinted } from './field-errors.js';
import {
  isQualifiedName,
  isValidLabelValue,
  type NameValidator,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const FIELD_MANAGER_MAX_LENGTH = 128;
const MAX_SUBRESOURCE_NAME_LENGTH = 256;
const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** The fields of metav1.ObjectMeta; anything else under `metadata` is an unknown field. */
export const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);
export const OWNER_REFERENCE_FIELDS: ReadonlySet<string> = new Set([
  'apiVersion',
  'kind',
  'name',
  'uid',
  'controller',
  'blockOwnerDeletion',
]);
export const MANAGED_FIELDS_ENTRY_FIELDS: ReadonlySet<string> = new Set([
  'manager',
  'operation',
  'apiVersion',
  'time',
  'fieldsType',
  'fieldsV1',
  'subresource',
]);

export interface ObjectMetaValidationOptions {
  /** Whether the kind is namespaced (namespace required) or cluster-scoped (namespace forbidden). */
  namespaced: boolean;
  /**
   * Create (default): every rule. Update (false): only the namespace, because everything else kube checks on
   * update is in validateObjectMetaUpdate (pair the two, as kube-apiserver does).
   */
  isCreate?: boolean;
  /** How names are validated: DNS subdomain by default; Namespaces and a few kinds use DNS labels. */
  nameValidation?: NameValidator;
  /** The object is a Namespace: its name must be a DNS label (shorthand for nameValidation: nameIsDNSLabel). */
  isNamespace?: boolean;
  /** Path of the metadata, `metadata` by default (embedded resources use their own). */
  fieldPath?: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Generic ObjectMeta rules: name, namespace, labels, annotations, owner references, finalizers, managedFields. */
export function validateObjectMeta(meta: ObjectMeta, options: ObjectMetaValidationOptions): FieldError[] {
  const path = options.fieldPath ?? 'metadata';
  const nameFn = options.nameValidation ?? (options.isNamespace ? nameIsDNSLabel : nameIsDNSSubdomain);
  const errs: FieldError[] = [];
  const name = str(meta.name);
  const generateName = str(meta.generateName);
  if (options.isCreate !== false) {
    if (generateName) {
      for (const msg of nameFn(generateName, true))
        errs.push(fieldErrors.invalid(child(path, 'generateName'), generateName, msg));
    }
    if (!name) {
      if (!generateName)
        errs.push(fieldErrors.required(child(path, 'name'), 'name or generateName is required'));
    } else {
      for (const msg of nameFn(name, false)) errs.push(fieldErrors.invalid(child(path, 'name'), name, msg));
    }
  }
  const namespace = str(meta.namespace);
  if (options.namespaced) {
    if (!namespace) errs.push(fieldErrors.required(child(path, 'namespace')));
    else
      for (const msg of nameIsDNSLabel(namespace, false))
        errs.push(fieldErrors.invalid(child(path, 'namespace'), namespace, msg));
  } else if (namespace) {
    errs.push(fieldErrors.forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  if (options.isCreate === false) return errs;
  errs.push(...validateCommon(meta, path));
  errs.push(...validateFinalizers(meta.finalizers, child(path, 'finalizers')));
  errs.push(...validateManagedFields(meta.managedFields, child(path, 'managedFields')));
  return errs;
}

export interface ObjectMetaUpdateOptions {
  fieldPath?: string;
  /**
   * Report an empty resourceVersion as upstream does (`must be specified for an update`). Off by default: the
   * registry fills it in for unconditional updates and rejects conditional ones itself.
   */
  requireResourceVersion?: boolean;
}

/** What may not change on update (name, namespace, uid, timestamps...) and no new finalizers while deleting. */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta,
  oldMeta: ObjectMeta,
  options: ObjectMetaUpdateOptions = {},
): FieldError[] {
  const path = options.fieldPath ?? 'metadata';
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) {
    const oldFinalizers = new Set(stringList(oldMeta.finalizers));
    const added = [...new Set(stringList(newMeta.finalizers))].filter((f) => !oldFinalizers.has(f)).sort();
    if (added.length > 0)
      errs.push(
        fieldErrors.forbidden(
          child(path, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`,
        ),
      );
  }
  if (options.requireResourceVersion && !str(newMeta.resourceVersion))
    errs.push(
      fieldErrors.invalid(
        child(path, 'resourceVersion'),
        str(newMeta.resourceVersion),
        'must be specified for an update',
      ),
    );
  const newGeneration = int(newMeta.generation);
  if (newGeneration < int(oldMeta.generation))
    errs.push(fieldErrors.invalid(child(path, 'generation'), newGeneration, 'must not be decremented'));
  const immutable = (field: string, a: unknown, b: unknown, printed: string): void => {
    if (!jsonEqual(a ?? '', b ?? ''))
      errs.push(invalidPrinted(child(path, field), printed, 'field is immutable'));
  };
  // Go prints these values as %q (strings), time.Time.String() (timestamps) or %v (int64); nil is "null".
  immutable('name', newMeta.name, oldMeta.name, goQuote(str(newMeta.name)));
  immutable('namespace', newMeta.namespace, oldMeta.namespace, goQuote(str(newMeta.namespace)));
  immutable('uid', newMeta.uid, oldMeta.uid, goQuote(str(newMeta.uid)));
  const creation = str(newMeta.creationTimestamp);
  immutable(
    'creationTimestamp',
    secondPrecision(newMeta.creationTimestamp),
    secondPrecision(oldMeta.creationTimestamp),
    creation ? goTime(creation) : '0001-01-01 00:00:00 +0000 UTC',
  );
  const deletion = str(newMeta.deletionTimestamp);
  immutable(
    'deletionTimestamp',
    secondPrecision(newMeta.deletionTimestamp),
    secondPrecision(oldMeta.deletionTimestamp),
    deletion ? goTime(deletion) : '"null"',
  );
  immutable(
    'deletionGracePeriodSeconds',
    newMeta.deletionGracePeriodSeconds,
    oldMeta.deletionGracePeriodSeconds,
    typeof newMeta.deletionGracePeriodSeconds === 'number'
      ? String(newMeta.deletionGracePeriodSeconds)
      : '"null"',
  );
  errs.push(...validateCommon(newMeta, path, false));
  errs.push(...validateManagedFields(newMeta.managedFields, child(path, 'managedFields')));
  return errs;
}

/** Labels, annotations, owner references (and generation on create), shared by create and update. */
function validateCommon(meta: ObjectMeta, path: string, checkGeneration = true): FieldError[] {
  const errs: FieldError[] = [];
  if (checkGeneration && int(meta.generation) < 0)
    errs.push(
      fieldErrors.invalid(
        child(path, 'generation'),
        int(meta.generation),
        'must be greater than or equal to 0',
      ),
    );
  errs.push(...validateLabels(meta.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, child(path, 'annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, child(path, 'ownerReferences')));
  return errs;
}

export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (!isPlainObject(labels)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(fieldErrors.invalid(path, k, msg));
    const value = str(v);
    for (const msg of isValidLabelValue(value)) errs.push(fieldErrors.invalid(path, value, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (!isPlainObject(annotations)) return [];
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldErrors.invalid(path, k, msg));
    total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(str(v), 'utf8');
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT)
    errs.push(fieldErrors.tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function parseGroupVersion(gv: string): { group: string; version: string } | undefined {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const slashes = gv.split('/').length - 1;
  if (slashes === 0) return { group: '', version: gv };
  if (slashes === 1) {
    const i = gv.indexOf('/');
    return { group: gv.slice(0, i), version: gv.slice(i + 1) };
  }
  return undefined;
}

export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  if (!Array.isArray(refs)) return [];
  const errs: FieldError[] = [];
  let firstController = '';
  refs.forEach((raw, i) => {
    const ref = isPlainObject(raw) ? raw : {};
    const p = index(path, i);
    const apiVersion = str(ref.apiVersion);
    const gv = parseGroupVersion(apiVersion);
    if (!apiVersion) errs.push(fieldErrors.required(child(p, 'apiVersion'), 'must not be empty'));
    else if (!gv || !gv.version)
      errs.push(
        fieldErrors.invalid(child(p, 'apiVersion'), apiVersion, 'must be <group>/<version> or <version>'),
      );
    if (!str(ref.kind)) errs.push(fieldErrors.required(child(p, 'kind'), 'must not be empty'));
    if (!str(ref.name)) errs.push(fieldErrors.required(child(p, 'name'), 'must not be empty'));
    if (!str(ref.uid)) errs.push(fieldErrors.required(child(p, 'uid'), 'must not be empty'));
    if (gv && gv.group === '' && gv.version === 'v1' && ref.kind === 'Event')
      errs.push(fieldErrors.invalid(p, ref, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller === true) {
      const current = `${str(ref.kind)}/${str(ref.name)}`;
      if (firstController)
        errs.push(
          fieldErrors.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      else firstController = current;
    }
  });
  return errs;
}

export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const list = stringList(finalizers);
  const errs: FieldError[] = [];
  for (const f of list) for (const msg of isQualifiedName(f)) errs.push(fieldErrors.invalid(path, f, msg));
  if (list.includes(FINALIZER_ORPHAN) && list.includes(FINALIZER_FOREGROUND))
    errs.push(
      invalidPrinted(
        path,
        goStringSlice(list),
        `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`,
      ),
    );
  return errs;
}

export function validateManagedFields(entries: unknown, path: string): FieldError[] {
  if (!Array.isArray(entries)) return [];
  const errs: FieldError[] = [];
  entries.forEach((raw, i) => {
    const entry = isPlainObject(raw) ? raw : {};
    const p = index(path, i);
    const operation = str(entry.operation);
    if (operation !== 'Apply' && operation !== 'Update')
      errs.push(fieldErrors.invalid(child(p, 'operation'), operation, 'must be `Apply` or `Update`'));
    const fieldsType = str(entry.fieldsType);
    if (fieldsType && fieldsType !== 'FieldsV1')
      errs.push(fieldErrors.invalid(child(p, 'fieldsType'), fieldsType, 'must be `FieldsV1`'));
    const manager = str(entry.manager);
    if (Buffer.byteLength(manager, 'utf8') > FIELD_MANAGER_MAX_LENGTH)
      errs.push(fieldErrors.tooLong(child(p, 'manager'), '', FIELD_MANAGER_MAX_LENGTH));
    let position = 0;
    for (const ch of manager) {
      if (/[\p{C}\p{Z}]/u.test(ch) && ch !== ' ') {
        const cp = ch.codePointAt(0) ?? 0;
        errs.push(
          fieldErrors.invalid(
            child(p, 'manager'),
            manager,
            `invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (at position ${position})`,
          ),
        );
      }
      position += Buffer.byteLength(ch, 'utf8');
    }
    if (Buffer.byteLength(str(entry.subresource), 'utf8') > MAX_SUBRESOURCE_NAME_LENGTH)
      errs.push(fieldErrors.tooLong(child(p, 'subresource'), '', MAX_SUBRESOURCE_NAME_LENGTH));
  });
  return errs;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** metav1.Time keeps second precision, so sub-second differences are not changes. */
function secondPrecision(v: unknown): unknown {
  if (typeof v !== 'string' || !v) return v ?? '';
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? v : Math.floor(ms / 1000);
}
