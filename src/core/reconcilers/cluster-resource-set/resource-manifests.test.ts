import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentHash, manifestObjects, normalizedData, ResourceContentError } from './resource-manifests.js';

const cm = (data: Record<string, string>) => ({
  kind: 'ConfigMap',
  metadata: { name: 'r', namespace: 'ns' },
  data,
});

describe('ClusterResourceSet resource content', () => {
  it('orders values by key and decodes Secret values, so the hash does not depend on map order', () => {
    const a = normalizedData(cm({ b: 'second', a: 'first' }));
    assert.deepEqual(a.map(String), ['first', 'second']);
    const secret = normalizedData({
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: Buffer.from('first').toString('base64'), b: Buffer.from('second').toString('base64') },
    });
    assert.deepEqual(secret.map(String), ['first', 'second']);
    assert.equal(contentHash(a), contentHash(secret));
    assert.match(contentHash(a), /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(contentHash(a), contentHash(normalizedData(cm({ a: 'first', b: 'changed' }))));
    assert.throws(
      () => normalizedData({ kind: 'ConfigMap', metadata: { name: 'empty', namespace: 'ns' } }),
      /ConfigMap ns\/empty has no data/,
    );
  });

  it('reads YAML documents and JSON lists, skips empty documents, and creates what others need first within a value', () => {
    const objects = manifestObjects(
      normalizedData(
        cm({
          '1.yaml': [
            'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: n}',
            '',
            'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, namespace: n}',
            'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: crd}',
            'apiVersion: v1\nkind: Namespace\nmetadata: {name: n}',
          ].join('\n---\n'),
          '2.json': JSON.stringify([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'later' } }]),
        }),
      ),
      'ConfigMap r',
    );
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      ['Namespace/n', 'CustomResourceDefinition/crd', 'ServiceAccount/sa', 'Deployment/d', 'Namespace/later'],
      'sorted within a value, values in key order',
    );
  });

  it('names the value and item that is not a manifest', () => {
    const parse = (data: Record<string, string>) => () =>
      manifestObjects(normalizedData(cm(data)), 'ConfigMap r');
    assert.throws(
      parse({ a: 'key: [unclosed' }),
      (err: unknown) =>
        err instanceof ResourceContentError && /ConfigMap r \(value 1 of 1\): invalid YAML/.test(err.message),
    );
    assert.throws(parse({ a: '- a\n- b' }), /a document is not an object/);
    assert.throws(parse({ a: 'kind: ConfigMap\nmetadata: {name: x}' }), /item 1 has no apiVersion or kind/);
    assert.throws(
      parse({ a: 'ok: 1', b: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}' }),
      /ConfigMap r \(value 1 of 2\): item 1 has no apiVersion/,
    );
    assert.throws(
      parse({ b: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}' }),
      /ConfigMap \(item 1\) has no metadata.name/,
    );
    assert.throws(parse({ a: '[{"apiVersion": "v1",' }), /not a valid JSON list/);
  });
});
