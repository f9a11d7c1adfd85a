import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
} from '../../src/apiserver/embedded/embedded-api-server.js';
import { widgetCrd } from './fixtures/widget.js';

const NS = 'interop';

/** Status bodies from client-node 1.x arrive as JSON text inside ApiException.body. */
function statusOf(err: unknown): { code?: number; reason?: string } {
  const e = err as { code?: number; body?: unknown };
  const body =
    typeof e.body === 'string'
      ? (JSON.parse(e.body) as { reason?: string })
      : (e.body as { reason?: string });
  return { code: e.code, reason: body?.reason };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('@kubernetes/client-node 1.4 against the embedded API server', () => {
  let server: EmbeddedApiServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-interop-'));
    server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0 });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.paths.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });
  after(async () => {
    await server?.stop();
  });

  it('does CRUD on ConfigMaps with typed errors', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'cm1', labels: { app: 'interop' } }, data: { a: '1' } },
    });
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    const read = await core.readNamespacedConfigMap({ name: 'cm1', namespace: NS });
    assert.equal(read.data?.a, '1');
    read.data = { a: '2' };
    const replaced = await core.replaceNamespacedConfigMap({ name: 'cm1', namespace: NS, body: read });
    assert.equal(replaced.data?.a, '2');
    assert.ok(Number(replaced.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));
    const patched = await core.patchNamespacedConfigMap(
      { name: 'cm1', namespace: NS, body: { data: { b: '3' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(patched.data, { a: '2', b: '3' });
    // A stale replace is a 409 Conflict; a duplicate create a 409 AlreadyExists; a missing read a 404.
    await assert.rejects(
      core.replaceNamespacedConfigMap({ name: 'cm1', namespace: NS, body: read }),
      (err) => {
        assert.deepEqual(statusOf(err), { code: 409, reason: 'Conflict' });
        return true;
      },
    );
    await assert.rejects(
      core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'cm1' } } }),
      (err) => {
        assert.deepEqual(statusOf(err), { code: 409, reason: 'AlreadyExists' });
        return true;
      },
    );
    await assert.rejects(core.readNamespacedConfigMap({ name: 'nope', namespace: NS }), (err) => {
      assert.deepEqual(statusOf(err), { code: 404, reason: 'NotFound' });
      return true;
    });
    const list = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'app=interop' });
    assert.deepEqual(
      list.items.map((i) => i.metadata?.name),
      ['cm1'],
    );
    await core.deleteNamespacedConfigMap({ name: 'cm1', namespace: NS });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'cm1', namespace: NS }));
  });

  it('serves custom resources to KubernetesObjectApi (discovery, create, patch, server-side apply)', async () => {
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    // Typed models name JSONSchemaProps.default `_default`: load the YAML the client's way so it is sent.
    await ext.createCustomResourceDefinition({
      body: k8s.loadYaml<k8s.V1CustomResourceDefinition>(widgetCrd),
    });
    await eventually(
      () => server.catalog.get('test.example.com', 'v1', 'widgets') !== undefined,
      'the Widget CRD to be served',
    );
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const created = await objects.create({
      apiVersion: 'test.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: NS },
      spec: { replicas: 1 },
    } as k8s.KubernetesObject);
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    // KubernetesObjectApi keeps only the KubernetesObject fields of unknown kinds; read the body raw.
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const raw = (await custom.getNamespacedCustomObject({
      group: 'test.example.com',
      version: 'v1',
      namespace: NS,
      plural: 'widgets',
      name: 'w1',
    })) as { spec?: { color?: string; replicas?: number } };
    assert.deepEqual(raw.spec, { replicas: 1, color: 'red' }, 'schema default applied');
    const patched = await objects.patch(
      {
        apiVersion: 'test.example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w1', namespace: NS },
        spec: { replicas: 4 },
      } as k8s.KubernetesObject,
      undefined,
      undefined,
      undefined,
      undefined,
      k8s.PatchStrategy.MergePatch,
    );
    assert.ok(Number(patched.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));
    const afterPatch = (await custom.getNamespacedCustomObject({
      group: 'test.example.com',
      version: 'v1',
      namespace: NS,
      plural: 'widgets',
      name: 'w1',
    })) as { spec?: { replicas?: number } };
    assert.equal(afterPatch.spec?.replicas, 4);
    // The client's default patch type is strategic merge, which custom resources refuse with 415.
    await assert.rejects(
      objects.patch({
        apiVersion: 'test.example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w1', namespace: NS },
        spec: { replicas: 5 },
      } as k8s.KubernetesObject),
      (err) => {
        assert.equal(statusOf(err).code, 415);
        return true;
      },
    );
    const applied = await objects.patch(
      {
        apiVersion: 'test.example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w2', namespace: NS },
        spec: { replicas: 2 },
      } as k8s.KubernetesObject,
      undefined,
      undefined,
      'interop-test',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    assert.equal(applied.metadata?.managedFields?.[0]?.manager, 'interop-test');
  });

  it('runs an informer that sees adds, updates and deletes', async () => {
    const path = `/api/v1/namespaces/${NS}/configmaps`;
    const informer = k8s.makeInformer(kc, path, () => core.listNamespacedConfigMap({ namespace: NS }));
    const seen: string[] = [];
    informer.on(k8s.ADD, (o: k8s.V1ConfigMap) => seen.push(`add:${o.metadata?.name}`));
    informer.on(k8s.UPDATE, (o: k8s.V1ConfigMap) => seen.push(`update:${o.metadata?.name}:${o.data?.v}`));
    informer.on(k8s.DELETE, (o: k8s.V1ConfigMap) => seen.push(`delete:${o.metadata?.name}`));
    informer.on(k8s.ERROR, () => undefined);
    await informer.start();
    try {
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: 'inf' }, data: { v: '1' } },
      });
      await eventually(() => seen.includes('add:inf'), 'the informer to see the add');
      await core.patchNamespacedConfigMap(
        { name: 'inf', namespace: NS, body: { data: { v: '2' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually(() => seen.includes('update:inf:2'), 'the informer to see the update');
      await core.deleteNamespacedConfigMap({ name: 'inf', namespace: NS });
      await eventually(() => seen.includes('delete:inf'), 'the informer to see the delete');
      assert.deepEqual(
        informer.list(NS).map((o) => o.metadata?.name),
        [],
      );
    } finally {
      await informer.stop();
    }
  });

  it('streams a raw watch from a resourceVersion', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: NS });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { resourceVersion: list.metadata?.resourceVersion },
      (type: string, obj: k8s.V1ConfigMap) => events.push(`${type}:${obj.metadata?.name}`),
      () => undefined,
    );
    try {
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: 'w' }, data: { v: '1' } },
      });
      await eventually(() => events.includes('ADDED:w'), 'the watch event');
      assert.deepEqual(events, ['ADDED:w']);
    } finally {
      req.abort();
    }
  });
});
