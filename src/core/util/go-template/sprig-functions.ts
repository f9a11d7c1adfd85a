// The subset of sprig (v3, HermeticTxtFuncMap) that ClusterClass patch templates use, with sprig's
// argument order and its forgiving conversions (toString, int, empty ...).

import { FunctionCallError, type FunctionSpec } from './go-template-functions.js';
import {
  goQuote,
  goTypeName,
  formatValue,
  isGoMap,
  isNil,
  isTrue,
  compareStrings,
  type GoMap,
} from './go-template-values.js';
import { semverSatisfies } from './semver-constraint.js';
import { toYaml } from './sprig-to-yaml.js';

/** sprig's strval: strings as they are, everything else as fmt's %v. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return formatValue(v);
}

/** sprig's empty: nil, false, 0, "" and empty collections. */
function empty(v: unknown): boolean {
  return !isTrue(v);
}

/** cast.ToInt64 as sprig's toInt64 uses it: unparsable input becomes 0. */
function toInt64(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') {
    let s = v.trim();
    if (/^[-+]?[0-9]+\.0*$/.test(s)) s = s.replace(/\.0*$/, '');
    const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
    if (!m) return 0n;
    const [, sign, digits = '0'] = m;
    const body = /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits;
    return BigInt(body) * (sign === '-' ? -1n : 1n);
  }
  return 0n;
}

function toFloat64(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const f = Number(v.trim());
    return v.trim() === '' || Number.isNaN(f) ? 0 : f;
  }
  return 0;
}

/** sprig's strslice: a list of strings from a list (nil entries dropped) or a single value. */
function strslice(v: unknown): string[] {
  if (isNil(v)) return [];
  if (Array.isArray(v)) return v.filter((e) => !isNil(e)).map(strval);
  return [strval(v)];
}

function asList(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (isNil(v)) return [];
  throw new FunctionCallError(`Cannot find ${fn} on type ${goTypeName(v)}`);
}

function jsonMarshal(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (typeof val === 'bigint') return Number(val);
    if (typeof val === 'number' && !Number.isFinite(val))
      throw new FunctionCallError('json: unsupported value');
    if (val instanceof Uint8Array) return Buffer.from(val).toString('base64');
    return val;
  }).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

function sortJsonKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortJsonKeys);
  if (isGoMap(v)) {
    const out: GoMap = {};
    for (const k of Object.keys(v).sort(compareStrings)) out[k] = sortJsonKeys(v[k]);
    return out;
  }
  return v;
}

/** JSON numbers decode to float64, as encoding/json does into interface{}. */
function jsonUnmarshal(s: string): unknown {
  return JSON.parse(s) as unknown;
}

function title(s: string): string {
  let prevSep = true;
  let out = '';
  for (const ch of s) {
    out += prevSep ? ch.toUpperCase() : ch;
    prevSep = !/[\p{L}\p{Nd}_]/u.test(ch) && ((ch.codePointAt(0) ?? 0) < 0x80 || /\s/u.test(ch));
  }
  return out;
}

function replaceAll(src: string, old: string, repl: string): string {
  if (old === '') return [...src].map((c) => repl + c).join('') + repl;
  return src.split(old).join(repl);
}

