import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { builtinTypeResolver } from './builtin-type-resolver.js';
import { ManagedFieldsManager, typeResolverFor } from './field-manager.js';
import { applyServerSide } from './server-side-apply.js';
import { toFieldSet } from './typed-value.js';

const NOW = new Date('2024-05-01T10:00:00Z');

function deployment(containers: unknown[]): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'default' },
    spec: { replicas: 1, template: { spec: { containers } } },
  };
}

describe('builtinTypeResolver', () => {
  const deployments = builtinTypeResolver({ group: 'apps', kind: 'Deployment' });

  it('keys containers by name and ports by containerPort+protocol (TCP by default)', () => {
    const set = toFieldSet(
      deployment([{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }], args: ['a'] }]),
      deployments.root,
    );
    assert.deepEqual(set.toFieldsV1(), {
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': { 'f:name': {}, 'f:namespace': {} },
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': {
                '.': {},
                'f:args': {},
                'f:image': {},
                'f:name': {},
                'f:ports': {
                  'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
                },
              },
            },
          },
        },
      },
    });
  });

  it('merges containers by name across managers', () => {
    const first = applyServerSide({
      live: undefined,
      applied: deployment([{ name: 'app', image: 'nginx:1' }]),
      manager: 'kubectl',
      force: false,
      apiVersion: 'apps/v1',
      resolver: deployments,
      now: NOW,
    }).object;
    const second = applyServerSide({
      live: first,
      applied: deployment([{ name: 'sidecar', image: 'envoy' }]),
      manager: 'injector',
      force: false,
      apiVersion: 'apps/v1',
      resolver: deployments,
      now: NOW,
    }).object;
    const containers = (second.spec as { template: { spec: { containers: { name: string }[] } } }).template
      .spec.containers;
    assert.deepEqual(
      containers.map((c) => c.name),
      ['app', 'sidecar'],
    );
  });

  it('types ObjectMeta: ownerReferences keyed by uid and atomic, finalizers a set', () => {
    const set = toFieldSet(
      {
        metadata: {
          ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }],
          finalizers: ['a'],
        },
      },
      builtinTypeResolver({ group: '', kind: 'ConfigMap' }).root,
    );
    assert.deepEqual(set.toFieldsV1(), {
      'f:metadata': { 'f:finalizers': { 'v:"a"': {} }, 'f:ownerReferences': { 'k:{"uid":"u1"}': {} } },
    });
  });

  it('takes strategic-merge keys as map-lists where the table is silent', () => {
    const resolver = builtinTypeResolver({ group: '', kind: 'Thing', listMergeKeys: { 'spec.items': 'id' } });
    const set = toFieldSet({ spec: { items: [{ id: 'a' }], other: [1] } }, resolver.root);
    assert.deepEqual(set.toFieldsV1(), {
      'f:spec': { 'f:items': { 'k:{"id":"a"}': { '.': {}, 'f:id': {} } }, 'f:other': {} },
    });
  });
});

describe('ManagedFieldsManager', () => {
  const base = {
    singular: 'widget',
    listKind: 'WidgetList',
    shortNames: [],
    categories: [],
    namespaced: true,
    verbs: [],
    strategy: { hasGeneration: true, allowUnconditionalUpdate: false },
  };
  const crd: ResourceDefinition = {
    ...base,
    group: 'test.example.com',
    version: 'v1',
    kind: 'Widget',
    plural: 'widgets',
    subresources: { status: true },
    schema: {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          },
        },
      },
    },
  };

  it('uses the CRD schema, the definition apiVersion and its status subresource', () => {
    const manager = new ManagedFieldsManager();
    const result = manager.apply({
      def: crd,
      live: undefined,
      applied: {
        apiVersion: 'test.example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { tags: ['a'] },
        status: { x: 1 },
      },
      manager: 'kubectl',
      force: false,
      subresource: undefined,
      now: NOW,
    });
    assert.deepEqual(result.managedFields[0]?.fieldsV1, { 'f:spec': { 'f:tags': { 'v:"a"': {} } } });
    assert.equal(result.object.status, undefined);
    assert.equal(typeResolverFor(crd), typeResolverFor(crd), 'resolvers are cached per definition');

    const next = {
      ...result.object,
      metadata: { ...result.object.metadata, uid: 'u' },
      spec: { tags: ['a', 'b'] },
    };
    const managed = manager.update({
      def: crd,
      previous: { ...result.object, metadata: { ...result.object.metadata, uid: 'u' } },
      next,
      manager: 'gc',
      subresource: 'internal',
      now: NOW,
    });
    assert.deepEqual(
      managed.map((e) => [e.manager, e.subresource]),
      [
        ['kubectl', undefined],
        ['gc', undefined],
      ],
    );
  });
});
