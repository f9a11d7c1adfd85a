import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { KeyValue } from './key-value.js';
import { readFrame } from './record-codec.js';
import { type DurableStoreOptions, RevisionedStore } from './revisioned-store.js';
import { isStoreLocked } from './storage-errors.js';
import { record, until } from './test-helpers.js';

const roots: string[] = [];
after(async () => {
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'capi-storage-'));
  roots.push(dir);
  return dir;
}

const open = (dir: string, options: Partial<DurableStoreOptions> = {}): Promise<RevisionedStore> =>
  RevisionedStore.open({ dir, retention: false, ...options });

/** Every live KV, for comparing two stores. */
const dump = (store: RevisionedStore): KeyValue[] => store.range('').kvs.map((kv) => ({ ...kv }));

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^wal-[0-9a-f]{16}\.log$/.test(n)).sort();
}

/** Byte offsets where each record of a segment starts, plus the end offset. */
function frameOffsets(buf: Buffer): number[] {
  const offsets = [0];
  for (;;) {
    const frame = readFrame(buf, offsets[offsets.length - 1]!);
    if (frame.status !== 'ok') return offsets;
    offsets.push(frame.next);
  }
}

describe('durable store persistence', () => {
  it('reopens with the same revision counter and per-key create/mod revisions and versions', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    const a = await store.create('/r/a', '{"a":1}');
    await store.update('/r/a', '{"a":2}', a.modRevision);
    await store.create('/r/b', '{"b":1}');
    await store.delete('/r/b');
    await store.create('/r/b', '{"b":2}');
    await store.create('/r/ü', '{"text":"naïve ✓"}');
    const before = dump(store);
    const revision = store.currentRevision;
    await store.close();

    const reopened = await open(dir);
    assert.equal(reopened.currentRevision, revision);
    assert.deepEqual(dump(reopened), before);
    assert.deepEqual(
      { ...reopened.get('/r/a') },
      { key: '/r/a', value: '{"a":2}', createRevision: 2, modRevision: 3, version: 2 },
    );
    // History replayed from the log still serves old snapshots and watches.
    assert.equal(reopened.range('/r/', { revision: 4 }).kvs.length, 2);
    const rec = record(reopened, '/r/b', 4);
    const next = await reopened.create('/r/c', 'x');
    assert.equal(next.modRevision, revision + 1, 'revisions stay monotonic across restarts');
    await until(() => rec.events.length === 2);
    assert.deepEqual(
      rec.events.map((e) => [e.type, e.revision, e.prevKv?.value]),
      [
        ['DELETE', 5, '{"b":1}'],
        ['PUT', 6, undefined],
      ],
    );
    await reopened.close();
  });

  it('refuses a second open of a locked directory and takes over a stale lock', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await assert.rejects(open(dir), isStoreLocked);
    await store.close();
    // A lock left by a process that no longer exists (pid far above pid_max).
    await writeFile(path.join(dir, 'LOCK'), '999999999 12345\n');
    const again = await open(dir);
    await again.close();
  });
});

