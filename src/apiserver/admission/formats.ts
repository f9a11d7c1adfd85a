/**
 * The string formats kube-apiserver 1.32 validates in CRD schemas (go-openapi's strfmt registry as filtered by
 * apiextensions' StripUnsupportedFormats). Unknown formats are ignored, as upstream does.
 */
import { isIPv6 } from 'node:net';
import type { JSONSchemaProps } from '../registry/resource-definition.js';

const SUPPORTED_STRING_FORMATS = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
]);

/** The format a schema keeps after upstream's post-processing ('' when ignored). */
export function effectiveFormat(s: JSONSchemaProps): string {
  const format = s.format ?? '';
  if (!format) return '';
  // int-or-string has two types, so upstream treats it as untyped here.
  const type = s['x-kubernetes-int-or-string'] === true ? '' : (s.type ?? '');
  if (type === '' || type === 'string')
    return SUPPORTED_STRING_FORMATS.has(format.replaceAll('-', '')) ? format : '';
  if (type === 'integer') return format === 'int32' || format === 'int64' ? format : '';
  if (type === 'number') return format === 'float' || format === 'double' ? format : '';
  return '';
}

/** Whether a string format is one the validator checks (the registry normalizes away dashes). */
export function isKnownStringFormat(format: string): boolean {
  return SUPPORTED_STRING_FORMATS.has(format.replaceAll('-', ''));
}

const rxUUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const rxUUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const rxUUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const rxUUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const rxHostname =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const rxBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const rxHexColor = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const rgbPart = '\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*';
const rxRGBColor = new RegExp(`^rgb\\(${rgbPart},${rgbPart},${rgbPart}\\)$`);
const rxSSN = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const rxCreditCard =
  /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$/;
const rxMAC =
  /^(?:[0-9a-fA-F]{2}([:-])(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}|[0-9a-fA-F]{2}([:-])(?:[0-9a-fA-F]{2}\2){6}[0-9a-fA-F]{2}|[0-9a-fA-F]{2}([:-])(?:[0-9a-fA-F]{2}\3){18}[0-9a-fA-F]{2}|[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}|[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4}){3}|[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4}){9})$/;
const rxDateTimeTail = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;

/** net.ParseIP with leading zeros allowed in IPv4 octets (ParseIPSloppy). */
export function parseIPSloppy(s: string): 4 | 6 | 0 {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split('.').every((p) => Number(p) <= 255) ? 4 : 0;
  return isIPv6(s) && !s.includes('%') ? 6 : 0;
}

export function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const family = parseIPSloppy(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (!family || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** time.Parse("2006-01-02", s). */
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}

export function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0] ?? '')) return false;
  const m = rxDateTimeTail.exec(parts[1] ?? '');
  if (!m) return false;
  return (m[1] ?? '') <= '23' && (m[2] ?? '') <= '59' && (m[3] ?? '') <= '59';
}

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_UNITS: [string[], number][] = [
  [['ns', 'nano'], 1e-9],
  [['us', 'µs', 'micro'], 1e-6],
  [['ms', 'milli'], 1e-3],
  [['s', 'sec'], 1],
  [['m', 'min'], 60],
  [['h', 'hr', 'hour'], 3600],
  [['d', 'day'], 86400],
  [['w', 'wk', 'week'], 604800],
];

/** go-openapi's ParseDuration: Go durations, or `<n> <unit>` sequences such as "3 days". */
export function isDuration(s: string): boolean {
  if (s === '0' || GO_DURATION.test(s)) return true;
  let ok = false;
  for (const m of s.matchAll(/((\d+)\s*([A-Za-zµ]+))/g)) {
    const unit = (m[3] ?? '').trim().toLowerCase();
    for (const [variants] of DURATION_UNITS) {
      const last = variants.length - 1;
      variants.forEach((variant, i) => {
        if ((i === last && unit.startsWith(variant)) || variant === unit) ok = true;
      });
    }
  }
  return ok;
}

function isISBN10(s: string): boolean {
  const v = s.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(v[i]);
  sum += v[9] === 'X' ? 100 : 10 * Number(v[9]);
  return sum % 11 === 0;
}

function isISBN13(s: string): boolean {
  const v = s.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(v[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(v[12]);
}

function isCreditCard(s: string): boolean {
  const v = s.replace(/[^0-9]+/g, '');
  if (!rxCreditCard.test(v)) return false;
  let sum = 0;
  let double = false;
  for (let i = v.length - 1; i >= 0; i--) {
    let d = Number(v[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** url.ParseRequestURI: an absolute URI or an absolute path, no fragment. */
export function isRequestURI(s: string): boolean {
  if (
    s.includes('#') ||
    /\s/.test(s) ||
    [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  )
    return false;
  if (s.startsWith('/')) return true;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

function isEmail(s: string): boolean {
  const m = /^(?:[^<>]*<([^<>]+)>|([^<>]+))$/.exec(s.trim());
  const addr = (m?.[1] ?? m?.[2] ?? '').trim();
  return /^[^\s@"(),:;<>[\]\\]+@[^\s@"(),:;<>[\]\\]+$/.test(addr);
}

const VALIDATORS: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestURI,
  email: isEmail,
  hostname: (s) => rxHostname.test(s) && s.length <= 255 && s.split('.').every((p) => p.length <= 63),
  ipv4: (s) => parseIPSloppy(s) !== 0 && s.includes('.'),
  ipv6: (s) => parseIPSloppy(s) !== 0 && s.includes(':'),
  cidr: isCIDR,
  mac: (s) => rxMAC.test(s),
  uuid: (s) => rxUUID.test(s),
  uuid3: (s) => rxUUID3.test(s),
  uuid4: (s) => rxUUID4.test(s),
  uuid5: (s) => rxUUID5.test(s),
  isbn: (s) => isISBN10(s) || isISBN13(s),
  isbn10: isISBN10,
  isbn13: isISBN13,
  creditcard: isCreditCard,
  ssn: (s) => s.length === 11 && rxSSN.test(s),
  hexcolor: (s) => rxHexColor.test(s),
  rgbcolor: (s) => rxRGBColor.test(s),
  byte: (s) => rxBase64.test(s),
  password: () => true,
  date: isDate,
  duration: isDuration,
  datetime: isDateTime,
};

/** Whether `value` satisfies the (known) string format. */
export function validatesFormat(format: string, value: string): boolean {
  const check = VALIDATORS[format.replaceAll('-', '')];
  return check ? check(value) : true;
}
