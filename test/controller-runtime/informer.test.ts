import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { StoreAdapter } from '../../src/apiserver/embedded/store-adapter.js';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { Backoff } from '../../src/controller-runtime/cache/backoff.js';
import { OWNER_UID_INDEX } from '../../src/controller-runtime/cache/indexed-store.js';
import { Informer } from '../../src/controller-runtime/cache/informer.js';
import { InformerCache } from '../../src/controller-runtime/cache/informer-cache.js';
import { NoKindMatchError, NotFoundError } from '../../src/controller-runtime/client/errors.js';
import { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import { metricsFor } from '../../src/controller-runtime/metrics/metrics.js';
import { CONFIG_MAP, eventually, startTestApiServer, type TestApiServer } from './helpers/api-server.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** A deterministic pseudo-random sequence, so a failing churn run can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
}

describe('Informer against the embedded API server', () => {
  let api: TestApiServer;

  before(async () => {
    api = await startTestApiServer({
      bookmarkIntervalMs: 200,
      namespaces: ['churn', 'cache-a', 'cache-b', 'transformed'],
    });
  });
  after(async () => {
    await api?.stop();
  });

  it('ends identical to a fresh list after heavy churn and a forced compaction (410 -> relist)', async () => {
    const proxy = await TcpProxy.start(Number(new URL(api.server.url).port));
    const informerClient = new KubeClient(
      { ...api.client.config, server: `https://127.0.0.1:${proxy.port}`, qps: 1000, burst: 2000 },
      { metrics: metricsFor(new Registry()) },
    );
    const writer = api.client;
    const abort = new AbortController();
    const informer = new Informer<ConfigMap>({
      type: CONFIG_MAP,
      client: informerClient,
      namespace: 'churn',
      pageSize: 100,
      backoff: new Backoff({ initialMs: 50, maxMs: 200 }),
    });
    const deliveries = { add: 0, update: 0, delete: 0 };
    informer.addEventHandler({
      onAdd: () => deliveries.add++,
      onUpdate: () => deliveries.update++,
      onDelete: () => deliveries.delete++,
    });
    // Some objects exist before the informer starts: they arrive through the (paged) initial list.
    for (let i = 0; i < 250; i++)
      await writer.create({ ...CONFIG_MAP, metadata: { name: `pre-${i}`, namespace: 'churn' } });
    const running = informer.run(abort.signal);
    assert.ok(await informer.waitForSync());
    assert.equal(informer.store.size, 250);

    const random = prng(42);
    const live = new Set<string>(Array.from({ length: 250 }, (_, i) => `pre-${i}`));
    const round = async (n: number, label: string): Promise<void> => {
      const ops: (() => Promise<void>)[] = [];
      for (let i = 0; i < n; i++) {
        const roll = random();
        const names = [...live];
        if (roll < 0.5 || names.length < 10) {
          const name = `${label}-${i}`;
          live.add(name);
          ops.push(async () => {
            await writer.create({ ...CONFIG_MAP, metadata: { name, namespace: 'churn' }, data: { v: '0' } });
          });
        } else if (roll < 0.8) {
          const name = names[Math.floor(random() * names.length)] as string;
          ops.push(async () => {
            await writer
              .patch(
                { ...CONFIG_MAP, metadata: { name, namespace: 'churn' } },
                { type: 'merge', data: { data: { v: String(i) } } },
              )
              .catch(() => undefined); // may race with its own delete
          });
        } else {
          const name = names[Math.floor(random() * names.length)] as string;
          live.delete(name);
          ops.push(async () => {
            await writer
              .delete({ ...CONFIG_MAP, metadata: { name, namespace: 'churn' } })
              .catch(() => undefined);
          });
        }
      }
      await pool(ops, 16, (op) => op());
    };

    await round(1200, 'a');
    // Cut the informer off, keep writing, and compact history past what it has seen: its resume must get 410.
    proxy.cut(true);
    const seenBefore = Number(informer.lastSyncResourceVersion);
    await round(800, 'b');
    const store = api.server.registry.store as StoreAdapter;
    store.inner.compact(store.currentRevision);
    assert.ok(store.currentRevision > seenBefore);
    const listsBefore = informer.listCount;
    proxy.unblock();
    await round(1000, 'c');

    const fresh = await writer.list<ConfigMap>(CONFIG_MAP, { namespace: 'churn' });
    await eventually(
      () => Number(informer.lastSyncResourceVersion) >= Number(fresh.metadata.resourceVersion),
      'the informer to catch up',
      20_000,
    );
    const cached = new Map(
      [...informer.store.values()].map((o) => [o.metadata.name, o.metadata.resourceVersion]),
    );
    const expected = new Map(fresh.items.map((o) => [o.metadata.name, o.metadata.resourceVersion]));
    assert.equal(cached.size, expected.size);
    assert.deepEqual(cached, expected);
    assert.ok(informer.listCount > listsBefore, 'the informer relisted after 410 Gone');
    assert.ok(deliveries.add > 0 && deliveries.update > 0 && deliveries.delete > 0);

    abort.abort();
    await running;
    informerClient.close();
    await proxy.close();
  });

  it('serves reads from the cache: copies, indexes, selectors, NotFound', async () => {
    const abort = new AbortController();
    const cache = new InformerCache({ client: api.newClient() });
    cache.indexField<ConfigMap>(CONFIG_MAP, 'data.color', (o) => (o.data?.color ? [o.data.color] : []));
    cache.start(abort.signal);
    const owner = await api.client.create<KubeObject>({
      ...CONFIG_MAP,
      metadata: { name: 'owner', namespace: 'cache-a' },
    });
    const ownerRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid ?? '' };
    await api.client.create({
      ...CONFIG_MAP,
      metadata: { name: 'red', namespace: 'cache-a', labels: { tier: 'web' }, ownerReferences: [ownerRef] },
      data: { color: 'red' },
    });
    await api.client.create({
      ...CONFIG_MAP,
      metadata: { name: 'blue', namespace: 'cache-b', labels: { tier: 'db' } },
      data: { color: 'blue' },
    });
    assert.ok(await cache.waitForCacheSync());
    await eventually(
      async () => (await cache.list(CONFIG_MAP, { labelSelector: 'tier' })).items.length === 2,
      'both objects cached',
    );

    const red = await cache.get<ConfigMap>(CONFIG_MAP, { namespace: 'cache-a', name: 'red' });
    red.data = { color: 'mutated' };
    const again = await cache.get<ConfigMap>(CONFIG_MAP, { namespace: 'cache-a', name: 'red' });
    assert.equal(again.data?.color, 'red', 'mutating a read must not change the cache');

    assert.deepEqual(
      (await cache.list(CONFIG_MAP, { namespace: 'cache-b', labelSelector: 'tier' })).items.map(
        (o) => o.metadata.name,
      ),
      ['blue'],
    );
    assert.deepEqual(
      (await cache.list(CONFIG_MAP, { labelSelector: { tier: 'web' } })).items.map((o) => o.metadata.name),
      ['red'],
    );
    assert.deepEqual(
      (await cache.list(CONFIG_MAP, { fieldSelector: 'data.color=blue' })).items.map((o) => o.metadata.name),
      ['blue'],
    );
    const owned = await cache.list(CONFIG_MAP, {
      index: { name: OWNER_UID_INDEX, value: owner.metadata.uid ?? '' },
    });
    assert.deepEqual(
      owned.items.map((o) => o.metadata.name),
      ['red'],
    );
    await assert.rejects(cache.get(CONFIG_MAP, { namespace: 'cache-a', name: 'nope' }), NotFoundError);
    await assert.rejects(cache.list(CONFIG_MAP, { fieldSelector: 'data.size=1' }), /needs an index/);
    abort.abort();
    await cache.stopped();
  });

  it('caches only what a label-scoped informer selects', async () => {
    const abort = new AbortController();
    const cache = new InformerCache({
      client: api.newClient(),
      byObject: [{ type: CONFIG_MAP, labelSelector: 'cluster.example/watched=true' }],
    });
    cache.start(abort.signal);
    await api.client.create({
      ...CONFIG_MAP,
      metadata: { name: 'seen', namespace: 'cache-b', labels: { 'cluster.example/watched': 'true' } },
    });
    await api.client.create({ ...CONFIG_MAP, metadata: { name: 'unseen', namespace: 'cache-b' } });
    const informer = cache.getInformer(CONFIG_MAP);
    await eventually(() => informer.store.get('cache-b/seen') !== undefined, 'the selected object');
    assert.equal(informer.store.get('cache-b/unseen'), undefined);
    // Removing the label makes the object leave the scoped cache, as a DELETED event from the server.
    await api.client.patch(
      { ...CONFIG_MAP, metadata: { name: 'seen', namespace: 'cache-b' } },
      { type: 'merge', data: { metadata: { labels: { 'cluster.example/watched': null } } } },
    );
    await eventually(
      () => informer.store.get('cache-b/seen') === undefined,
      'the unlabelled object to leave',
    );
    abort.abort();
    await cache.stopped();
  });
  it('stores and hands out what its transform returns, for listed and watched objects alike', async () => {
    const abort = new AbortController();
    await api.client.create({
      ...CONFIG_MAP,
      metadata: { name: 'listed', namespace: 'transformed' },
      data: { big: 'x'.repeat(1000) },
    });
    const informer = new Informer<ConfigMap>({
      type: CONFIG_MAP,
      client: api.newClient(),
      namespace: 'transformed',
      transform: ({ data: _data, ...rest }) => rest,
    });
    const handed: ConfigMap[] = [];
    informer.addEventHandler({
      onAdd: (o) => handed.push(o),
      onUpdate: (_, o) => handed.push(o),
      onDelete: (o) => handed.push(o),
    });
    const running = informer.run(abort.signal);
    try {
      assert.ok(await informer.waitForSync());
      await api.client.create({
        ...CONFIG_MAP,
        metadata: { name: 'watched', namespace: 'transformed' },
        data: { big: 'y' },
      });
      await api.client.patch(
        { ...CONFIG_MAP, metadata: { name: 'listed', namespace: 'transformed' } },
        { type: 'merge', data: { data: { more: 'z' } } },
      );
      await api.client.delete({ ...CONFIG_MAP, metadata: { name: 'watched', namespace: 'transformed' } });
      await eventually(() => handed.length >= 4, 'add, add, update and delete');
      assert.deepEqual(
        handed.map((o) => [o.metadata.name, o.data]),
        [
          ['listed', undefined],
          ['watched', undefined],
          ['listed', undefined],
          ['watched', undefined],
        ],
      );
      assert.equal(informer.store.get('transformed/listed')?.data, undefined);
      assert.ok(informer.store.get('transformed/listed')?.metadata.resourceVersion, 'the metadata is kept');
    } finally {
      abort.abort();
      await running;
    }
  });
  it('waits for the sync of any number of kinds with one listener on the caller signal', async () => {
    const cache = new InformerCache({ client: api.newClient() });
    // Twelve kinds, none started: the wait stays pending until the signal aborts.
    for (let i = 0; i < 12; i++) cache.getInformer({ apiVersion: `k${i}.example.com/v1`, kind: 'Thing' });
    const caller = new AbortController();
    const waiting = cache.waitForCacheSync(caller.signal);
    assert.equal(getEventListeners(caller.signal, 'abort').length, 1);
    caller.abort();
    assert.equal(await waiting, false);
    assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
  });
  it('fails a read of a kind the server does not serve instead of hanging', async () => {
    const abort = new AbortController();
    const cache = new InformerCache({ client: api.newClient() });
    cache.start(abort.signal);
    const started = performance.now();
    await assert.rejects(
      cache.get({ apiVersion: 'nowhere.example.com/v1', kind: 'Gadget' }, { name: 'x' }),
      NoKindMatchError,
    );
    assert.ok(performance.now() - started < 5000);
    abort.abort();
    await cache.stopped();
  });
});