function b64dec(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    return `illegal base64 data at input byte ${Math.max(0, s.search(/[^A-Za-z0-9+/=]/))}`;
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

function dict(...kv: unknown[]): GoMap {
  const out: GoMap = {};
  for (let i = 0; i < kv.length; i += 2) out[strval(kv[i])] = i + 1 < kv.length ? kv[i + 1] : '';
  return out;
}

function requireMap(m: unknown, fn: string): GoMap {
  if (!isGoMap(m)) throw new FunctionCallError(`assignment to entry in nil map (${fn})`);
  return m;
}

/** The sprig functions this engine provides, keyed by name. */
export const SPRIG_FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  // strings
  [
    'quote',
    {
      params: [],
      variadic: 'any',
      fn: (...a) =>
        a
          .filter((x) => !isNil(x))
          .map((x) => goQuote(strval(x)))
          .join(' '),
    },
  ],
  [
    'squote',
    {
      params: [],
      variadic: 'any',
      fn: (...a) =>
        a
          .filter((x) => !isNil(x))
          .map((x) => `'${strval(x)}'`)
          .join(' '),
    },
  ],
  ['trim', { params: ['string'], fn: (s) => (s as string).replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '') }],
  ['trimAll', { params: ['string', 'string'], fn: (cut, s) => trimChars(s as string, cut as string) }],
  [
    'trimPrefix',
    {
      params: ['string', 'string'],
      fn: (p, s) => ((s as string).startsWith(p as string) ? (s as string).slice((p as string).length) : s),
    },
  ],
  [
    'trimSuffix',
    {
      params: ['string', 'string'],
      fn: (p, s) =>
        (s as string).endsWith(p as string) && (p as string) !== ''
          ? (s as string).slice(0, -(p as string).length)
          : s,
    },
  ],
  ['upper', { params: ['string'], fn: (s) => (s as string).toUpperCase() }],
  ['lower', { params: ['string'], fn: (s) => (s as string).toLowerCase() }],
  ['title', { params: ['string'], fn: (s) => title(s as string) }],
  [
    'replace',
    {
      params: ['string', 'string', 'string'],
      fn: (o, n, s) => replaceAll(s as string, o as string, n as string),
    },
  ],
  ['repeat', { params: ['int', 'string'], fn: (n, s) => (s as string).repeat(Math.max(0, Number(n))) }],
  ['contains', { params: ['string', 'string'], fn: (sub, s) => (s as string).includes(sub as string) }],
  ['hasPrefix', { params: ['string', 'string'], fn: (p, s) => (s as string).startsWith(p as string) }],
  ['hasSuffix', { params: ['string', 'string'], fn: (p, s) => (s as string).endsWith(p as string) }],
  ['indent', { params: ['int', 'string'], fn: (n, s) => indent(Number(n), s as string) }],
  ['nindent', { params: ['int', 'string'], fn: (n, s) => `\n${indent(Number(n), s as string)}` }],
  [
    'split',
    {
      params: ['string', 'string'],
      fn: (sep, s) => Object.fromEntries(goSplit(s as string, sep as string).map((p, i) => [`_${i}`, p])),
    },
  ],
  ['splitList', { params: ['string', 'string'], fn: (sep, s) => goSplit(s as string, sep as string) }],
  ['join', { params: ['string', 'any'], fn: (sep, v) => strslice(v).join(sep as string) }],
  ['toString', { params: ['any'], fn: strval }],
  ['b64enc', { params: ['string'], fn: (s) => Buffer.from(s as string).toString('base64') }],
  ['b64dec', { params: ['string'], fn: (s) => b64dec(s as string) }],
  ['regexMatch', { params: ['string', 'string'], fn: (re, s) => regexMatch(re as string, s as string) }],
  // defaults and logic
  [
    'fail',
    {
      params: ['string'],
      fn: (msg) => {
        throw new FunctionCallError(msg as string);
      },
    },
  ],
  [
    'default',
    {
      params: ['any'],
      variadic: 'any',
      fn: (d, ...given) => (given.length === 0 || empty(given[0]) ? d : given[0]),
    },
  ],
  ['empty', { params: ['any'], fn: empty }],
  ['coalesce', { params: [], variadic: 'any', fn: (...a) => a.find((x) => !empty(x)) ?? null }],
  ['ternary', { params: ['any', 'any', 'bool'], fn: (t, f, c) => (c ? t : f) }],
  // encoding
  ['toYaml', { params: ['any'], fn: (v) => safe(() => toYaml(v)) }],
  ['toJson', { params: ['any'], fn: (v) => safe(() => jsonMarshal(sortJsonKeys(v))) }],
  [
    'toPrettyJson',
    {
      params: ['any'],
      fn: (v) => safe(() => JSON.stringify(JSON.parse(jsonMarshal(sortJsonKeys(v))), null, '  ')),
    },
  ],
  ['fromJson', { params: ['string'], fn: (s) => safe(() => jsonUnmarshal(s as string), null) }],
  // lists and dicts
  ['list', { params: [], variadic: 'any', fn: (...a) => a }],
  ['first', { params: ['any'], fn: (l) => asList(l, 'first')[0] ?? null }],
  ['last', { params: ['any'], fn: (l) => asList(l, 'last').at(-1) ?? null }],
  ['has', { params: ['any', 'any'], fn: (needle, l) => asList(l, 'has').some((e) => e === needle) }],
  ['sortAlpha', { params: ['any'], fn: (l) => strslice(l).sort(compareStrings) }],
  ['dict', { params: [], variadic: 'any', fn: dict }],
  [
    'get',
    {
      params: ['map', 'string'],
      fn: (m, k) => (isGoMap(m) && Object.hasOwn(m, k as string) ? m[k as string] : ''),
    },
  ],
  [
    'set',
    {
      params: ['map', 'string', 'any'],
      fn: (m, k, v) => Object.assign(requireMap(m, 'set'), { [k as string]: v }),
    },
  ],
  ['unset', { params: ['map', 'string'], fn: (m, k) => (isGoMap(m) && delete m[k as string], m) }],
  ['hasKey', { params: ['map', 'string'], fn: (m, k) => isGoMap(m) && Object.hasOwn(m, k as string) }],
  // Go map order is random; sorted is one of the orders Go could produce, and the stable one.
  [
    'keys',
    {
      params: [],
      variadic: 'map',
      fn: (...ms) => ms.flatMap((m) => (isGoMap(m) ? Object.keys(m) : [])).sort(compareStrings),
    },
  ],
  // numbers and versions
  ['int', { params: ['any'], fn: toInt64 }],
  ['int64', { params: ['any'], fn: toInt64 }],
  ['float64', { params: ['any'], fn: toFloat64 }],
  ['add', { params: [], variadic: 'any', fn: (...a) => a.reduce<bigint>((s, x) => s + toInt64(x), 0n) }],
  ['add1', { params: ['any'], fn: (a) => toInt64(a) + 1n }],
  ['sub', { params: ['any', 'any'], fn: (a, b) => toInt64(a) - toInt64(b) }],
  [
    'mul',
    {
      params: ['any'],
      variadic: 'any',
      fn: (a, ...r) => r.reduce<bigint>((s, x) => s * toInt64(x), toInt64(a)),
    },
  ],
  ['div', { params: ['any', 'any'], fn: (a, b) => intDiv(toInt64(a), toInt64(b), 'div') }],
  ['mod', { params: ['any', 'any'], fn: (a, b) => intDiv(toInt64(a), toInt64(b), 'mod') }],
  [
    'max',
    {
      params: ['any'],
      variadic: 'any',
      fn: (a, ...r) => r.reduce<bigint>((m, x) => (toInt64(x) > m ? toInt64(x) : m), toInt64(a)),
    },
  ],
  [
    'min',
    {
      params: ['any'],
      variadic: 'any',
      fn: (a, ...r) => r.reduce<bigint>((m, x) => (toInt64(x) < m ? toInt64(x) : m), toInt64(a)),
    },
  ],
  ['semverCompare', { params: ['string', 'string'], fn: (c, v) => semver(c as string, v as string) }],
]);

function safe<T>(f: () => T, fallback: T | string = ''): T | string {
  try {
    return f();
  } catch {
    return fallback;
  }
}

function semver(constraint: string, version: string): boolean {
  try {
    return semverSatisfies(constraint, version);
  } catch (err) {
    throw new FunctionCallError(err instanceof Error ? err.message : String(err));
  }
}

function intDiv(a: bigint, b: bigint, fn: string): bigint {
  if (b === 0n) throw new FunctionCallError(`runtime error: integer divide by zero (${fn})`);
  return fn === 'div' ? a / b : a % b;
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(Math.max(0, n));
  return pad + s.split('\n').join(`\n${pad}`);
}

function goSplit(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

function trimChars(s: string, cut: string): string {
  const set = new Set(cut);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (a < b && set.has(chars[a] as string)) a++;
  while (b > a && set.has(chars[b - 1] as string)) b--;
  return chars.slice(a, b).join('');
}

function regexMatch(re: string, s: string): boolean {
  try {
    return new RegExp(re, 'u').test(s);
  } catch {
    return false;
  }
}
