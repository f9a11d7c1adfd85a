import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
} from '../../src/apiserver/embedded/embedded-api-server.js';
import type { StoreAdapter } from '../../src/apiserver/embedded/store-adapter.js';
import { KubeHttp } from './helpers/kube-http.js';

const CM = '/api/v1/namespaces/default/configmaps';

/** A request with no client certificate: what an anonymous caller gets. */
function anonymous(
  server: EmbeddedApiServer,
  ca: string,
  pathname: string,
): Promise<{ code: number; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: pathname, ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('API server HTTP behaviour', () => {
  let server: EmbeddedApiServer;
  let http: KubeHttp;
  let ca: string;

  before(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-http-'));
    server = await startEmbeddedApiServer({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      inMemory: true,
      bookmarkIntervalMs: 200,
    });
    http = await KubeHttp.fromKubeconfig(server.paths.kubeconfig);
    ca = await readFile(server.paths.caCert, 'utf8');
  });
  after(async () => {
    http?.close();
    await server?.stop();
  });

  it('answers health and version anonymously, everything else with 401', async () => {
    assert.deepEqual(await anonymous(server, ca, '/healthz'), { code: 200, body: 'ok' });
    assert.equal((await anonymous(server, ca, '/version')).code, 200);
    const denied = await anonymous(server, ca, CM);
    assert.equal(denied.code, 401);
    assert.equal((JSON.parse(denied.body) as { reason: string }).reason, 'Unauthorized');
  });

  it('refuses bodies over 3 MiB with 413 and stays up', async () => {
    const res = await http.send('POST', CM, {
      metadata: { name: 'big' },
      data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) },
    });
    assert.equal(res.code, 413);
    assert.match((res.body as { message: string }).message, /Request entity too large: limit is 3145728/);
    assert.equal((await http.send('GET', '/readyz')).code, 200);
  });

  it('answers malformed JSON, YAML and protobuf with 400 Status bodies', async () => {
    const raw = (body: string, contentType: string) =>
      http.sendRaw('POST', CM, body, contentType) as Promise<{
        code: number;
        body: { kind?: string; reason?: string };
      }>;
    for (const [body, type] of [
      ['{"metadata": ', 'application/json'],
      ['metadata: [unclosed', 'application/yaml'],
      ['k8s\u0000garbage', 'application/vnd.kubernetes.protobuf'],
    ] as const) {
      const res = await raw(body, type);
      assert.equal(res.code, 400, `${type}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.kind, 'Status');
      assert.equal(res.body.reason, 'BadRequest');
    }
    assert.equal((await raw('{}', 'text/csv')).code, 415);
  });

  it('validates ObjectMeta with field paths', async () => {
    const res = await http.send('POST', CM, { metadata: { name: 'Bad_Name' } });
    assert.equal(res.code, 422);
    const body = res.body as { reason: string; details: { causes: { field: string }[] } };
    assert.equal(body.reason, 'Invalid');
    assert.equal(body.details.causes[0]?.field, 'metadata.name');
  });

  it('deletecollection deletes what the selector matches and returns the deleted objects', async () => {
    for (const name of ['dc1', 'dc2', 'dc3'])
      await http.send('POST', CM, {
        metadata: { name, labels: { batch: name === 'dc3' ? 'keep' : 'drop' } },
      });
    const res = await http.send('DELETE', `${CM}?labelSelector=batch%3Ddrop`);
    assert.equal(res.code, 200);
    assert.deepEqual(
      (res.body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name),
      ['dc1', 'dc2'],
    );
    const left = await http.send('GET', `${CM}?labelSelector=batch`);
    assert.deepEqual(
      (left.body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name),
      ['dc3'],
    );
  });

  it('dryRun=All validates a write without persisting it', async () => {
    const res = await http.send('POST', `${CM}?dryRun=All`, { metadata: { name: 'dry' } });
    assert.equal(res.code, 201);
    assert.equal((await http.send('GET', `${CM}/dry`)).code, 404);
  });

  it('sends bookmarks on watches that allow them', async () => {
    const list = await http.send('GET', CM);
    const rv = (list.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const events = await http.watch(
      `${CM}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`,
      (e) => e.some((x) => x.type === 'BOOKMARK'),
      3000,
    );
    const bookmark = events.find((e) => e.type === 'BOOKMARK');
    assert.ok(bookmark, 'no bookmark within 3 s');
    assert.ok(
      Number((bookmark.object.metadata as { resourceVersion: string }).resourceVersion) >= Number(rv),
    );
  });

  it('answers a watch from a compacted revision with a 410 Expired ERROR event', async () => {
    const first = await http.send('POST', CM, { metadata: { name: 'old' } });
    const oldRv = Number((first.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
    await http.send('POST', CM, { metadata: { name: 'newer' } });
    const store = server.registry.store as StoreAdapter;
    store.inner.compact(store.currentRevision);
    const events = await http.watch(`${CM}?watch=true&resourceVersion=${oldRv}`, (e) => e.length > 0, 3000);
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal((events[0]?.object as { code?: number }).code, 410);
    assert.match((events[0]?.object as { message?: string }).message ?? '', /too old resource version/);
  });

  it('lists at an exact resourceVersion and pages with continue tokens from one snapshot', async () => {
    for (const name of ['p1', 'p2', 'p3'])
      await http.send('POST', CM, { metadata: { name, labels: { page: 'yes' } } });
    const page1 = (await http.send('GET', `${CM}?labelSelector=page&limit=2`)).body as {
      items: unknown[];
      metadata: { continue?: string; resourceVersion: string };
    };
    assert.equal(page1.items.length, 2);
    assert.ok(page1.metadata.continue);
    await http.send('POST', CM, { metadata: { name: 'p4', labels: { page: 'yes' } } });
    const page2 = (
      await http.send('GET', `${CM}?labelSelector=page&limit=2&continue=${page1.metadata.continue}`)
    ).body as {
      items: { metadata: { name: string } }[];
      metadata: { resourceVersion: string };
    };
    // p4 was written after the snapshot: the second page does not show it.
    assert.deepEqual(
      page2.items.map((i) => i.metadata.name),
      ['p3'],
    );
    assert.equal(page2.metadata.resourceVersion, page1.metadata.resourceVersion);
  });
});