describe('durable store recovery', () => {
  it('survives a torn tail cut at every byte of the last records', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    const values = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      const key = `/t/${i}`;
      const value = JSON.stringify({ i, pad: 'p'.repeat(i * 3) });
      await store.create(key, value);
      values.set(key, value);
    }
    await store.update('/t/3', '{"changed":true}', 5);
    values.set('/t/3', '{"changed":true}');
    await store.close();
    const [segment] = await segmentFiles(dir);
    const full = await readFile(path.join(dir, segment!));
    const offsets = frameOffsets(full);
    assert.equal(offsets[offsets.length - 1], full.length);
    const records = offsets.length - 1; // revisions 2..records+1
    const keys = [...values.keys()];

    const copy = await tempDir();
    const firstCut = offsets[records - 3]!;
    for (let cut = firstCut; cut <= full.length; cut++) {
      await rm(copy, { recursive: true, force: true });
      await cp(dir, copy, { recursive: true });
      await truncate(path.join(copy, segment!), cut);
      const complete = offsets.filter((o) => o > 0 && o <= cut).length;
      const reopened = await open(copy);
      assert.equal(reopened.currentRevision, complete + 1, `cut at ${cut}`);
      // Records 1..12 are the creates of /t/0../t/11, record 13 the update of /t/3.
      for (let i = 0; i < Math.min(complete, 12); i++)
        assert.ok(reopened.get(keys[i]!), `cut ${cut}: key ${i}`);
      assert.equal(reopened.get('/t/3')?.version, complete === 13 ? 2 : 1);
      if (cut < full.length) assert.ok(cut === offsets[complete] || reopened.recovery?.truncated);
      const added = await reopened.create('/t/new', 'after the cut');
      assert.equal(added.modRevision, complete + 2);
      await reopened.close();
      // Every few cuts, prove the new append extends a valid prefix rather than sitting behind garbage.
      if (cut % 5 === 0 || cut === full.length) {
        const third = await open(copy);
        assert.equal(third.get('/t/new')?.modRevision, complete + 2, `cut ${cut}: write after recovery kept`);
        assert.equal(third.recovery?.truncated, undefined);
        await third.close();
      }
    }
  });

  it('stops replay at a record with a bad checksum and continues from there', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    for (let i = 0; i < 10; i++) await store.create(`/c/${i}`, `value-${i}`);
    await store.close();
    const [segment] = await segmentFiles(dir);
    const file = path.join(dir, segment!);
    const buf = await readFile(file);
    const offsets = frameOffsets(buf);
    buf[offsets[5]! + 12]! ^= 0xff; // inside the 6th record (revision 7)
    await writeFile(file, buf);

    const reopened = await open(dir);
    assert.equal(reopened.currentRevision, 6);
    assert.equal(reopened.recovery?.truncated?.reason, 'checksum mismatch');
    assert.equal(reopened.recovery?.truncated?.offset, offsets[5]);
    assert.deepEqual(
      reopened.range('/c/').kvs.map((kv) => kv.value),
      ['value-0', 'value-1', 'value-2', 'value-3', 'value-4'],
    );
    assert.equal((await reopened.create('/c/x', 'x')).modRevision, 7);
    await reopened.close();
    const third = await open(dir);
    assert.equal(third.recovery?.truncated, undefined, 'the damaged tail was cut off, not appended behind');
    assert.equal(third.get('/c/x')?.modRevision, 7);
    await third.close();
  });

  it('stops at a missing segment, sets later ones aside and keeps appending after the gap', async () => {
    const dir = await tempDir();
    const store = await open(dir, { segmentBytes: 512 });
    for (let i = 0; i < 60; i++) await store.create(`/g/${String(i).padStart(2, '0')}`, 'v'.repeat(40));
    await store.close();
    const segments = await segmentFiles(dir);
    assert.ok(segments.length >= 4, `only ${segments.length} segments`);
    await rm(path.join(dir, segments[2]!));
    const lastKept = parseInt(segments[2]!.slice(4, 20), 16) - 1;

    const reopened = await open(dir, { segmentBytes: 512 });
    assert.equal(reopened.currentRevision, lastKept);
    assert.equal(reopened.recovery?.truncated?.reason, 'revision gap');
    assert.deepEqual(
      [...(reopened.recovery?.discardedFiles ?? [])].sort(),
      segments.slice(3).map((name) => `${name}.discarded`),
    );
    assert.equal((await reopened.create('/g/after', 'x')).modRevision, lastKept + 1);
    await reopened.close();
    const third = await open(dir, { segmentBytes: 512 });
    assert.equal(third.recovery?.truncated, undefined);
    assert.equal(third.get('/g/after')?.modRevision, lastKept + 1);
    await third.close();
  });

  it('loads a snapshot, replays the log after it, and resumes watches from the snapshot revision', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    for (let i = 0; i < 20; i++) await store.create(`/s/${String(i).padStart(2, '0')}`, `v${i}`);
    store.compact(store.currentRevision);
    const snapshotRevision = await store.snapshot();
    assert.equal(snapshotRevision, 21);
    const k5 = store.get('/s/05')!;
    await store.update('/s/05', 'changed', k5.modRevision);
    await store.delete('/s/06');
    await store.create('/s/99', 'late');
    const before = dump(store);
    await store.close();

    const reopened = await open(dir);
    assert.equal(reopened.recovery?.snapshotRevision, 21);
    assert.equal(reopened.recovery?.replayedRecords, 3);
    assert.equal(reopened.compactedRevision, 21);
    assert.equal(reopened.currentRevision, 24);
    assert.deepEqual(dump(reopened), before);
    assert.deepEqual({ ...reopened.get('/s/05') }, { ...k5, value: 'changed', modRevision: 22, version: 2 });
    const rec = record(reopened, '/s/', 21);
    await until(() => rec.events.length === 3);
    assert.deepEqual(
      rec.events.map((e) => [e.type, e.kv.key, e.prevKv?.value]),
      [
        ['PUT', '/s/05', 'v5'],
        ['DELETE', '/s/06', 'v6'],
        ['PUT', '/s/99', undefined],
      ],
    );
    await reopened.close();
  });

  it('snapshots and prunes the log automatically, and falls back to an older snapshot if the newest is damaged', async () => {
    const dir = await tempDir();
    const options: Partial<DurableStoreOptions> = {
      segmentBytes: 4096,
      snapshotEveryBytes: 8192,
      retention: { minRevisions: 20, minAgeMs: 0, maxEvents: 100 },
    };
    const store = await open(dir, options);
    const value = 'x'.repeat(100);
    for (let i = 0; i < 600; i++) {
      const key = `/a/${i % 50}`;
      const current = store.get(key);
      if (current) await store.update(key, `${value}${i}`, current.modRevision);
      else await store.create(key, `${value}${i}`);
    }
    await store.snapshot(); // wait for any background snapshot too
    const before = dump(store);
    const revision = store.currentRevision;
    await store.close();

    const names = await readdir(dir);
    const snapshots = names.filter((n) => n.endsWith('.snap')).sort();
    const segments = names.filter((n) => n.endsWith('.log'));
    assert.equal(snapshots.length, 2, `snapshots: ${snapshots.join(', ')}`);
    assert.ok(segments.length < 15, `log not pruned: ${segments.length} segments`);

    const reopened = await open(dir, options);
    assert.equal(reopened.currentRevision, revision);
    assert.deepEqual(dump(reopened), before);
    await reopened.close();

    const newest = path.join(dir, snapshots[1]!);
    const buf = await readFile(newest);
    buf[Math.floor(buf.length / 2)]! ^= 0x55;
    await writeFile(newest, buf);
    const fallback = await open(dir, options);
    assert.equal(fallback.recovery?.snapshotRevision, parseInt(snapshots[0]!.slice(5, 21), 16));
    assert.equal(fallback.currentRevision, revision);
    assert.deepEqual(dump(fallback), before);
    assert.deepEqual(fallback.recovery?.discardedFiles, [`${snapshots[1]}.corrupt`]);
    await fallback.close();
  });
});
