/**
 * Decode-level checks for built-in kinds: what kube-apiserver's JSON decoder rejects before validation runs,
 * answered with 400 BadRequest `<Kind> in version "<v>" cannot be handled as a <Kind>: <decode error>`.
 *
 * - `metav1.MicroTime` (Lease `spec.acquireTime`/`spec.renewTime`, Event `eventTime`,
 *   `series.lastObservedTime`) is parsed with the fixed layout `2006-01-02T15:04:05.000000Z07:00`: exactly
 *   six fractional digits, so JavaScript's `toISOString()` (three) fails (apimachinery `micro_time.go`).
 * - `metav1.Time` is parsed with `time.RFC3339`, which accepts any fraction and any offset.
 * - `[]byte` fields (Secret `data`, ConfigMap `binaryData`) must be standard padded base64.
 *
 * Error texts reproduce Go's `time.ParseError` and `base64.CorruptInputError`. `normalizeTimes` then rewrites
 * accepted values the way the server serialises them: Time in UTC at second precision, MicroTime in UTC with
 * six digits.
 */
import type { JSONSchemaProps, KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { isObject } from './object-access.js';

const RFC3339 = '2006-01-02T15:04:05Z07:00';
const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

const microTimeFields = new Map<string, ReadonlySet<string>>();

const gvkKey = (def: Pick<ResourceDefinition, 'group' | 'version' | 'kind'>) =>
  `${def.group}/${def.version}/${def.kind}`;

/** Records which paths of a kind are MicroTime (dotted, `[]` for list items). Called by `defineBuiltin`. */
export function registerMicroTimeFields(
  def: Pick<ResourceDefinition, 'group' | 'version' | 'kind'>,
  paths: readonly string[],
): void {
  microTimeFields.set(gvkKey(def), new Set(paths));
}

export function microTimeFieldsOf(def: Pick<ResourceDefinition, 'group' | 'version' | 'kind'>): string[] {
  return [...(microTimeFields.get(gvkKey(def)) ?? [])];
}

/** A parsed RFC 3339 instant. */
export interface ParsedTime {
  /** Milliseconds since the epoch (UTC). */
  epochMs: number;
  /** Sub-second part in nanoseconds. */
  nanos: number;
}

type ParseResult = { ok: true; time: ParsedTime } | { ok: false; error: string };

/** Go's time.Parse with the RFC3339 (`micro` false) or RFC3339Micro layout, including its error texts. */
export function parseGoTime(input: string, micro: boolean): ParseResult {
  // Go works on bytes; a latin1 view of the UTF-8 bytes gives one char per byte.
  const value = Buffer.from(input, 'utf8').toString('latin1');
  const layout = micro ? RFC3339_MICRO : RFC3339;
  const chunks: { prefix: string; std: string }[] = [
    { prefix: '', std: '2006' },
    { prefix: '-', std: '01' },
    { prefix: '-', std: '02' },
    { prefix: 'T', std: '15' },
    { prefix: ':', std: '04' },
    { prefix: ':', std: '05' },
    ...(micro ? [{ prefix: '', std: '.000000' }] : []),
    { prefix: '', std: 'Z07:00' },
  ];
  const cannotParse = (valueElem: string, layoutElem: string): ParseResult => ({
    ok: false,
    error: `parsing time ${goTimeQuote(value)} as ${goTimeQuote(layout)}: cannot parse ${goTimeQuote(valueElem)} as ${goTimeQuote(layoutElem)}`,
  });
  const withMessage = (message: string): ParseResult => ({
    ok: false,
    error: `parsing time ${goTimeQuote(value)}${message}`,
  });

  let rest = value;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let offset = 0;

  for (let i = 0; i < chunks.length; i++) {
    const { prefix, std } = chunks[i] as { prefix: string; std: string };
    for (const ch of prefix) {
      if (rest.length === 0 || rest[0] !== ch) return cannotParse(rest, prefix);
      rest = rest.slice(1);
    }
    const hold = rest;
    let bad = false;
    let range = '';
    switch (std) {
      case '2006': {
        if (rest.length < 4 || !isDigit(rest, 0)) {
          bad = true;
          break;
        }
        const n = atoi(rest.slice(0, 4));
        rest = rest.slice(4);
        if (n === undefined) bad = true;
        else year = n;
        break;
      }
      case '01':
      case '02':
      case '04':
      case '05':
      case '15': {
        const got = getnum(rest, std !== '15');
        if (!got) {
          bad = true;
          break;
        }
        rest = got.rest;
        if (std === '01') {
          month = got.n;
          if (month <= 0 || month > 12) range = 'month';
        } else if (std === '02') {
          day = got.n;
        } else if (std === '15') {
          hour = got.n;
          if (hour >= 24) range = 'hour';
        } else if (std === '04') {
          minute = got.n;
          if (minute >= 60) range = 'minute';
        } else {
          second = got.n;
          if (second >= 60) {
            range = 'second';
            break;
          }
          // A fraction in the input but not in the layout is accepted (RFC3339 only).
          const nextStd = chunks[i + 1]?.std;
          if (rest.length >= 2 && isCommaOrPeriod(rest, 0) && isDigit(rest, 1) && nextStd !== '.000000') {
            let n = 2;
            while (n < rest.length && isDigit(rest, n)) n++;
            const frac = parseNanoseconds(rest, n);
            rest = rest.slice(n);
            if (frac.bad) bad = true;
            else if (frac.range) range = frac.range;
            else nanos = frac.ns;
          }
        }
        break;
      }
      case '.000000': {
        if (rest.length < 7) {
          bad = true;
          break;
        }
        const frac = parseNanoseconds(rest, 7);
        rest = rest.slice(7);
        if (frac.bad) bad = true;
        else if (frac.range) range = frac.range;
        else nanos = frac.ns;
        break;
      }
      case 'Z07:00': {
        if (rest.length >= 1 && rest[0] === 'Z') {
          rest = rest.slice(1);
          offset = 0;
          break;
        }
        if (rest.length < 6 || rest[3] !== ':') {
          bad = true;
          break;
        }
        const sign = rest[0];
        const hh = getnum(rest.slice(1, 3), true);
        const mm = getnum(rest.slice(4, 6), true);
        rest = rest.slice(6);
        if (!hh || !mm) {
          bad = true;
          break;
        }
        if (hh.n > 24) range = 'time zone offset hour';
        if (mm.n > 60) range = 'time zone offset minute';
        offset = (hh.n * 60 + mm.n) * 60;
        if (sign === '-') offset = -offset;
        else if (sign !== '+') bad = true;
        break;
      }
    }
    if (range) return withMessage(`: ${range} out of range`);
    if (bad) return cannotParse(hold, std);
  }
  if (rest.length > 0) return withMessage(`: extra text: ${goTimeQuote(rest)}`);
  if (day < 1 || day > daysIn(month, year)) return withMessage(': day out of range');

  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return { ok: true, time: { epochMs: d.getTime() - offset * 1000, nanos } };
}

/** The server's serialisation of a Time (`micro` false) or MicroTime. */
export function formatGoTime(t: ParsedTime, micro: boolean): string {
  const d = new Date(t.epochMs);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return micro ? `${base}.${pad(Math.floor(t.nanos / 1000), 6)}Z` : `${base}Z`;
}

/** Go's time-package quote(): ASCII as is (with `"` and `\` escaped), other bytes as \xNN. */
function goTimeQuote(bytes: string): string {
  let out = '"';
  for (const ch of bytes) {
    const c = ch.charCodeAt(0);
    if (c >= 0x80 || c < 0x20) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  }
  return `${out}"`;
}

const isDigit = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;
const isCommaOrPeriod = (s: string, i: number) => s[i] === '.' || s[i] === ',';

function getnum(s: string, fixed: boolean): { n: number; rest: string } | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) {
    if (fixed) return undefined;
    return { n: s.charCodeAt(0) - 48, rest: s.slice(1) };
  }
  return { n: (s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), rest: s.slice(2) };
}

