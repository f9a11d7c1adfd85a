/**
 * Secret (core/v1). Upstream: v1 conversion (stringData → data), `SetDefaults_Secret`,
 * `pkg/registry/core/secret/strategy.go`, `ValidateSecret`/`ValidateSecretUpdate`.
 *
 * - `stringData` is write-only: merged over `data` as base64 on create and update, then dropped.
 * - `type` defaults to `Opaque` and is immutable.
 * - `immutable: true` freezes `data` and `immutable` itself.
 * - keys are config keys; decoded values total at most 1 MiB; typed secrets need their keys.
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
import { getString, isObject, keyCount, mapsEqual } from './object-access.js';
import { bool, bytes, kindSchema, str } from './schema-builders.js';
import { isConfigMapKey } from './validation-helpers.js';
import { base64CorruptOffset } from './wire-format.js';

export const MAX_SECRET_SIZE = 1024 * 1024;
const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';

/** Applies `stringData` over `data` (as base64 of the UTF-8 bytes) and removes it; defaults `type`. */
export function normalizeSecret(secret: KubeObject): void {
  const stringData = secret.stringData;
  if (isObject(stringData) && Object.keys(stringData).length > 0) {
    const data = isObject(secret.data) ? secret.data : {};
    for (const [k, v] of Object.entries(stringData)) {
      data[k] = Buffer.from(typeof v === 'string' ? v : String(v), 'utf8').toString('base64');
    }
    secret.data = data;
  }
  delete secret.stringData;
  if (!secret.type) secret.type = 'Opaque';
}

/** Decoded byte length of a base64 value (0 for anything that is not a string). */
function decodedLength(value: unknown): number {
  return typeof value === 'string' ? Buffer.from(value, 'base64').length : 0;
}

function validateSecret(secret: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = isObject(secret.data) ? secret.data : {};
  let total = 0;
  for (const key of Object.keys(data).sort()) {
    for (const m of isConfigMapKey(key)) errs.push(fieldErrors.invalid(`data[${key}]`, key, m));
    const value = data[key];
    // The decoder normally rejects bad base64 with a 400 first (checkWireFormat); this is the fallback.
    if (value !== null && (typeof value !== 'string' || base64CorruptOffset(value) !== undefined)) {
      errs.push(
        fieldErrors.invalid(`data[${key}]`, '<secret contents redacted>', 'must be base64-encoded bytes'),
      );
    }
    total += decodedLength(value);
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldErrors.tooLong('data', '', MAX_SECRET_SIZE));

  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  const requireKey = (k: string) => errs.push(fieldErrors.required(`data[${k}]`));
  const jsonKey = (k: string) => {
    if (!has(k)) return requireKey(k);
    const raw = data[k];
    const text = typeof raw === 'string' ? Buffer.from(raw, 'base64').toString('utf8') : '';
    try {
      JSON.parse(text);
    } catch (e) {
      errs.push(
        fieldErrors.invalid(
          `data[${k}]`,
          '<secret contents redacted>',
          e instanceof Error ? e.message : String(e),
        ),
      );
    }
  };
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(fieldErrors.required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      jsonKey('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      jsonKey('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        requireKey('username');
        requireKey('password');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (decodedLength(data['ssh-privatekey']) === 0) requireKey('ssh-privatekey');
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) requireKey('tls.crt');
      if (!has('tls.key')) requireKey('tls.key');
      break;
    default:
      break;
  }
  return errs;
}

function validateSecretUpdate(secret: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (secret.type !== old.type)
    errs.push(fieldErrors.invalid('type', secret.type ?? '', 'field is immutable'));
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE_MSG));
    if (!mapsEqual(secret.data, old.data)) errs.push(fieldErrors.forbidden('data', IMMUTABLE_MSG));
  }
  return errs;
}

export const secretDefinition = defineBuiltin({
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
  schema: kindSchema('Holds a small amount of sensitive data.', {
    data: {
      type: 'object',
      description: 'Secret values, base64-encoded on the wire.',
      additionalProperties: bytes('Base64-encoded bytes.'),
    },
    stringData: {
      type: 'object',
      description: 'Write-only plain-text values merged into data.',
      additionalProperties: { type: 'string' },
    },
    type: str('How the data is used, e.g. Opaque or kubernetes.io/tls.'),
    immutable: bool('When true, data can no longer change.'),
  }),
  strategy: builtinStrategy(false, {
    prepareForCreate: normalizeSecret,
    prepareForUpdate: (secret) => normalizeSecret(secret),
    validate: (secret, old) => [...(old ? validateSecretUpdate(secret, old) : []), ...validateSecret(secret)],
  }),
  table: {
    columns: [
      nameColumn(),
      column('Type', 'string', 'How the secret is used.'),
      column('Data', 'string', 'Number of data entries.'),
      ageColumn(),
    ],
    cells: (s) => [objectName(s), getString(s, 'type') ?? '', keyCount(s.data), creationTimestamp(s)],
  },
  selectableFields: (s) => ({ type: getString(s, 'type') ?? '' }),
});
