import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../../client/errors.js';
import { FakeClient } from './fake-client.js';

const WIDGET = { apiVersion: 'example.io/v1', kind: 'Widget' };

function widget(extra: Partial<KubeObject> = {}): KubeObject {
  return { ...WIDGET, metadata: { namespace: 'ns', name: 'w' }, spec: { size: 1 }, ...extra };
}

describe('FakeClient', () => {
  it('assigns uid, generation and advancing resourceVersions, and records requests', async () => {
    const fake = new FakeClient();
    const created = await fake.create(widget());
    assert.ok(created.metadata.uid);
    assert.equal(created.metadata.generation, 1);
    const patched = await fake.patch(created, { type: 'merge', data: { spec: { size: 2 } } });
    assert.ok(Number(patched.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    assert.equal(patched.metadata.generation, 2);
    assert.deepEqual(
      fake.requests.map((r) => r.verb),
      ['create', 'patch'],
    );
    await assert.rejects(fake.create(widget()), AlreadyExistsError);
  });

  it('treats metadata.resourceVersion in a merge patch or update as an optimistic lock', async () => {
    const fake = new FakeClient();
    const created = await fake.create(widget());
    await fake.patch(created, { type: 'merge', data: { metadata: { labels: { a: 'b' } } } });
    await assert.rejects(
      fake.patch(created, {
        type: 'merge',
        data: { metadata: { resourceVersion: created.metadata.resourceVersion }, spec: { size: 9 } },
      }),
      ConflictError,
    );
    await assert.rejects(fake.update(created), ConflictError);
    assert.equal((fake.peek(WIDGET, { namespace: 'ns', name: 'w' })!.spec as { size: number }).size, 1);
  });

  it('keeps status and the rest apart, like a CRD with a status subresource', async () => {
    const fake = new FakeClient();
    const created = await fake.create(widget({ status: { ignored: true } }));
    assert.equal(created.status, undefined);
    await fake.patch(created, { type: 'merge', data: { status: { phase: 'x' }, spec: { size: 3 } } });
    await fake.patchStatus(created, {
      type: 'merge',
      data: { status: { phase: 'Ready' }, spec: { size: 4 } },
    });
    const stored = fake.peek(WIDGET, { namespace: 'ns', name: 'w' })!;
    assert.deepEqual(stored.status, { phase: 'Ready' });
    assert.deepEqual(stored.spec, { size: 3 });
    assert.equal(stored.metadata.generation, 2);
  });

  it('holds deletion until the last finalizer is removed', async () => {
    const fake = new FakeClient();
    const created = await fake.create(
      widget({ metadata: { namespace: 'ns', name: 'w', finalizers: ['f'] } }),
    );
    await fake.delete(created);
    const deleting = await fake.get(WIDGET, { namespace: 'ns', name: 'w' });
    assert.ok(deleting.metadata.deletionTimestamp);
    await fake.patch(deleting, { type: 'merge', data: { metadata: { finalizers: null } } });
    await assert.rejects(fake.get(WIDGET, { namespace: 'ns', name: 'w' }), NotFoundError);
  });

  it('lists by namespace and labels', async () => {
    const fake = new FakeClient();
    fake.seed(widget({ metadata: { namespace: 'a', name: 'one', labels: { tier: 'web' } } }));
    fake.seed(widget({ metadata: { namespace: 'a', name: 'two', labels: { tier: 'db' } } }));
    fake.seed(widget({ metadata: { namespace: 'b', name: 'three', labels: { tier: 'web' } } }));
    const names = async (options: Parameters<FakeClient['list']>[1]) =>
      (await fake.list(WIDGET, options)).items.map((i) => i.metadata.name).sort();
    assert.deepEqual(await names({ namespace: 'a' }), ['one', 'two']);
    assert.deepEqual(await names({ labelSelector: { tier: 'web' } }), ['one', 'three']);
    assert.deepEqual(await names({ namespace: 'a', labelSelector: 'tier!=web' }), ['two']);
  });

  it('applies JSON patches, failing on a broken test operation', async () => {
    const fake = new FakeClient();
    const created = await fake.create(widget());
    const patched = await fake.patch(created, {
      type: 'json',
      data: [{ op: 'replace', path: '/spec/size', value: 5 }],
    });
    assert.deepEqual(patched.spec, { size: 5 });
    await assert.rejects(
      fake.patch(created, { type: 'json', data: [{ op: 'test', path: '/spec/size', value: 1 }] }),
      /could not be applied/,
    );
  });
});
