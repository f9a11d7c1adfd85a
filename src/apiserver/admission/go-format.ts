import { deepEqual } from '../util/deep-equal.js';
/**
 * How kube-apiserver (Go) prints values inside validation messages, for the few places where a JSON rendering
 * would read differently: `%v` of float64, `%#v` of decoded JSON (`map[string]interface {}{...}`) and of
 * `[]string`, and `time.Time.String()`.
 */

/** JSON values as decoded from a request body. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// `%v` of float64 and of JSON numbers, and strconv.Quote: the shared Go formatting of util/go-format.
export { goFormatFloat as goFloat, goFormatNumber as goNumber, goQuote } from '../util/go-format.js';
import { goFormatNumber as goNumber, goQuote } from '../util/go-format.js';

/** `%#v` of a value decoded from JSON into interface{} (maps with sorted keys, as Go prints them). */
export function goSharpV(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSharpV).join(', ')}}`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[string]interface {}{${keys.map((k) => `${goQuote(k)}:${goSharpV(value[k])}`).join(', ')}}`;
  }
  return Object.prototype.toString.call(value);
}

/** `%#v` of a []string: `[]string{"a", "b"}`. */
export function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/** time.Time.String() of an RFC 3339 timestamp (`2024-01-02 03:04:05 +0000 UTC`); the input when unparsable. */
export function goTime(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/.exec(rfc3339);
  if (!m) return rfc3339;
  const frac = m[3] ? m[3].replace(/0+$/, '') : '';
  const fraction = frac === '.' ? '' : frac;
  if (m[4] === 'Z' || m[4] === 'z') return `${m[1]} ${m[2]}${fraction} +0000 UTC`;
  const zone = `${m[5]}${m[6]}${m[7]}`;
  return `${m[1]} ${m[2]}${fraction} ${zone} ${zone}`;
}

/** Go's json.Marshal of decoded JSON: object keys sorted. */
export function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${goJson(value[k])}`).join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value ?? null);
}

/** Structural equality of JSON values: the API server's one implementation. */
export const jsonEqual = deepEqual;

/** Deep copy of a JSON value. */
export function cloneJson<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** field.Path helpers: `a.b`, `a[key]`, `a[0]`. */
export const child = (base: string, name: string): string => (base ? `${base}.${name}` : name);
export const key = (base: string, k: string): string => `${base}[${k}]`;
export const index = (base: string, i: number): string => `${base}[${i}]`;
