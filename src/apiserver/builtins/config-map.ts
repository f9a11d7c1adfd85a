/**
 * ConfigMap (core/v1, `cm`). Upstream: `ValidateConfigMap`/`ValidateConfigMapUpdate`.
 * Keys are config keys, unique across `data` and `binaryData`; values total at most 1 MiB;
 * `immutable: true` freezes both maps.
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import {
  ageColumn,
  builtinStrategy,
  column,
  creationTimestamp,
  defineBuiltin,
  nameColumn,
  objectName,
} from './define.js';
import { isObject, keyCount, mapsEqual } from './object-access.js';
import { bool, bytes, kindSchema } from './schema-builders.js';
import { MAX_SECRET_SIZE } from './secret.js';
import { isConfigMapKey } from './validation-helpers.js';

const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';

function validateConfigMap(cm: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = isObject(cm.data) ? cm.data : {};
  const binary = isObject(cm.binaryData) ? cm.binaryData : {};
  let total = 0;
  for (const key of Object.keys(data).sort()) {
    for (const m of isConfigMapKey(key)) errs.push(fieldErrors.invalid(`data[${key}]`, key, m));
    if (Object.prototype.hasOwnProperty.call(binary, key)) {
      errs.push(fieldErrors.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    }
    const v = data[key];
    total += typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0;
  }
  for (const key of Object.keys(binary).sort()) {
    for (const m of isConfigMapKey(key)) errs.push(fieldErrors.invalid(`binaryData[${key}]`, key, m));
    const v = binary[key];
    total += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
  }
  // Upstream reports the size against the whole object (an empty field path).
  if (total > MAX_SECRET_SIZE) errs.push(fieldErrors.tooLong('', '', MAX_SECRET_SIZE));
  return errs;
}

function validateConfigMapUpdate(cm: KubeObject, old: KubeObject): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (cm.immutable !== true) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE_MSG));
  if (!mapsEqual(cm.data, old.data)) errs.push(fieldErrors.forbidden('data', IMMUTABLE_MSG));
  if (!mapsEqual(cm.binaryData, old.binaryData))
    errs.push(fieldErrors.forbidden('binaryData', IMMUTABLE_MSG));
  return errs;
}

export const configMapDefinition = defineBuiltin({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  shortNames: ['cm'],
  namespaced: true,
  schema: kindSchema('Configuration data for pods to consume.', {
    data: {
      type: 'object',
      description: 'UTF-8 configuration values.',
      additionalProperties: { type: 'string' },
    },
    binaryData: {
      type: 'object',
      description: 'Binary values, base64-encoded on the wire.',
      additionalProperties: bytes('Base64-encoded bytes.'),
    },
    immutable: bool('When true, data and binaryData can no longer change.'),
  }),
  strategy: builtinStrategy(false, {
    validate: (cm, old) => [...(old ? validateConfigMapUpdate(cm, old) : []), ...validateConfigMap(cm)],
  }),
  table: {
    columns: [nameColumn(), column('Data', 'string', 'Number of data and binaryData entries.'), ageColumn()],
    cells: (cm) => [objectName(cm), keyCount(cm.data) + keyCount(cm.binaryData), creationTimestamp(cm)],
  },
});
