import { crc32c } from './crc32c.js';
import type { KeyValue } from './key-value.js';

/**
 * On-disk framing shared by log segments and snapshots:
 *
 *   u32le payloadLength | u32le crc32c(lengthField ‖ payload) | payload
 *
 * The checksum covers the length field too, so a flipped length bit cannot make the reader skip to a
 * plausible-looking frame. A zero-filled tail (what some filesystems leave after power loss) fails because
 * no payload is empty. Payloads start with a one-byte kind; integers are little-endian, revisions as u64
 * written in two u32 halves (exact up to 2^53).
 */

export const FRAME_HEADER_BYTES = 8;

export const RecordKind = {
  put: 1,
  delete: 2,
  snapshotHeader: 0x10,
  snapshotEntry: 0x11,
  snapshotFooter: 0x12,
} as const;

/** A write as the log stores it; createRevision and version are derived again on replay. */
export type LogRecord =
  | { kind: 'PUT'; revision: number; key: string; value: string }
  | { kind: 'DELETE'; revision: number; key: string };

export type FrameRead =
  | { status: 'ok'; payloadStart: number; payloadEnd: number; next: number }
  /** Fewer bytes than the frame claims: an append cut short by a crash. */
  | { status: 'torn' }
  /** Bytes present but the checksum or shape is wrong. */
  | { status: 'corrupt'; reason: string };

const LOG_PUT_FIXED = 1 + 8 + 4;
const SNAPSHOT_MAGIC = 0x50414e53; // "SNAP"
const SNAPSHOT_FORMAT = 1;

function writeU64(buf: Buffer, offset: number, n: number): void {
  buf.writeUInt32LE(n % 0x1_0000_0000, offset);
  buf.writeUInt32LE(Math.floor(n / 0x1_0000_0000), offset + 4);
}

function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * 0x1_0000_0000;
}

/** Allocates a frame for a payload of `payloadBytes` and returns it; call `sealFrame` after filling it. */
function allocFrame(payloadBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
  buf.writeUInt32LE(payloadBytes, 0);
  return buf;
}

function sealFrame(buf: Buffer): Buffer {
  const seed = crc32c(buf, 0, 4);
  buf.writeUInt32LE(crc32c(buf, FRAME_HEADER_BYTES, buf.length, seed), 4);
  return buf;
}

/** Reads the frame at `offset` of `buf` without decoding its payload. */
export function readFrame(buf: Buffer, offset: number): FrameRead {
  if (offset + FRAME_HEADER_BYTES > buf.length) return { status: 'torn' };
  const length = buf.readUInt32LE(offset);
  const payloadStart = offset + FRAME_HEADER_BYTES;
  const payloadEnd = payloadStart + length;
  if (payloadEnd > buf.length) return { status: 'torn' };
  if (length === 0) return { status: 'corrupt', reason: 'empty frame' };
  const expected = buf.readUInt32LE(offset + 4);
  const actual = crc32c(buf, payloadStart, payloadEnd, crc32c(buf, offset, offset + 4));
  if (expected !== actual) return { status: 'corrupt', reason: 'checksum mismatch' };
  return { status: 'ok', payloadStart, payloadEnd, next: payloadEnd };
}

export function encodeLogRecord(record: LogRecord): Buffer {
  const keyBytes = Buffer.byteLength(record.key);
  const valueBytes = record.kind === 'PUT' ? Buffer.byteLength(record.value) : 0;
  const buf = allocFrame(LOG_PUT_FIXED + keyBytes + valueBytes);
  let o = FRAME_HEADER_BYTES;
  buf[o] = record.kind === 'PUT' ? RecordKind.put : RecordKind.delete;
  writeU64(buf, o + 1, record.revision);
  buf.writeUInt32LE(keyBytes, o + 9);
  o += LOG_PUT_FIXED;
  buf.write(record.key, o, keyBytes, 'utf8');
  if (record.kind === 'PUT') buf.write(record.value, o + keyBytes, valueBytes, 'utf8');
  return sealFrame(buf);
}

