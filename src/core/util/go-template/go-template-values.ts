// The value model. Template data is JSON-shaped, as upstream feeds it (json.Unmarshal into interface{}):
// strings, booleans, numbers (Go float64), null, arrays ([]interface{}) and plain objects
// (map[string]interface{}). Go ints — number literals, len, range indices, sprig's int/add — are bigints.
// `undefined` is Go's "no value" (a missing map key); `null` is a nil interface.

export type GoMap = { [key: string]: unknown };

export function isGoMap(v: unknown): v is GoMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function isNil(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** Go's reflect type name of a value, as it appears in error messages and `%!verb(type=value)`. */
export function goTypeName(v: unknown): string {
  if (isNil(v)) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'undefined':
    case 'object':
    case 'function':
    case 'symbol':
    default:
      if (Array.isArray(v)) return '[]interface {}';
      if (v instanceof Uint8Array) return '[]uint8';
      if (typeof v === 'function') return 'func';
      return 'map[string]interface {}';
  }
}

/** Go template truthiness: false, 0, nil, and empty strings, lists and maps are false. */
export function isTrue(v: unknown): boolean {
  if (isNil(v)) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'boolean':
      return v;
    case 'undefined':
    case 'object':
    case 'function':
    case 'symbol':
    default:
      if (Array.isArray(v)) return v.length > 0;
      if (v instanceof Uint8Array) return v.length > 0;
      if (isGoMap(v)) return Object.keys(v).length > 0;
      return true;
  }
}

/** Keys of a map in the order Go's fmt and text/template range visit them (sorted). */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort(compareStrings);
}

/** Byte-wise string order, as Go compares strings (UTF-16 order differs above the BMP). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** strconv.FormatFloat(f, 'g', -1, 64): shortest representation, exponent form outside [1e-4, 1e21). */
export function formatFloatG(f: number, expThreshold = 21): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expStr] = f.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= expThreshold) {
    const sign = exp < 0 ? '-' : '+';
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const digits = mant.replace('-', '').replace('.', '');
  const neg = f < 0 ? '-' : '';
  if (exp < 0) return `${neg}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return neg + digits + '0'.repeat(exp + 1 - digits.length);
  return `${neg}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** fmt's %v for a float64: %g with the shortest precision, so exponent form from 1e+06 on. */
export function formatFloatV(f: number): string {
  return formatFloatG(f, 6);
}

/** fmt.Sprint(v) for one operand: Go's %v. */
export function formatValue(v: unknown): string {
  if (isNil(v)) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'number':
      return formatFloatV(v);
    case 'boolean':
      return String(v);
    case 'undefined':
    case 'object':
    case 'function':
    case 'symbol':
    default:
      if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
      if (v instanceof Uint8Array) return `[${[...v].join(' ')}]`;
      if (isGoMap(v)) {
        return `map[${sortedKeys(v)
          .map((k) => `${k}:${formatValue(v[k])}`)
          .join(' ')}]`;
      }
      return Object.prototype.toString.call(v);
  }
}

export { goQuote } from '../../../lib/go-quote.js';
