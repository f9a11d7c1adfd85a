import { goQuote } from '../../lib/go-quote.js';

/**
 * Path elements as structured-merge-diff (`fieldpath.PathElement`) defines them: a field of a map, the key of
 * a map-list item, the value of a set-list item, or the index of an atomic-list item. Each element carries
 * `id`, its fieldsV1 spelling (`f:name`, `k:{"name":"x"}`, `v:"a"`, `i:0`), which is canonical and so serves as
 * its identity in maps.
 */
export type PathElement =
  | { readonly kind: 'field'; readonly name: string; readonly id: string }
  | { readonly kind: 'key'; readonly fields: readonly KeyField[]; readonly id: string }
  | { readonly kind: 'value'; readonly value: unknown; readonly id: string }
  | { readonly kind: 'index'; readonly index: number; readonly id: string };

/** One `name=value` pair of a map-list key. */
export type KeyField = readonly [name: string, value: unknown];

/** A path from the object root. */
export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return { kind: 'field', name, id: `f:${name}` };
}

/** Key fields are sorted by name, as upstream does before comparing or serialising. */
export function keyElement(fields: readonly KeyField[]): PathElement {
  const sorted = [...fields].sort((a, b) => compareStrings(a[0], b[0]));
  const body = sorted.map(([n, v]) => `${goJson(n)}:${goJson(v)}`).join(',');
  return { kind: 'key', fields: sorted, id: `k:{${body}}` };
}

export function valueElement(value: unknown): PathElement {
  return { kind: 'value', value, id: `v:${goJson(value)}` };
}

export function indexElement(index: number): PathElement {
  return { kind: 'index', index, id: `i:${index}` };
}

/** A path of field names, e.g. `fieldPath('spec', 'replicas')`. */
export function fieldPath(...names: string[]): PathElement[] {
  return names.map(fieldElement);
}

export class PathElementSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathElementSyntaxError';
  }
}

/**
 * Parses a fieldsV1 key. Returns undefined for element types this version does not know (upstream drops
 * them silently), throws PathElementSyntaxError for malformed known ones.
 */
export function parsePathElement(s: string): PathElement | undefined {
  if (s.length < 2) throw new PathElementSyntaxError('key must be 2 characters long:');
  if (s[1] !== ':') throw new PathElementSyntaxError(`missing colon: ${s}`);
  const rest = s.slice(2);
  switch (s.charAt(0)) {
    case 'f':
      return fieldElement(rest);
    case 'v':
      return valueElement(parseJson(rest));
    case 'k': {
      const obj = parseJson(rest);
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
        throw new PathElementSyntaxError(`key element must be a JSON object: ${s}`);
      return keyElement(Object.entries(obj as Record<string, unknown>));
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(rest)) throw new PathElementSyntaxError(`invalid index: ${s}`);
      return indexElement(Number(rest));
    }
    default:
      return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new PathElementSyntaxError((err as Error).message);
  }
}

/** The order upstream sorts elements in: fields, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const rank = (pe: PathElement): number =>
    pe.kind === 'field' ? 0 : pe.kind === 'key' ? 1 : pe.kind === 'value' ? 2 : 3;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name);
    case 'key':
      return compareKeyFields(a.fields, (b as typeof a).fields);
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index': {
      const bi = (b as typeof a).index;
      return a.index < bi ? -1 : a.index > bi ? 1 : 0;
    }
  }
}

function compareKeyFields(a: readonly KeyField[], b: readonly KeyField[]): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0;
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const [an, av] = a[i] as KeyField;
    const [bn, bv] = b[i] as KeyField;
    const c = compareStrings(an, bn) || compareValues(av, bv);
    if (c !== 0) return c;
  }
}

/** Go's strings.Compare: byte order of the UTF-8 encodings, i.e. code point order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // UTF-16 puts surrogates (code points above U+FFFF) below U+E000-U+FFFF; code point order does not.
    if (ca >= 0xd800 && ca <= 0xdfff) ca += 0x10000;
    if (cb >= 0xd800 && cb <= 0xdfff) cb += 0x10000;
    return ca < cb ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** structured-merge-diff's total order on values: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown): number =>
    typeof v === 'number'
      ? 0
      : typeof v === 'string'
        ? 1
        : typeof v === 'boolean'
          ? 2
          : Array.isArray(v)
            ? 3
            : isPlainObject(v)
              ? 4
              : 5;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a === false ? -1 : 1;
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; ; i++) {
        if (i >= la.length && i >= lb.length) return 0;
        if (i >= la.length) return -1;
        if (i >= lb.length) return 1;
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
    }
    case 4: {
      const ma = a as Record<string, unknown>;
      const mb = b as Record<string, unknown>;
      const ka = Object.keys(ma).filter((k) => ma[k] !== undefined);
      const kb = Object.keys(mb).filter((k) => mb[k] !== undefined);
      const keys = [...new Set([...ka, ...kb])].sort(compareStrings);
      for (let i = 0; i < keys.length; i++) {
        if (i === ka.length) return -1;
        if (i === kb.length) return 1;
        const k = keys[i] as string;
        if (ma[k] === undefined) return 1;
        if (mb[k] === undefined) return -1;
        const c = compareValues(ma[k], mb[k]);
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return 0;
  }
}

/** structured-merge-diff's value equality: maps unordered, lists ordered, numbers by value. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => valuesEqual(v, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => b[k] !== undefined && valuesEqual(a[k], b[k]));
  }
  return false;
}

/**
 * JSON as Go's encoder writes it: object keys sorted, and `<`, `>`, `&`, U+2028, U+2029 escaped. Used for the
 * inner JSON of `k:` and `v:` elements so that identities match what kube-apiserver writes.
 */
export function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => goJson(v === undefined ? null : v)).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort(compareStrings);
    return `{${keys.map((k) => `${goJson(k)}:${goJson(value[k])}`).join(',')}}`;
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => {
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    });
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value ?? null);
}

export { goQuote } from '../../lib/go-quote.js';

/** structured-merge-diff's `value.ToString`: how values appear inside human-readable paths. */
export function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  if (isPlainObject(v))
    return Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${k}=${valueToString(x)}`)
      .join('');
  return '{{undefined}}';
}

/** `PathElement.String()`: `.name`, `[name="x",port=80]`, `[="value"]`, `[3]`. */
export function pathElementToString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.map(([n, v]) => `${n}=${valueToString(v)}`).join(',')}]`;
    case 'value':
      return `[=${valueToString(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

/** `Path.String()`: e.g. `.spec.containers[name="app"].image`, as conflict messages print fields. */
export function pathToString(path: FieldPath): string {
  return path.map(pathElementToString).join('');
}