/** Decodes a checksummed log payload; undefined when its shape is wrong (treated as corruption). */
export function decodeLogRecord(buf: Buffer, start: number, end: number): LogRecord | undefined {
  if (end - start < LOG_PUT_FIXED) return undefined;
  const kind = buf[start];
  const revision = readU64(buf, start + 1);
  const keyBytes = buf.readUInt32LE(start + 9);
  const keyEnd = start + LOG_PUT_FIXED + keyBytes;
  if (keyEnd > end) return undefined;
  const key = buf.toString('utf8', start + LOG_PUT_FIXED, keyEnd);
  if (kind === RecordKind.put)
    return { kind: 'PUT', revision, key, value: buf.toString('utf8', keyEnd, end) };
  if (kind === RecordKind.delete && keyEnd === end) return { kind: 'DELETE', revision, key };
  return undefined;
}

export interface SnapshotHeader {
  revision: number;
  count: number;
}

export function encodeSnapshotHeader(header: SnapshotHeader): Buffer {
  const buf = allocFrame(1 + 4 + 4 + 8 + 8);
  const o = FRAME_HEADER_BYTES;
  buf[o] = RecordKind.snapshotHeader;
  buf.writeUInt32LE(SNAPSHOT_MAGIC, o + 1);
  buf.writeUInt32LE(SNAPSHOT_FORMAT, o + 5);
  writeU64(buf, o + 9, header.revision);
  writeU64(buf, o + 17, header.count);
  return sealFrame(buf);
}

export function decodeSnapshotHeader(buf: Buffer, start: number, end: number): SnapshotHeader | undefined {
  if (end - start !== 25 || buf[start] !== RecordKind.snapshotHeader) return undefined;
  if (buf.readUInt32LE(start + 1) !== SNAPSHOT_MAGIC || buf.readUInt32LE(start + 5) !== SNAPSHOT_FORMAT) {
    return undefined;
  }
  return { revision: readU64(buf, start + 9), count: readU64(buf, start + 17) };
}

const ENTRY_FIXED = 1 + 8 + 8 + 8 + 4;

export function encodeSnapshotEntry(kv: KeyValue): Buffer {
  const keyBytes = Buffer.byteLength(kv.key);
  const valueBytes = Buffer.byteLength(kv.value);
  const buf = allocFrame(ENTRY_FIXED + keyBytes + valueBytes);
  let o = FRAME_HEADER_BYTES;
  buf[o] = RecordKind.snapshotEntry;
  writeU64(buf, o + 1, kv.createRevision);
  writeU64(buf, o + 9, kv.modRevision);
  writeU64(buf, o + 17, kv.version);
  buf.writeUInt32LE(keyBytes, o + 25);
  o += ENTRY_FIXED;
  buf.write(kv.key, o, keyBytes, 'utf8');
  buf.write(kv.value, o + keyBytes, valueBytes, 'utf8');
  return sealFrame(buf);
}

export function decodeSnapshotEntry(buf: Buffer, start: number, end: number): KeyValue | undefined {
  if (end - start < ENTRY_FIXED || buf[start] !== RecordKind.snapshotEntry) return undefined;
  const keyBytes = buf.readUInt32LE(start + 25);
  const keyEnd = start + ENTRY_FIXED + keyBytes;
  if (keyEnd > end) return undefined;
  return Object.freeze({
    key: buf.toString('utf8', start + ENTRY_FIXED, keyEnd),
    value: buf.toString('utf8', keyEnd, end),
    createRevision: readU64(buf, start + 1),
    modRevision: readU64(buf, start + 9),
    version: readU64(buf, start + 17),
  });
}

export function encodeSnapshotFooter(count: number): Buffer {
  const buf = allocFrame(1 + 8);
  buf[FRAME_HEADER_BYTES] = RecordKind.snapshotFooter;
  writeU64(buf, FRAME_HEADER_BYTES + 1, count);
  return sealFrame(buf);
}

export function decodeSnapshotFooter(buf: Buffer, start: number, end: number): number | undefined {
  if (end - start !== 9 || buf[start] !== RecordKind.snapshotFooter) return undefined;
  return readU64(buf, start + 1);
}
