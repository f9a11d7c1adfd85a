import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { UsageError } from '../errors.js';
import { fieldChanges } from './field-changes.js';
import { parsePlanInput } from './input.js';
import { threeWayMergePatch } from './kubectl-apply.js';
import { OverlayReader } from './overlay-reader.js';
import { renderPlan } from './render.js';

const obj = (spec: unknown, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'X',
  metadata: { name: 'x', ...(labels ? { labels } : {}) },
  spec,
});

describe('kubectl three-way merge patch', () => {
  it('changes what the file changes, removes what the last apply had and the file dropped, keeps the rest', () => {
    const original = { spec: { a: 1, b: 2, nested: { keep: true, drop: 'x' } } };
    const modified = { spec: { a: 1, c: 3, nested: { keep: true } } };
    const current = { spec: { a: 5, b: 2, d: 'set by a controller', nested: { keep: true, drop: 'x' } } };
    assert.deepEqual(threeWayMergePatch(original, modified, current), {
      spec: { a: 1, c: 3, b: null, nested: { drop: null } },
    });
  });

  it('without a last applied configuration nothing is removed; lists are replaced whole', () => {
    assert.deepEqual(threeWayMergePatch(undefined, { spec: { l: [1, 2] } }, { spec: { l: [1], other: 1 } }), {
      spec: { l: [1, 2] },
    });
    assert.deepEqual(threeWayMergePatch(undefined, { spec: { l: [1] } }, { spec: { l: [1] } }), {});
  });
});

describe('field changes', () => {
  it('lists changed, added and removed fields; named list items by name; ignores the last-applied annotation', () => {
    const before = obj({
      version: 'v1.33.0',
      mds: [
        { name: 'md-0', replicas: 1 },
        { name: 'md-1', replicas: 1 },
      ],
    });
    before.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const after = obj(
      { version: 'v1.34.0', mds: [{ name: 'md-0', replicas: 2 }] },
      { 'app.kubernetes.io/name': 'a' },
    );
    assert.deepEqual(fieldChanges(before, after), [
      { path: 'metadata.labels["app.kubernetes.io/name"]', to: 'a' },
      { path: 'spec.version', from: 'v1.33.0', to: 'v1.34.0' },
      { path: 'spec.mds[md-0].replicas', from: 1, to: 2 },
      { path: 'spec.mds[md-1]', from: { name: 'md-1', replicas: 1 } },
    ]);
    assert.deepEqual(fieldChanges(before, structuredClone(before)), []);
  });
});

describe('plan input', () => {
  it('takes several documents and Lists, defaulting the namespace', () => {
    const objects = parsePlanInput(
      'apiVersion: v1\nkind: X\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Y, metadata: {name: b, namespace: other}}\n',
      'f.yaml',
      'ns',
    );
    assert.deepEqual(
      objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name]),
      [
        ['X', 'ns', 'a'],
        ['Y', 'other', 'b'],
      ],
    );
  });

  it('names the file and document of what it cannot use', () => {
    assert.throws(
      () => parsePlanInput('apiVersion: v1\nkind: X\nmetadata: {name: a}\n---\nkind: Y\n', 'f.yaml', 'ns'),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message === 'f.yaml (document 2): object without apiVersion, metadata.name',
    );
    assert.throws(() => parsePlanInput('a: [', 'f.yaml', 'ns'), /^UsageError: f\.yaml: not valid YAML/);
    assert.throws(() => parsePlanInput('- 1\n', 'f.yaml', 'ns'), /f\.yaml: not a Kubernetes object/);
  });
});

describe('overlay reader', () => {
  const base = {
    get: () => Promise.reject(new Error('not expected')),
    list: () =>
      Promise.resolve({
        metadata: {},
        items: [
          {
            apiVersion: 'g/v1',
            kind: 'K',
            metadata: { name: 'a', namespace: 'n', labels: { l: '1' } },
            spec: { v: 'old' },
          },
          { apiVersion: 'g/v1', kind: 'K', metadata: { name: 'b', namespace: 'n', labels: { l: '1' } } },
        ],
      }),
  } as never;

  it('lists stored objects with overlaid ones in their place, and new ones matching namespace and labels', async () => {
    const overlay = new OverlayReader(base, [
      {
        apiVersion: 'g/v2',
        kind: 'K',
        metadata: { name: 'a', namespace: 'n', labels: { l: '1' } },
        spec: { v: 'new' },
      },
      { apiVersion: 'g/v2', kind: 'K', metadata: { name: 'c', namespace: 'n', labels: { l: '1' } } },
      { apiVersion: 'g/v2', kind: 'K', metadata: { name: 'd', namespace: 'n', labels: { l: '2' } } },
      { apiVersion: 'g/v2', kind: 'K', metadata: { name: 'e', namespace: 'm', labels: { l: '1' } } },
    ] as KubeObject[]);
    const list = await overlay.list(
      { apiVersion: 'g/v1', kind: 'K' },
      { namespace: 'n', labelSelector: { l: '1' } },
    );
    assert.deepEqual(
      list.items.map((o) => [o.metadata.name, o.apiVersion, (o.spec as { v?: string } | undefined)?.v]),
      [
        ['a', 'g/v1', 'new'],
        ['b', 'g/v1', undefined],
        ['c', 'g/v1', undefined],
      ],
    );
    assert.equal(
      (await overlay.get({ apiVersion: 'g/v1', kind: 'K' }, { namespace: 'n', name: 'c' })).metadata.name,
      'c',
    );
  });
});

describe('plan rendering', () => {
  it('says when no cluster is affected, and when no Machine is replaced', () => {
    assert.equal(
      renderPlan({ clusters: [] }),
      'No Cluster with a managed topology is affected by these objects.\n',
    );
    assert.equal(
      renderPlan({
        clusters: [
          {
            namespace: 'ns',
            name: 'c',
            clusterClass: 'cc',
            changes: [
              {
                action: 'update',
                kind: 'MachineDeployment',
                name: 'c-md-0-abcde',
                fields: [{ path: 'metadata.labels.tier', to: 'web' }],
              },
            ],
            replaced: [],
            deleted: [],
            notes: [],
          },
        ],
      }),
      'Cluster ns/c (ClusterClass cc)\n  ~ MachineDeployment c-md-0-abcde\n      metadata.labels.tier: (unset) -> "web"\n  No Machine will be replaced.\n',
    );
  });
});