/** Go's internal atoi: optional sign, digits, nothing else (the empty string is 0). */
function atoi(s: string): number | undefined {
  let rest = s;
  let neg = false;
  if (rest[0] === '-' || rest[0] === '+') {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  let i = 0;
  let x = 0;
  while (i < rest.length && isDigit(rest, i)) x = x * 10 + (rest.charCodeAt(i++) - 48);
  if (i < rest.length) return undefined;
  return neg ? -x : x;
}

function parseNanoseconds(value: string, nbytes: number): { ns: number; bad?: boolean; range?: string } {
  if (!isCommaOrPeriod(value, 0)) return { ns: 0, bad: true };
  const n = Math.min(nbytes, 10);
  const ns = atoi(value.slice(1, n));
  if (ns === undefined) return { ns: 0, bad: true };
  if (ns < 0) return { ns: 0, range: 'fractional second' };
  return { ns: ns * 10 ** (10 - n) };
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/**
 * Offset at which Go's base64.StdEncoding.Decode reports `illegal base64 data at input byte N`, or undefined
 * when the text decodes. Newlines are skipped, padding is required.
 */
export function base64CorruptOffset(text: string): number | undefined {
  const src = Buffer.from(text, 'utf8').toString('latin1');
  const isNewline = (i: number) => src[i] === '\n' || src[i] === '\r';
  const isAlphabet = (c: number) =>
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
  let si = 0;
  while (si < src.length) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return undefined;
        return si - j;
      }
      const c = src.charCodeAt(si);
      si++;
      if (isAlphabet(c)) continue;
      if (c === 10 || c === 13) {
        j--;
        continue;
      }
      if (c !== 61) return si - 1;
      if (j === 0 || j === 1) return si - 1;
      if (j === 2) {
        while (si < src.length && isNewline(si)) si++;
        if (si === src.length) return src.length;
        if (src[si] !== '=') return si - 1;
        si++;
      }
      while (si < src.length && isNewline(si)) si++;
      if (si < src.length) return si;
      return undefined;
    }
  }
  return undefined;
}

