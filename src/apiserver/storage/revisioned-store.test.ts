import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyValue, RangeResult } from './key-value.js';
import { RevisionedStore } from './revisioned-store.js';
import {
  CompactedError,
  FutureRevisionError,
  isCompacted,
  isFutureRevision,
  isKeyExists,
  isKeyNotFound,
  isRevisionMismatch,
  isStoreClosed,
  isWatchOverflow,
} from './storage-errors.js';
import { record, settle, until } from './test-helpers.js';

const mem = (): RevisionedStore => RevisionedStore.memory({ retention: false });

describe('RevisionedStore compare-and-swap', () => {
  it('numbers writes from revision 2 and tracks create/mod revisions and versions', async () => {
    const store = mem();
    assert.equal(store.currentRevision, 1);
    const a = await store.create('/a', 'v1');
    assert.deepEqual({ ...a }, { key: '/a', value: 'v1', createRevision: 2, modRevision: 2, version: 1 });
    const a2 = await store.update('/a', 'v2', 2);
    assert.deepEqual({ ...a2 }, { key: '/a', value: 'v2', createRevision: 2, modRevision: 3, version: 2 });
    const del = await store.delete('/a', 3);
    assert.deepEqual(del, { revision: 4, prevKv: a2 });
    assert.equal(store.get('/a'), undefined);
    const again = await store.create('/a', 'v3');
    assert.deepEqual({ ...again }, { key: '/a', value: 'v3', createRevision: 5, modRevision: 5, version: 1 });
    assert.equal(store.currentRevision, 5);
  });

  it('rejects create of an existing key, and stale or missing updates and deletes, with typed errors', async () => {
    const store = mem();
    const a = await store.create('/a', 'v1');
    await assert.rejects(store.create('/a', 'x'), (err) => isKeyExists(err) && err.current === a);
    await assert.rejects(
      store.update('/a', 'x', 99),
      (err) => isRevisionMismatch(err) && err.current === a && err.expectedModRevision === 99,
    );
    await assert.rejects(store.update('/nope', 'x', 2), (err) => isKeyNotFound(err) && err.key === '/nope');
    await assert.rejects(store.delete('/a', 1), isRevisionMismatch);
    await assert.rejects(store.delete('/nope'), isKeyNotFound);
    assert.equal(store.currentRevision, 2, 'failed writes consume no revision');
    await store.delete('/a');
    assert.equal(store.currentRevision, 3);
  });

  it('decides racing writes at call time and reports the loss once the winner is readable', async () => {
    const store = mem();
    const base = await store.create('/k', '0');
    const first = store.update('/k', '1', base.modRevision);
    const second = store.update('/k', '2', base.modRevision);
    const racingCreate = store.create('/k', 'x');
    let mismatch: unknown;
    await second.catch((err: unknown) => (mismatch = err));
    assert.ok(isRevisionMismatch(mismatch));
    assert.equal(mismatch.current.value, '1', 'the error carries the write it lost against');
    assert.equal(store.get('/k')?.value, '1', 'and a re-read after the error agrees with it');
    await assert.rejects(racingCreate, isKeyExists);
    const retried = await store.update('/k', '2', mismatch.current.modRevision);
    assert.equal((await first).modRevision, 3);
    assert.equal(retried.modRevision, 4);
    assert.equal(store.get('/k')?.value, '2');
  });

  it('shows a write to readers only once it is durable', async () => {
    const store = mem();
    const pending = store.create('/a', 'v');
    assert.equal(store.get('/a'), undefined);
    assert.equal(store.currentRevision, 1);
    assert.equal(store.range('/').kvs.length, 0);
    await pending;
    assert.equal(store.get('/a')?.value, 'v');
    assert.equal(store.currentRevision, 2);
  });

  it('treats a byte-identical update as a no-op: no revision, no event', async () => {
    const store = mem();
    const a = await store.create('/a', '{"x":1}');
    const rec = record(store, '/', store.currentRevision);
    const same = await store.update('/a', '{"x":1}', a.modRevision);
    assert.equal(same, a);
    assert.equal(store.currentRevision, 2);
    await store.update('/a', '{"x":2}', a.modRevision);
    await until(() => rec.events.length === 1);
    await settle();
    assert.deepEqual(
      rec.events.map((e) => e.revision),
      [3],
    );
  });
});

