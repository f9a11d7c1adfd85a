/**
 * The apimachinery string validators built-in kinds use, with their exact messages
 * (`pkg/util/validation`, `pkg/api/validation`, `pkg/api/validation/path`), plus label-selector helpers
 * shared by validation and printers.
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import { goSyntaxIntOrString } from './go-format.js';
import { isObject, text, type JsonObject } from './object-access.js';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;
const CONFIG_MAP_KEY = '[-._a-zA-Z0-9]+';
const PERCENT = '[0-9]+%';

const anchored = (re: string) => new RegExp(`^(?:${re})$`);
const dns1123LabelRe = anchored(DNS1123_LABEL);
const dns1123SubdomainRe = anchored(DNS1123_SUBDOMAIN);
const dns1035LabelRe = anchored(DNS1035_LABEL);
const qualifiedNameRe = anchored(QUALIFIED_NAME);
const labelValueRe = anchored(LABEL_VALUE);
const configMapKeyRe = anchored(CONFIG_MAP_KEY);
const percentRe = anchored(PERCENT);

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

export const maxLenError = (n: number) => `must be no more than ${n} characters`;

export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(
      regexError(
        'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, ' +
          "'-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN,
        'example.com',
      ),
    );
  }
  return errs;
}

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else
      errs.push(
        regexError(
          'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or ' +
            "'-', and must start and end with an alphanumeric character",
          DNS1123_LABEL,
          'my-name',
          '123-abc',
        ),
      );
  }
  return errs;
}

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!dns1035LabelRe.test(value)) {
    errs.push(
      regexError(
        'a DNS-1035 label must consist of lower case alphanumeric characters or ' +
          "'-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL,
        'my-name',
        'abc-123',
      ),
    );
  }
  return errs;
}

const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] as string;
  } else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) {
    errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
          'and must start and end with an alphanumeric character',
        LABEL_VALUE,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

/** Keys of ConfigMap `data`/`binaryData` and Secret `data`. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!configMapKeyRe.test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        CONFIG_MAP_KEY,
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** RBAC names are path segments: anything but `.`/`..` and without `/` or `%`. */
export function isValidPathSegmentName(value: string, prefix = false): string[] {
  if (!prefix && (value === '.' || value === '..')) return [`may not be '${value}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (value.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/** A generateName prefix may end with a dash: validate as if the last two chars were one letter. */
const maskTrailingDash = (name: string) =>
  name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;

export type NameValidator = (name: string, prefix: boolean) => string[];

export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) =>
  isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) =>
  isDNS1035Label(prefix ? maskTrailingDash(name) : name);
export const nameIsPathSegment: NameValidator = (name, prefix) => isValidPathSegmentName(name, prefix);

/** Validates an IntOrString that must be a non-negative int or a percentage (apps validation). */
export function validateNonNegativeIntOrPercent(value: unknown, field: string): FieldError[] {
  if (typeof value === 'number') {
    return value < 0 ? [fieldErrors.invalid(field, value, 'must be greater than or equal to 0')] : [];
  }
  if (typeof value === 'string') {
    const errs: FieldError[] = [];
    if (!percentRe.test(value)) {
      errs.push(
        invalidRaw(
          field,
          goSyntaxIntOrString(value),
          regexError(
            "a valid percent string must be a numeric string followed by an ending '%'",
            PERCENT,
            '1%',
            '93%',
          ),
        ),
      );
    } else if (Number(value.slice(0, -1)) > 100) {
      errs.push(invalidRaw(field, goSyntaxIntOrString(value), 'must not be greater than 100%'));
    }
    return errs;
  }
  return [];
}

/** A FieldValueInvalid whose bad value is already formatted (Go `%#v` of a struct). */
export function invalidRaw(field: string, formattedValue: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${formattedValue}: ${detail}` };
}

/** metav1 validation of a LabelSelector's requirements. */
export function validateLabelSelector(selector: unknown, field: string): FieldError[] {
  if (!isObject(selector)) return [];
  const errs: FieldError[] = [];
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  exprs.forEach((e, i) => {
    const path = `${field}.matchExpressions[${i}]`;
    if (!isObject(e)) return;
    const values = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(
            fieldErrors.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            fieldErrors.forbidden(
              `${path}.values`,
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        errs.push(fieldErrors.invalid(`${path}.operator`, e.operator, 'not a valid selector operator'));
    }
    const key = typeof e.key === 'string' ? e.key : '';
    for (const m of isQualifiedName(key)) errs.push(fieldErrors.invalid(`${path}.key`, key, m));
  });
  const labels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) errs.push(fieldErrors.invalid(`${field}.matchLabels`, k, m));
    if (typeof v === 'string') {
      for (const m of isValidLabelValue(v)) errs.push(fieldErrors.invalid(`${field}.matchLabels`, v, m));
    }
  }
  return errs;
}

/** Whether a LabelSelector matches a label set. Absent selector matches nothing; empty matches all. */
export function labelSelectorMatches(selector: unknown, labels: unknown): boolean {
  if (!isObject(selector)) return false;
  const set: JsonObject = isObject(labels) ? labels : {};
  const has = (k: string) => Object.prototype.hasOwnProperty.call(set, k);
  const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(matchLabels)) if (set[k] !== v) return false;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isObject) : [];
  for (const e of exprs) {
    const key = text(e.key);
    const values = Array.isArray(e.values) ? e.values.map(text) : [];
    switch (e.operator) {
      case 'In':
        if (!has(key) || !values.includes(String(set[key]))) return false;
        break;
      case 'NotIn':
        if (has(key) && values.includes(String(set[key]))) return false;
        break;
      case 'Exists':
        if (!has(key)) return false;
        break;
      case 'DoesNotExist':
        if (has(key)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** labels.Set.String(): `k=v` pairs sorted by key, comma-joined. */
export function formatLabelSet(labels: unknown): string {
  if (!isObject(labels)) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${String(labels[k])}`)
    .join(',');
}

/** labels.FormatLabels: as formatLabelSet, `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  return formatLabelSet(labels) || '<none>';
}

/**
 * The selector string `metav1.LabelSelectorAsSelector(s).String()` gives (used by Scale `status.selector`
 * and the Deployment printer): requirements sorted by key; `In`/`NotIn` values sorted.
 */
export function labelSelectorString(selector: unknown): string {
  if (!isObject(selector)) return '';
  const reqs: { key: string; text: string }[] = [];
  const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(matchLabels)) reqs.push({ key: k, text: `${k}=${String(v)}` });
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isObject) : [];
  for (const e of exprs) {
    const key = text(e.key);
    const values = (Array.isArray(e.values) ? e.values.map(text) : []).sort();
    switch (e.operator) {
      case 'In':
        reqs.push({ key, text: `${key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        reqs.push({ key, text: `${key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        reqs.push({ key, text: `!${key}` });
        break;
    }
  }
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: as labelSelectorString, `<none>` when it selects everything or nothing. */
export function formatLabelSelector(selector: unknown): string {
  return labelSelectorString(selector) || '<none>';
}
