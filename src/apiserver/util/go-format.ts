/**
 * The few pieces of Go's `fmt`, `strconv` and `encoding/json` output that the query languages echo back to
 * users (error messages, kubectl's `-o jsonpath` text, Table cells). Kept here so every file prints values
 * the way the Go code it mirrors would.
 */

export { goQuote, isGoPrintable } from '../../lib/go-quote.js';
import { isGoPrintable } from '../../lib/go-quote.js';

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Go's `%#U`: `U+002A '*'` for printable runes, `U+0009` otherwise. */
export function goRuneU(codePoint: number): string {
  const code = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  return isGoPrintable(codePoint) ? `${code} '${String.fromCodePoint(codePoint)}'` : code;
}

/**
 * Go's `%v` for a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest round-trip digits, in exponent
 * form when the decimal exponent is below -4 or at least 6 (`1.2345675e+06`, `1e-05`), with at least two
 * exponent digits. Unlike JavaScript, whose threshold is 21.
 */
export function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa = '0', expText = '0'] = f.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const frac = digits.slice(1);
    const expSign = exp < 0 ? '-' : '+';
    const expDigits = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${digits[0] ?? '0'}${frac ? `.${frac}` : ''}e${expSign}${expDigits}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}${fracPart ? `.${fracPart}` : ''}`;
}

const INT64_LIMIT = 2 ** 63;

/**
 * Whether a decoded JSON number was an int64 in Go (apimachinery's unstructured decoding keeps integral
 * numbers that fit as int64 and turns the rest into float64). `2.0` written in JSON is a float64 in Go but
 * indistinguishable here; YAML input is normalised to `2` by sigs.k8s.io/yaml anyway.
 */
export function isGoInt(n: number): boolean {
  return Number.isInteger(n) && n >= -INT64_LIMIT && n < INT64_LIMIT;
}

/** How a JSON number prints in Go's `%v`: int64 values as integers, the rest as float64. */
export function goFormatNumber(n: number): string {
  return isGoInt(n) ? String(n) : goFormatFloat(n);
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

function goJsonString(s: string): string {
  return JSON.stringify(s).replace(HTML_UNSAFE, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}

/**
 * Go's `json.Marshal` of a decoded JSON value: object keys sorted, `<`, `>`, `&`, U+2028 and U+2029
 * escaped, integral numbers as integers.
 */
export function goJsonMarshal(value: unknown): string {
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(goJsonMarshal).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${goJsonString(k)}:${goJsonMarshal(record[k])}`).join(',')}}`;
}

/** Go's `%v` of a decoded JSON value (`map[a:1 b:[x y]]`, `<nil>`), as error messages print it. */
export function goSprintV(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return goFormatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goSprintV).join(' ')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `map[${keys.map((k) => `${k}:${goSprintV(record[k])}`).join(' ')}]`;
}