describe('Informer when the server behind its address is replaced', () => {
  it('relists when its resourceVersion is newer than the new server has, as client-go does', async () => {
    // Two servers with the same certificates: the second stands for a restored or moved one at the same address.
    const first = await startTestApiServer({ namespaces: ['moved'] });
    const second = await startTestApiServer({ namespaces: ['moved'], pkiFrom: first.dataDir });
    const proxy = await TcpProxy.start(Number(new URL(first.server.url).port));
    const client = new KubeClient(
      { ...first.client.config, server: `https://127.0.0.1:${proxy.port}` },
      { metrics: metricsFor(new Registry()) },
    );
    const abort = new AbortController();
    try {
      // The first server is further along, so the informer's resourceVersion is one the second never reached.
      for (let i = 0; i < 30; i++) {
        await first.client.create({ ...CONFIG_MAP, metadata: { name: `old-${i}`, namespace: 'moved' } });
      }
      await second.client.create({ ...CONFIG_MAP, metadata: { name: 'new-0', namespace: 'moved' } });
      const informer = new Informer<ConfigMap>({
        type: CONFIG_MAP,
        client,
        namespace: 'moved',
        backoff: new Backoff({ initialMs: 50, maxMs: 200 }),
      });
      const running = informer.run(abort.signal);
      assert.ok(await informer.waitForSync());
      assert.equal(informer.store.size, 30);

      proxy.retarget(Number(new URL(second.server.url).port));
      proxy.cut();
      await eventually(
        () => informer.store.size === 1 && [...informer.store.values()][0]?.metadata.name === 'new-0',
        'the informer to show the new server',
      );
      // And it keeps watching there.
      await second.client.create({ ...CONFIG_MAP, metadata: { name: 'new-1', namespace: 'moved' } });
      await eventually(() => informer.store.size === 2, 'the next object of the new server');
      abort.abort();
      await running;
    } finally {
      abort.abort();
      client.close();
      await proxy.close();
      await second.stop();
      await first.stop();
    }
  });
});
