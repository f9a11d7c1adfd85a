// apimachinery's content validators (label keys and values, DNS names, annotations, CIDRs) with their
// messages word for word: upstream's webhooks pass these messages through to users.
import { isIPv4, isIPv6 } from 'node:net';
import { type FieldError, fieldError } from './field-errors.js';
import type { FieldPath } from './field-path.js';

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_RE = new RegExp(`^${LABEL_KEY_FMT}$`);
const LABEL_KEY_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** Annotations may hold at most this many bytes, keys and values together. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

// apimachinery has two copies of the DNS checks: the newer `content` package counts "bytes", the older
// `validation` package "characters"; each caller below uses the one upstream's code path reaches.
function dns1123Subdomain(value: string, unit: 'bytes' | 'characters'): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(`must be no more than 253 ${unit}`);
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

/** `validation.IsDNS1123Subdomain`: object names. */
export const isDNS1123Subdomain = (value: string): string[] => dns1123Subdomain(value, 'characters');

/** `content.IsLabelKey` (a.k.a. IsQualifiedName): an optional DNS prefix, a slash, a name. */
export function isLabelKey(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(prefix, 'bytes').map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push('name part must be no more than 63 bytes');
  if (!LABEL_KEY_RE.test(name)) {
    errs.push(`name part ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

/** `content.IsLabelValue`. */
export function isLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push('must be no more than 63 bytes');
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

/** `metav1validation.ValidateLabels`: each bad key or value is reported on the map's path. */
export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isLabelKey(k)) errs.push(fieldError.invalid(path.toString(), k, msg));
    for (const msg of isLabelValue(v)) errs.push(fieldError.invalid(path.toString(), v, msg));
  }
  return errs;
}

/** `apivalidation.ValidateAnnotations`: keys are qualified names (case-insensitive), 256 KiB in total. */
export function validateAnnotations(
  annotations: Record<string, string> | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isLabelKey(k.toLowerCase())) errs.push(fieldError.invalid(path.toString(), k, msg));
    size += byteLength(k) + byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) {
    errs.push({
      type: 'FieldValueTooLong',
      field: path.toString(),
      detail: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT_BYTES} bytes`,
    });
  }
  return errs;
}

/**
 * The labels and annotations of embedded metadata, e.g. a template's `metadata` that a controller copies onto the
 * objects it creates (what upstream's `ObjectMeta.Validate` checks), reported under `path.labels`/`path.annotations`.
 */
export function validateObjectMeta(
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined,
  path: FieldPath,
): FieldError[] {
  return [
    ...validateLabels(meta?.labels, path.child('labels')),
    ...validateAnnotations(meta?.annotations, path.child('annotations')),
  ];
}

/** Go's `net.ParseCIDR`: the error text, or undefined when `cidr` is an address and a prefix length. */
export function cidrError(cidr: string): string | undefined {
  const invalid = `invalid CIDR address: ${cidr}`;
  const slash = cidr.indexOf('/');
  if (slash < 0) return invalid;
  const address = cidr.slice(0, slash);
  const prefix = cidr.slice(slash + 1);
  const bits = isIPv4(address) ? 32 : isIPv6(address) && !address.includes('%') ? 128 : 0;
  if (bits === 0 || !/^[0-9]+$/.test(prefix) || Number(prefix) > bits) return invalid;
  return undefined;
}
