import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from './crc32c.js';
import {
  decodeLogRecord,
  decodeSnapshotEntry,
  encodeLogRecord,
  encodeSnapshotEntry,
  readFrame,
} from './record-codec.js';

describe('crc32c', () => {
  it('matches the Castagnoli check value and chains across pieces', () => {
    const data = Buffer.from('123456789');
    assert.equal(crc32c(data), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    const long = Buffer.from('the quick brown fox jumps over the lazy dog, twice over for slicing-by-8');
    assert.equal(crc32c(long), crc32c(long, 13, long.length, crc32c(long, 0, 13)));
  });

  it('agrees with a bit-at-a-time reference at every length and alignment', () => {
    const reference = (buf: Uint8Array): number => {
      let c = 0xffffffff;
      for (const b of buf) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    const data = Buffer.from(Array.from({ length: 80 }, (_, i) => (i * 37 + 11) & 0xff));
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= data.length; end++) {
        assert.equal(crc32c(data, start, end), reference(data.subarray(start, end)));
      }
    }
  });
});

describe('log record framing', () => {
  it('round-trips PUT and DELETE records with multi-byte text', () => {
    const put = encodeLogRecord({
      kind: 'PUT',
      revision: 2 ** 40 + 7,
      key: '/registry/ä/ns/n',
      value: '{"x":"✓"}',
    });
    const frame = readFrame(put, 0);
    assert.equal(frame.status, 'ok');
    if (frame.status !== 'ok') return;
    assert.equal(frame.next, put.length);
    assert.deepEqual(decodeLogRecord(put, frame.payloadStart, frame.payloadEnd), {
      kind: 'PUT',
      revision: 2 ** 40 + 7,
      key: '/registry/ä/ns/n',
      value: '{"x":"✓"}',
    });
    const del = encodeLogRecord({ kind: 'DELETE', revision: 9, key: 'k' });
    const f2 = readFrame(del, 0);
    assert.ok(f2.status === 'ok');
    assert.deepEqual(decodeLogRecord(del, f2.payloadStart, f2.payloadEnd), {
      kind: 'DELETE',
      revision: 9,
      key: 'k',
    });
  });

  it('reports a cut frame as torn and any flipped bit as corrupt', () => {
    const rec = encodeLogRecord({ kind: 'PUT', revision: 3, key: 'a', value: 'hello' });
    for (let cut = 0; cut < rec.length; cut++)
      assert.equal(readFrame(rec.subarray(0, cut), 0).status, 'torn');
    for (let byte = 0; byte < rec.length; byte++) {
      const bad = Buffer.from(rec);
      bad[byte]! ^= 0x10;
      assert.notEqual(readFrame(bad, 0).status, 'ok', `flip in byte ${byte} went unnoticed`);
    }
    assert.equal(readFrame(Buffer.alloc(64), 0).status, 'corrupt', 'a zero-filled tail is not a record');
  });

  it('round-trips snapshot entries with their revisions', () => {
    const kv = { key: 'k', value: 'v', createRevision: 5, modRevision: 9, version: 3 };
    const buf = encodeSnapshotEntry(kv);
    const frame = readFrame(buf, 0);
    assert.ok(frame.status === 'ok');
    assert.deepEqual(decodeSnapshotEntry(buf, frame.payloadStart, frame.payloadEnd), kv);
  });
});