type FieldKind = 'time' | 'micro' | 'bytes';

interface Visit {
  kind: FieldKind;
  value: unknown;
  set: (v: string) => void;
}

/** Walks `obj` in document order alongside its schema, reporting Time, MicroTime and []byte fields. */
function walkWireFields(obj: unknown, def: ResourceDefinition, visit: (v: Visit) => 'stop' | void): void {
  const micro = microTimeFields.get(gvkKey(def)) ?? new Set<string>();
  const walk = (
    value: unknown,
    schema: JSONSchemaProps | undefined,
    path: string,
    set: (v: string) => void,
  ) => {
    if (!schema) return 'continue';
    if (schema.type === 'string' && schema.format === 'date-time') {
      return visit({ kind: micro.has(path) ? 'micro' : 'time', value, set }) === 'stop' ? 'stop' : 'continue';
    }
    if (schema.type === 'string' && schema.format === 'byte') {
      return visit({ kind: 'bytes', value, set }) === 'stop' ? 'stop' : 'continue';
    }
    if (Array.isArray(value)) {
      if (!schema.items) return 'continue';
      for (let i = 0; i < value.length; i++) {
        const r = walk(value[i], schema.items, `${path}[]`, (v) => (value[i] = v));
        if (r === 'stop') return 'stop';
      }
      return 'continue';
    }
    if (isObject(value)) {
      for (const key of Object.keys(value)) {
        const sub =
          schema.properties?.[key] ??
          (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        const subPath = schema.properties?.[key] ? (path ? `${path}.${key}` : key) : `${path}.*`;
        const r = walk(value[key], sub, subPath, (v) => (value[key] = v));
        if (r === 'stop') return 'stop';
      }
    }
    return 'continue';
  };
  walk(obj, def.schema, '', () => undefined);
}

const jsonKindName = (v: unknown) =>
  Array.isArray(v) ? 'array' : isObject(v) ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;

/** The decode error of one field, or undefined when Go would accept it. */
function fieldDecodeError(kind: FieldKind, value: unknown, def: ResourceDefinition): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') {
    return kind === 'bytes'
      ? `json: cannot unmarshal ${jsonKindName(value)} into Go struct field ${def.kind}.data of type []uint8`
      : `json: cannot unmarshal ${jsonKindName(value)} into Go value of type string`;
  }
  if (kind === 'bytes') {
    const at = base64CorruptOffset(value);
    return at === undefined ? undefined : `illegal base64 data at input byte ${at}`;
  }
  const parsed = parseGoTime(value, kind === 'micro');
  return parsed.ok ? undefined : parsed.error;
}

function decodeMessage(def: ResourceDefinition, err: string): string {
  return `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${err}`;
}

/**
 * The 400 message for the first MicroTime field without exactly six fractional digits (or otherwise
 * unparseable), or undefined when all MicroTime fields decode.
 */
export function checkMicroTimes(obj: KubeObject, def: ResourceDefinition): string | undefined {
  let error: string | undefined;
  walkWireFields(obj, def, ({ kind, value }) => {
    if (kind !== 'micro') return;
    error = fieldDecodeError(kind, value, def);
    return error ? 'stop' : undefined;
  });
  return error === undefined ? undefined : decodeMessage(def, error);
}

/**
 * Every decode-level check (MicroTime, Time, base64) in document order, as the Go decoder meets them: a time
 * error stops decoding at once, a base64 error is remembered and reported at the end. Returns the 400
 * message, or undefined. Call it on POST/PUT bodies (and on patched objects) before validation.
 */
export function checkWireFormat(obj: KubeObject, def: ResourceDefinition): string | undefined {
  let timeError: string | undefined;
  let bytesError: string | undefined;
  walkWireFields(obj, def, ({ kind, value }) => {
    const error = fieldDecodeError(kind, value, def);
    if (!error) return;
    if (kind === 'bytes') {
      bytesError ??= error;
      return;
    }
    timeError = error;
    return 'stop';
  });
  const error = timeError ?? bytesError;
  return error === undefined ? undefined : decodeMessage(def, error);
}

/**
 * Rewrites every accepted Time field to UTC at second precision and every MicroTime field to UTC with six
 * fractional digits, as the server returns them. Invalid values are left alone (see checkWireFormat).
 */
export function normalizeTimes(obj: KubeObject, def: ResourceDefinition): void {
  walkWireFields(obj, def, ({ kind, value, set }) => {
    if (kind === 'bytes' || typeof value !== 'string') return;
    const parsed = parseGoTime(value, kind === 'micro');
    if (parsed.ok) set(formatGoTime(parsed.time, kind === 'micro'));
  });
}