/** The state after every revision, kept by a trivially correct model. */
function modelStates(
  history: Map<number, Map<string, KeyValue>>,
  revision: number,
  kv?: KeyValue,
  del?: string,
) {
  const prev = history.get(revision - 1) ?? new Map<string, KeyValue>();
  const next = new Map(prev);
  if (kv) next.set(kv.key, kv);
  if (del !== undefined) next.delete(del);
  history.set(revision, next);
}

describe('RevisionedStore snapshot reads', () => {
  it('rebuilds every past revision exactly, for any prefix, start key and limit', async () => {
    const store = mem();
    const history = new Map<number, Map<string, KeyValue>>([[1, new Map()]]);
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const keys = Array.from(
      { length: 24 },
      (_, i) => `/r/${['a', 'b', 'c'][i % 3]}/k${String(i).padStart(2, '0')}`,
    );
    for (let op = 0; op < 300; op++) {
      const key = keys[rand(keys.length)]!;
      const existing = store.get(key);
      if (!existing) {
        const kv = await store.create(key, `v${op}`);
        modelStates(history, kv.modRevision, kv);
      } else if (rand(3) === 0) {
        const { revision } = await store.delete(key, existing.modRevision);
        modelStates(history, revision, undefined, key);
      } else {
        const kv = await store.update(key, `v${op}`, existing.modRevision);
        modelStates(history, kv.modRevision, kv);
      }
    }
    assert.equal(store.currentRevision, 301);
    for (let revision = 1; revision <= store.currentRevision; revision++) {
      const state = history.get(revision)!;
      for (const prefix of ['/', '/r/a/', '/r/b/k1', '/zz']) {
        const expected = [...state.values()]
          .filter((kv) => kv.key.startsWith(prefix))
          .sort((x, y) => (x.key < y.key ? -1 : 1));
        const all = store.range(prefix, { revision });
        assert.deepEqual(all.kvs, expected, `range ${prefix} at ${revision}`);
        assert.equal(all.count, expected.length);
        assert.equal(all.revision, revision);
        // Page through with limit 3 the way the registry continues a list.
        const pages: KeyValue[] = [];
        let startKey: string | undefined;
        for (;;) {
          const page = store.range(prefix, { revision, limit: 3, ...(startKey ? { startKey } : {}) });
          pages.push(...page.kvs);
          assert.equal(page.count, expected.length - (pages.length - page.kvs.length));
          if (!page.more) break;
          startKey = page.kvs[page.kvs.length - 1]!.key + '\x00';
        }
        assert.deepEqual(pages, expected, `paged ${prefix} at ${revision}`);
      }
      for (const key of keys.slice(0, 6)) assert.equal(store.get(key, { revision }), state.get(key));
    }
  });

  it('keeps later pages on the first page’s snapshot while writes continue', async () => {
    const store = mem();
    for (let i = 0; i < 10; i++) await store.create(`/p/${i}`, 'old');
    const first = store.range('/p/', { limit: 4 });
    assert.equal(first.more, true);
    assert.equal(first.count, 10);
    await store.delete('/p/5');
    await store.create('/p/55', 'new');
    await store.update('/p/7', 'new', store.get('/p/7')!.modRevision);
    const rest = store.range('/p/', { revision: first.revision, startKey: first.kvs[3]!.key + '\x00' });
    assert.deepEqual(
      [...first.kvs, ...rest.kvs].map((kv) => `${kv.key}=${kv.value}`),
      Array.from({ length: 10 }, (_, i) => `/p/${i}=old`),
    );
    assert.equal(rest.more, false);
    assert.equal(store.range('/p/').kvs.length, 10);
  });

  it('rejects compacted and future revisions with typed errors', async () => {
    const store = mem();
    for (let i = 0; i < 5; i++) await store.create(`/c/${i}`, 'v');
    store.compact(4);
    assert.equal(store.compactedRevision, 4);
    assert.throws(
      () => store.range('/c/', { revision: 3 }),
      (err) => isCompacted(err) && err.compactedRevision === 4,
    );
    assert.throws(() => store.get('/c/0', { revision: 2 }), CompactedError);
    assert.equal(store.range('/c/', { revision: 4 }).kvs.length, 3);
    assert.throws(
      () => store.range('/c/', { revision: 7 }),
      (err) => isFutureRevision(err) && err.currentRevision === 6,
    );
    assert.throws(() => store.watch('/c/', 3, { onEvent: () => undefined }), CompactedError);
    assert.throws(() => store.compact(2), CompactedError);
    assert.throws(() => store.compact(99), FutureRevisionError);
  });

  it('lists 10,000 current objects in milliseconds', async () => {
    const store = mem();
    const value = JSON.stringify({ spec: { replicas: 3, template: 'x'.repeat(200) } });
    await Promise.all(
      Array.from({ length: 10_000 }, (_, i) => store.create(`/registry/g/widgets/ns${i % 10}/w${i}`, value)),
    );
    await store.create('/registry/g/other/x', value);
    // Best of five, so a GC pause or a busy neighbour on the shared machine does not decide the outcome;
    // an accidental O(n log n) or O(n^2) path would still be far over the bound.
    const lists = (): RangeResult[] => [
      store.range('/registry/g/widgets/'),
      store.range('/registry/g/widgets/ns3/'),
      store.range('/registry/g/widgets/', { limit: 500, startKey: '/registry/g/widgets/ns5/' }),
    ];
    let elapsed = Infinity;
    for (let round = 0; round < 5; round++) {
      const t0 = performance.now();
      lists();
      elapsed = Math.min(elapsed, performance.now() - t0);
    }
    const [all, ns, page] = lists();
    assert.equal(all?.kvs.length, 10_000);
    assert.equal(ns?.kvs.length, 1_000);
    assert.equal(page?.kvs.length, 500);
    assert.equal(page?.count, 5_000);
    assert.ok(elapsed < 100, `three lists over 10k keys took ${elapsed.toFixed(1)} ms`);
  });
});

