import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import {
  AlreadyExistsError,
  ConflictError,
  InvalidError,
  isNotFound,
  NoKindMatchError,
  NotFoundError,
  TooManyRequestsError,
  TransportError,
} from '../../src/controller-runtime/client/errors.js';
import { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import { metricsFor } from '../../src/controller-runtime/metrics/metrics.js';
import { CONFIG_MAP, startTestApiServer, type TestApiServer, WIDGET } from './helpers/api-server.js';

const NS = 'client-test';

interface Widget extends KubeObject {
  spec?: { replicas?: number; color?: string; size?: string };
  status?: { replicas?: number };
}

describe('KubeClient against the embedded API server', () => {
  let api: TestApiServer;
  let client: KubeClient;

  before(async () => {
    api = await startTestApiServer({ namespaces: [NS], widgets: true });
    client = api.client;
  });
  after(async () => {
    await api?.stop();
  });

  it('creates, reads, updates and deletes a ConfigMap, with typed errors', async () => {
    const created = await client.create<KubeObject>({
      ...CONFIG_MAP,
      metadata: { name: 'a', namespace: NS },
      data: { k: 'v' },
    });
    assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    await assert.rejects(
      client.create({ ...CONFIG_MAP, metadata: { name: 'a', namespace: NS } }),
      (err) => err instanceof AlreadyExistsError && err.code === 409,
    );
    const read = await client.get<KubeObject & { data?: Record<string, string> }>(CONFIG_MAP, {
      namespace: NS,
      name: 'a',
    });
    assert.equal(read.data?.k, 'v');
    const updated = await client.update({ ...read, data: { k: 'w' } });
    assert.notEqual(updated.metadata.resourceVersion, read.metadata.resourceVersion);
    // Writing the stale copy again must fail: the resourceVersion guards the update.
    await assert.rejects(client.update({ ...read, data: { k: 'x' } }), ConflictError);
    await client.delete(updated);
    await assert.rejects(client.get(CONFIG_MAP, { namespace: NS, name: 'a' }), NotFoundError);
  });

  it('reports validation failures with field causes', async () => {
    const err = await client
      .create<Widget>({
        ...WIDGET,
        metadata: { name: 'bad', namespace: NS },
        spec: { replicas: -1, size: 'toolong' },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof InvalidError, `expected InvalidError, got ${String(err)}`);
    const fields = err.causes.map((c) => c.field);
    assert.ok(fields.includes('spec.replicas'), `causes: ${JSON.stringify(err.causes)}`);
    assert.ok(fields.includes('spec.size'), `causes: ${JSON.stringify(err.causes)}`);
  });

  it('maps custom kinds through discovery and writes status through the subresource', async () => {
    const w = await client.create<Widget>({
      ...WIDGET,
      metadata: { name: 'w1', namespace: NS },
      spec: { replicas: 2 },
    });
    assert.equal(w.spec?.color, 'red', 'the CRD default applies');
    const withStatus = await client.updateStatus<Widget>({ ...w, status: { replicas: 2 } });
    assert.equal(withStatus.status?.replicas, 2);
    assert.equal(
      withStatus.metadata.generation,
      w.metadata.generation,
      'status writes do not bump generation',
    );
    // An update of the main resource ignores status.
    const ignored = await client.update<Widget>({
      ...withStatus,
      status: { replicas: 9 },
      spec: { replicas: 3 },
    });
    assert.equal(ignored.status?.replicas, 2);
    assert.equal(ignored.spec?.replicas, 3);
    await assert.rejects(
      client.get({ apiVersion: 'test.example.com/v1', kind: 'Gadget' }, { name: 'x', namespace: NS }),
      NoKindMatchError,
    );
  });

  it('patches with merge, JSON and strategic patches, and applies server-side with conflicts', async () => {
    const cm = await client.create({
      ...CONFIG_MAP,
      metadata: { name: 'p', namespace: NS },
      data: { a: '1' },
    });
    const merged = await client.patch<KubeObject & { data?: Record<string, string> }>(cm, {
      type: 'merge',
      data: { data: { b: '2' } },
    });
    assert.deepEqual(merged.data, { a: '1', b: '2' });
    const jsonPatched = await client.patch<KubeObject & { data?: Record<string, string> }>(cm, {
      type: 'json',
      data: [{ op: 'remove', path: '/data/a' }],
    });
    assert.deepEqual(jsonPatched.data, { b: '2' });
    await assert.rejects(
      client.patch(cm, { type: 'json', data: [{ op: 'test', path: '/data/b', value: 'nope' }] }),
    );

    const mine = { ...CONFIG_MAP, metadata: { name: 'ssa', namespace: NS }, data: { owner: 'me' } };
    const applied = await client.apply<KubeObject>(mine, { fieldManager: 'first' });
    assert.ok(applied.metadata.managedFields?.some((f) => f.manager === 'first' && f.operation === 'Apply'));
    await assert.rejects(
      client.apply({ ...mine, data: { owner: 'you' } }, { fieldManager: 'second' }),
      (err) => err instanceof ConflictError && /conflict/i.test(err.message),
    );
    const forced = await client.apply<KubeObject & { data?: Record<string, string> }>(
      { ...mine, data: { owner: 'you' } },
      { fieldManager: 'second', force: true },
    );
    assert.equal(forced.data?.owner, 'you');
  });

  it('lists with selectors and pages through big lists', async () => {
    for (let i = 0; i < 7; i++) {
      await client.create({
        ...CONFIG_MAP,
        metadata: { name: `l${i}`, namespace: NS, labels: { set: i % 2 ? 'odd' : 'even' } },
      });
    }
    const odd = await client.list(CONFIG_MAP, { namespace: NS, labelSelector: { set: 'odd' } });
    assert.deepEqual(odd.items.map((i) => i.metadata.name).sort(), ['l1', 'l3', 'l5']);
    assert.equal(odd.items[0]?.kind, 'ConfigMap', 'list items carry their kind');
    const page = await client.list(CONFIG_MAP, {
      namespace: NS,
      labelSelector: 'set in (odd,even)',
      limit: 3,
    });
    assert.equal(page.items.length, 3);
    assert.ok(page.metadata.continue);
    const rest = await client.list(CONFIG_MAP, {
      namespace: NS,
      labelSelector: 'set',
      limit: 10,
      continue: page.metadata.continue,
    });
    assert.equal(rest.items.length, 4);
    const byName = await client.list(CONFIG_MAP, { namespace: NS, fieldSelector: 'metadata.name=l4' });
    assert.deepEqual(
      byName.items.map((i) => i.metadata.name),
      ['l4'],
    );
    await client.deleteAllOf(CONFIG_MAP, { namespace: NS, labelSelector: 'set=even' });
    const left = await client.list(CONFIG_MAP, { namespace: NS, labelSelector: 'set' });
    assert.deepEqual(left.items.map((i) => i.metadata.name).sort(), ['l1', 'l3', 'l5']);
  });

  it('honours delete preconditions', async () => {
    const cm = await client.create<KubeObject>({ ...CONFIG_MAP, metadata: { name: 'pre', namespace: NS } });
    await assert.rejects(
      client.delete(cm, { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }),
      ConflictError,
    );
    await client.delete(cm, { preconditions: { uid: cm.metadata.uid }, propagationPolicy: 'Background' });
    await assert.rejects(client.get(CONFIG_MAP, { name: 'pre', namespace: NS }), (e) => isNotFound(e));
  });

  it('watches from a resourceVersion and ends the stream on abort', async () => {
    const start = await client.list(CONFIG_MAP, { namespace: NS });
    const abort = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const ev of client.watch(CONFIG_MAP, {
        namespace: NS,
        resourceVersion: start.metadata.resourceVersion,
        signal: abort.signal,
      })) {
        seen.push(`${ev.type} ${ev.object.metadata.name ?? ''}`);
        if (ev.type === 'DELETED') abort.abort();
      }
    })();
    const cm = await client.create({ ...CONFIG_MAP, metadata: { name: 'w', namespace: NS } });
    await client.patch(cm, { type: 'merge', data: { data: { x: '1' } } });
    await client.delete(cm);
    await watching;
    assert.deepEqual(seen, ['ADDED w', 'MODIFIED w', 'DELETED w']);
  });

  it('counts requests and rate-limiter waits in the rest_client metrics', async () => {
    const registry = new Registry();
    const slow = api.newClient({ metrics: metricsFor(registry), qps: 5, burst: 1 });
    for (let i = 0; i < 4; i++) await slow.list(CONFIG_MAP, { namespace: NS });
    const requests = await registry.getSingleMetric('rest_client_requests_total')?.get();
    const total =
      requests?.values.filter((v) => v.labels.code === '200').reduce((s, v) => s + v.value, 0) ?? 0;
    assert.ok(total >= 4, `requests counted: ${total}`);
    const waits = await registry.getSingleMetric('rest_client_rate_limiter_duration_seconds')?.get();
    const waited = (waits?.values as { metricName?: string; value: number }[] | undefined)
      ?.filter((v) => v.metricName === 'rest_client_rate_limiter_duration_seconds_sum')
      .reduce((sum, v) => ({ value: sum.value + v.value }), { value: 0 });
    // 5 requests (discovery + 4 lists) at 5/s with a burst of 1: at least ~0.6 s spent waiting for tokens.
    assert.ok((waited?.value ?? 0) >= 0.5, `waited ${waited?.value ?? 0} s`);
  });
});

