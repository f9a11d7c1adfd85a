import { ProtobufDecodeError } from './errors.js';

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/). */
export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;

/** Field numbers are 29 bits; Go's generated code rejects 0 and anything that does not fit. */
const MAX_FIELD_NUMBER = 2 ** 29 - 1;
/** Groups are obsolete and never used by Kubernetes; cap their nesting when skipping them. */
const MAX_GROUP_DEPTH = 64;

const truncated = (): ProtobufDecodeError =>
  new ProtobufDecodeError('Truncated', 'unexpected end of protobuf data');

/**
 * A cursor over protobuf bytes. Every read checks bounds and throws `ProtobufDecodeError`
 * (`Truncated` or `Malformed`), never a RangeError.
 */
export class WireReader {
  #buf: Uint8Array;
  #pos: number;
  #end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  /** An unsigned varint of up to 64 bits. */
  varint(): bigint {
    let low = 0;
    let shift = 0;
    // Fast path: the first four bytes (28 bits) fit a JS number exactly.
    for (; shift < 28; shift += 7) {
      const b = this.#byte();
      low |= (b & 0x7f) << shift;
      if (b < 0x80) return BigInt(low >>> 0);
    }
    let value = BigInt(low >>> 0);
    for (let i = 4; i < 10; i++) {
      const b = this.#byte();
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      // Like Go's generated code, bits past the 64th in a tenth byte are dropped, not rejected.
      if (b < 0x80) return BigInt.asUintN(64, value);
    }
    throw new ProtobufDecodeError('Malformed', 'varint longer than 10 bytes');
  }

  /** A field key: its number and wire type. */
  key(): { field: number; wire: number } {
    const raw = this.varint();
    const field = Number(raw >> 3n);
    const wire = Number(raw & 7n);
    if (field === 0 || field > MAX_FIELD_NUMBER)
      throw new ProtobufDecodeError('Malformed', `illegal field number ${raw >> 3n}`);
    if (wire > WireType.Fixed32) throw new ProtobufDecodeError('Malformed', `illegal wire type ${wire}`);
    return { field, wire };
  }

  /** A length-delimited payload, as a view (no copy) into the underlying buffer. */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len > BigInt(this.#end - this.#pos)) throw truncated();
    const start = this.#pos;
    this.#pos += Number(len);
    return this.#buf.subarray(start, this.#pos);
  }

  /** Skips a value of the given wire type; `field` is needed to match a group's end marker. */
  skip(wire: number, field: number, depth = 0): void {
    switch (wire) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.#advance(8);
        return;
      case WireType.LengthDelimited:
        this.bytes();
        return;
      case WireType.Fixed32:
        this.#advance(4);
        return;
      case WireType.StartGroup: {
        if (depth >= MAX_GROUP_DEPTH) throw new ProtobufDecodeError('Malformed', 'groups nested too deeply');
        for (;;) {
          if (this.done) throw truncated();
          const k = this.key();
          if (k.wire === WireType.EndGroup) {
            if (k.field !== field)
              throw new ProtobufDecodeError('Malformed', `mismatched end of group ${field}`);
            return;
          }
          this.skip(k.wire, k.field, depth + 1);
        }
      }
      case WireType.EndGroup:
        throw new ProtobufDecodeError('Malformed', `unexpected end of group ${field}`);
      default:
        throw new ProtobufDecodeError('Malformed', `illegal wire type ${wire}`);
    }
  }

  #byte(): number {
    if (this.#pos >= this.#end) throw truncated();
    return this.#buf[this.#pos++] as number;
  }

  #advance(n: number): void {
    if (this.#end - this.#pos < n) throw truncated();
    this.#pos += n;
  }
}

/** The few writer primitives the OpenAPI v2 encoder and the tests need. */
export function encodeVarint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** `key + length + payload` for a length-delimited field. */
export function lengthDelimited(field: number, payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  const head = [...encodeVarint((field << 3) | WireType.LengthDelimited), ...encodeVarint(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