describe('RevisionedStore watch', () => {
  it('replays history after fromRevision and continues live, in order, exactly once, with prevKv', async () => {
    const store = mem();
    const a = await store.create('/w/a', 'a1'); // 2
    await store.create('/x/other', 'o'); // 3
    const a2 = await store.update('/w/a', 'a2', a.modRevision); // 4
    const rec = record(store, '/w/', 2);
    // Written in the same turn as the watch call: must arrive once, after the replay.
    const b = store.create('/w/b', 'b1'); // 5
    const delA = store.delete('/w/a'); // 6
    await Promise.all([b, delA]);
    await store.update('/w/b', 'b2', 5); // 7
    await until(() => rec.events.length === 4);
    await settle();
    assert.deepEqual(
      rec.events.map((e) => [e.type, e.revision, e.kv.key, e.kv.value, e.prevKv?.value]),
      [
        ['PUT', 4, '/w/a', 'a2', 'a1'],
        ['PUT', 5, '/w/b', 'b1', undefined],
        ['DELETE', 6, '/w/a', '', 'a2'],
        ['PUT', 7, '/w/b', 'b2', 'b1'],
      ],
    );
    assert.equal(rec.events[2]!.prevKv, a2);
    assert.equal(rec.events[2]!.kv.modRevision, 6, 'a DELETE carries its revision in the tombstone');
  });

  it('starts from now when fromRevision is 0 and never calls the listener synchronously', async () => {
    const store = mem();
    await store.create('/w/old', 'x');
    const replaying = record(store, '/w/', 1);
    assert.equal(replaying.events.length, 0);
    const rec = record(store, '/w/', 0);
    await store.create('/w/new', 'y');
    await until(() => rec.events.length === 1 && replaying.events.length === 2);
    assert.equal(rec.events[0]!.kv.key, '/w/new');
  });

  it('loses nothing between replay and live while a slow listener applies backpressure', async () => {
    const store = mem();
    for (let i = 0; i < 50; i++) await store.create(`/s/${String(i).padStart(3, '0')}`, 'v');
    const rec = record(store, '/s/', 1, {
      onEvent: () => new Promise<void>((resolve) => setTimeout(resolve, 0)),
    });
    const writes: Promise<unknown>[] = [];
    for (let i = 50; i < 120; i++) {
      writes.push(store.create(`/s/${String(i).padStart(3, '0')}`, 'v'));
      if (i % 10 === 0) await settle(1);
    }
    await Promise.all(writes);
    await until(() => rec.events.length >= 120);
    await settle();
    assert.deepEqual(
      rec.events.map((e) => e.revision),
      Array.from({ length: 120 }, (_, i) => i + 2),
    );
    assert.equal(rec.closedWith, undefined);
  });

  it('closes an overflowing watcher with WatchOverflowError without slowing writers', async () => {
    const store = mem();
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const slow = record(store, '/o/', 0, { maxBufferedEvents: 10, onEvent: () => stuck });
    const healthy = record(store, '/o/', 0);
    for (let i = 0; i < 30; i++) await store.create(`/o/${i}`, 'v');
    await until(() => slow.closedWith !== undefined && healthy.events.length === 30);
    assert.ok(isWatchOverflow(slow.closedWith));
    assert.equal(slow.handle.closed, true);
    assert.equal(healthy.closedWith, undefined);
    release();
    await settle();
    assert.equal(slow.events.length, 1, 'nothing is delivered after the close');
    assert.equal(store.stats.watchers, 1);
  });

  it('closes a replaying watcher that compaction overtakes', async () => {
    const store = mem();
    // More history than one replay step copies, so the watcher still depends on the change log.
    await Promise.all(Array.from({ length: 3000 }, (_, i) => store.create(`/z/${i}`, 'v')));
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const rec = record(store, '/z/', 1, { onEvent: () => stuck });
    await until(() => rec.events.length === 1);
    store.compact(store.currentRevision);
    release();
    await until(() => rec.closedWith !== undefined);
    assert.ok(isCompacted(rec.closedWith));
  });

  it('cancels by handle or AbortSignal, calling onClose once without an error', async () => {
    const store = mem();
    const rec = record(store, '/c/', 0);
    rec.handle.cancel();
    rec.handle.cancel();
    const ac = new AbortController();
    const viaSignal = record(store, '/c/', 0, { signal: ac.signal });
    ac.abort();
    await store.create('/c/1', 'v');
    await settle();
    assert.equal(rec.closedWith, null);
    assert.equal(viaSignal.closedWith, null);
    assert.equal(rec.events.length + viaSignal.events.length, 0);
    assert.equal(store.stats.watchers, 0);
  });

  it('closes a watch whose listener throws, leaving others running', async () => {
    const store = mem();
    const boom = new Error('listener bug');
    const bad = record(store, '/t/', 0, {
      onEvent: () => {
        throw boom;
      },
    });
    const good = record(store, '/t/', 0);
    await store.create('/t/1', 'v');
    await store.create('/t/2', 'v');
    await until(() => good.events.length === 2 && bad.closedWith !== undefined);
    assert.equal(bad.closedWith, boom);
  });

  it('answers progress requests once everything before them is delivered', async () => {
    const store = mem();
    await store.create('/p/1', 'v');
    const rec = record(store, '/p/', 1);
    rec.handle.requestProgress();
    await store.create('/q/unrelated', 'v');
    store.requestProgress();
    await until(() => rec.progress.length === 2);
    assert.deepEqual(rec.progress, [2, 3]);
    assert.equal(rec.events.length, 1);
  });
});