describe('KubeClient transport edge cases', () => {
  it('retries after a 429 with Retry-After and surfaces TooManyRequestsError when not told to wait', async () => {
    let calls = 0;
    const server = http.createServer((req, res) => {
      calls++;
      if (req.url?.startsWith('/api/v1') && !req.url.includes('configmaps')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ resources: [{ name: 'configmaps', namespaced: true, kind: 'ConfigMap' }] }));
        return;
      }
      if (req.url?.includes('/busy')) {
        res.writeHead(429, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            code: 429,
            reason: 'TooManyRequests',
            message: 'slow down',
            details: { retryAfterSeconds: 3 },
          }),
        );
        return;
      }
      if (calls === 2) {
        res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' });
        res.end(
          JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'slow down' }),
        );
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ metadata: { name: 'x', namespace: 'n' }, data: {} }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const client = new KubeClient({
      server: `http://127.0.0.1:${port}`,
      namespace: 'default',
      source: 'test',
    });
    try {
      const got = await client.get(CONFIG_MAP, { namespace: 'n', name: 'x' });
      assert.equal(got.metadata.name, 'x');
      assert.equal(calls, 3, 'discovery, the 429, then the retry');
      const err = await client.get(CONFIG_MAP, { namespace: 'n', name: 'busy' }).catch((e: unknown) => e);
      assert.ok(err instanceof TooManyRequestsError);
      assert.equal(err.retryAfterSeconds, 3);
    } finally {
      client.close();
      server.close();
    }
  });

  it('turns a refused connection into a TransportError', async () => {
    const client = new KubeClient({ server: 'https://127.0.0.1:1', namespace: 'default', source: 'test' });
    await assert.rejects(client.get(CONFIG_MAP, { namespace: 'n', name: 'x' }), TransportError);
    client.close();
  });
});

describe('server-side apply racing to create', () => {
  let slow: TestApiServer;
  before(async () => {
    // Admission that takes a moment, as webhooks do: concurrent creates then meet in the store.
    slow = await startTestApiServer({
      namespaces: [NS],
      admissionPlugins: [
        {
          name: 'slow',
          mutate: async (ctx) => {
            if (ctx.operation === 'CREATE') await new Promise((r) => setTimeout(r, 20));
          },
        },
      ],
    });
  });
  after(async () => {
    await slow?.stop();
  });

  it('applies server-side concurrently to an object that does not exist yet: one creates, the others update', async () => {
    const racing = { ...CONFIG_MAP, metadata: { name: 'race', namespace: NS }, data: { same: 'value' } };
    const client = slow.client;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => client.apply<KubeObject>(racing, { fieldManager: `m${i}` })),
    );
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected').map((r) => String(r.reason)),
      [],
    );
    const stored = await client.get<KubeObject>(CONFIG_MAP, { namespace: NS, name: 'race' });
    assert.deepEqual(
      (stored.metadata.managedFields ?? []).map((f) => f.manager).sort(),
      Array.from({ length: 8 }, (_, i) => `m${i}`).sort(),
    );
  });
});
