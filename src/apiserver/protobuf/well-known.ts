/**
 * The apimachinery types whose protobuf form differs from their JSON form: Time, MicroTime, Quantity,
 * IntOrString, FieldsV1, and `[]string` wrapper messages (ExtraValue, AttestationValue).
 */
import { ProtobufDecodeError } from './errors.js';
import type { WellKnownType } from './schema.js';
import { WireReader, WireType } from './wire.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes UTF-8 like Go's encoding/json writes it: invalid sequences become U+FFFD. */
export function decodeString(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Calls `onField` for each field of a small message, skipping fields it does not claim. */
function eachField(
  bytes: Uint8Array,
  onField: (field: number, wire: number, reader: WireReader) => boolean,
): void {
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const { field, wire } = reader.key();
    if (!onField(field, wire, reader)) reader.skip(wire, field);
  }
}

function expectWire(field: number, wire: number, expected: number): void {
  if (wire !== expected)
    throw new ProtobufDecodeError(
      'Malformed',
      `wrong wire type ${wire} for field ${field} (want ${expected})`,
    );
}

/** Go's zero `time.Time` (0001-01-01T00:00:00Z) in Unix seconds; metav1 encodes it as `null`. */
const GO_ZERO_UNIX_SECONDS = -62135596800n;
/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range RFC 3339's four-digit years can express. */
const MIN_RFC3339_SECONDS = -62167219200n;
const MAX_RFC3339_SECONDS = 253402300799n;

interface Timestamp {
  seconds: bigint;
  nanos: bigint;
}

function decodeTimestamp(bytes: Uint8Array): Timestamp | undefined {
  if (bytes.length === 0) return undefined;
  const ts: Timestamp = { seconds: 0n, nanos: 0n };
  eachField(bytes, (field, wire, reader) => {
    if (field !== 1 && field !== 2) return false;
    expectWire(field, wire, WireType.Varint);
    if (field === 1) ts.seconds = BigInt.asIntN(64, reader.varint());
    else ts.nanos = BigInt.asIntN(32, reader.varint());
    return true;
  });
  return ts;
}

/** `YYYY-MM-DDTHH:MM:SS` (UTC) for whole Unix seconds. */
function formatSeconds(seconds: bigint): string {
  if (seconds < MIN_RFC3339_SECONDS || seconds > MAX_RFC3339_SECONDS)
    throw new ProtobufDecodeError('Malformed', `timestamp ${seconds}s is outside years 0000-9999`);
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
}

/**
 * metav1.Time: RFC 3339 in UTC with whole seconds, `null` when zero. Like apimachinery's
 * `Time.Unmarshal`, nanoseconds on the wire are dropped (JSON carries seconds only).
 */
export function timeToJson(bytes: Uint8Array): string | null {
  const ts = decodeTimestamp(bytes);
  if (ts === undefined || ts.seconds === GO_ZERO_UNIX_SECONDS) return null;
  return `${formatSeconds(ts.seconds)}Z`;
}

/**
 * metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits (kube-apiserver parses the fixed
 * layout `2006-01-02T15:04:05.000000Z07:00`), `null` when zero. Nanoseconds are truncated toward zero to
 * microseconds and may carry into the seconds, as Go's `time.Unix` normalises them.
 */
export function microTimeToJson(bytes: Uint8Array): string | null {
  const ts = decodeTimestamp(bytes);
  if (ts === undefined) return null;
  const micros = ts.seconds * 1_000_000n + ts.nanos / 1000n; // BigInt division truncates toward zero
  let seconds = micros / 1_000_000n;
  let fraction = micros % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  if (seconds === GO_ZERO_UNIX_SECONDS && fraction === 0n) return null;
  return `${formatSeconds(seconds)}.${fraction.toString().padStart(6, '0')}Z`;
}

/** resource.Quantity: its canonical string. An absent string is the zero quantity, `"0"`. */
export function quantityToJson(bytes: Uint8Array): string {
  let value: string | undefined;
  eachField(bytes, (field, wire, reader) => {
    if (field !== 1) return false;
    expectWire(field, wire, WireType.LengthDelimited);
    value = decodeString(reader.bytes());
    return true;
  });
  if (value === undefined) return '0';
  if (value.trim() === '') throw new ProtobufDecodeError('Malformed', 'quantity is an empty string');
  return value;
}

/** intstr.IntOrString: `{type: 0=Int|1=String, intVal, strVal}` → a JSON number or string. */
export function intOrStringToJson(bytes: Uint8Array): number | string {
  let type = 0n;
  let intVal = 0;
  let strVal = '';
  eachField(bytes, (field, wire, reader) => {
    switch (field) {
      case 1:
        expectWire(field, wire, WireType.Varint);
        type = BigInt.asIntN(64, reader.varint());
        return true;
      case 2:
        expectWire(field, wire, WireType.Varint);
        intVal = Number(BigInt.asIntN(32, reader.varint()));
        return true;
      case 3:
        expectWire(field, wire, WireType.LengthDelimited);
        strVal = decodeString(reader.bytes());
        return true;
      default:
        return false;
    }
  });
  if (type === 0n) return intVal;
  if (type === 1n) return strVal;
  throw new ProtobufDecodeError('Malformed', `IntOrString has impossible type ${type}`);
}

/** metav1.FieldsV1: its `Raw` bytes are the JSON itself (managedFields entries). */
export function fieldsV1ToJson(bytes: Uint8Array): unknown {
  let raw: Uint8Array | undefined;
  eachField(bytes, (field, wire, reader) => {
    if (field !== 1) return false;
    expectWire(field, wire, WireType.LengthDelimited);
    raw = reader.bytes();
    return true;
  });
  if (raw === undefined) return null;
  try {
    return JSON.parse(decodeString(raw)) as unknown;
  } catch {
    throw new ProtobufDecodeError('Malformed', 'FieldsV1 does not hold JSON');
  }
}

/** A Go `[]string` type wrapped as `message { repeated string items = 1; }`. */
export function stringListToJson(bytes: Uint8Array): string[] {
  const items: string[] = [];
  eachField(bytes, (field, wire, reader) => {
    if (field !== 1) return false;
    expectWire(field, wire, WireType.LengthDelimited);
    items.push(decodeString(reader.bytes()));
    return true;
  });
  return items;
}

export function wellKnownToJson(type: WellKnownType, bytes: Uint8Array): unknown {
  switch (type) {
    case 'Time':
      return timeToJson(bytes);
    case 'MicroTime':
      return microTimeToJson(bytes);
    case 'Quantity':
      return quantityToJson(bytes);
    case 'IntOrString':
      return intOrStringToJson(bytes);
    case 'FieldsV1':
      return fieldsV1ToJson(bytes);
    case 'StringList':
      return stringListToJson(bytes);
  }
}