describe('RevisionedStore retention and lifecycle', () => {
  it('compacts automatically by age and count, keeping at least the newest revisions', async () => {
    let now = 0;
    const store = RevisionedStore.memory({
      retention: { minRevisions: 5, minAgeMs: 1000, maxEvents: 40 },
      clock: () => now,
    });
    for (let i = 0; i < 20; i++) await store.create(`/k/${i}`, 'v');
    assert.equal(store.compactedRevision, 1, 'young history is kept');
    now = 5000;
    await store.create('/k/late', 'v'); // revision 22
    assert.equal(store.compactedRevision, 17, 'old history goes, the newest 5 revisions stay');
    for (let i = 0; i < 100; i++) await store.create(`/m/${i}`, 'v');
    assert.ok(store.stats.retainedEvents <= 40, `retained ${store.stats.retainedEvents}`);
    assert.equal(store.compactedRevision, store.currentRevision - 40);
  });

  it('flushes on close, then ends watches and refuses writes', async () => {
    const store = mem();
    const rec = record(store, '/', 0);
    const pending = store.create('/a', 'v');
    await store.close();
    assert.equal((await pending).modRevision, 2);
    await until(() => rec.closedWith !== undefined);
    assert.ok(isStoreClosed(rec.closedWith));
    await assert.rejects(store.create('/b', 'v'), isStoreClosed);
    assert.throws(() => store.get('/a'), isStoreClosed);
  });

  it('waits for a revision to become durable', async () => {
    const store = mem();
    const waited = store.waitForRevision(3);
    let done = false;
    void waited.then(() => (done = true));
    await store.create('/a', 'v');
    await settle();
    assert.equal(done, false);
    await store.create('/b', 'v');
    await waited;
    const ac = new AbortController();
    const never = store.waitForRevision(100, ac.signal);
    ac.abort();
    await assert.rejects(never);
  });
});
