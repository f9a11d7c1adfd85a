import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JSONSchemaProps, KubeObject, ManagedFieldsEntry } from '../registry/resource-definition.js';
import { crdTypeResolver } from './crd-type-resolver.js';
import { applyServerSide } from './server-side-apply.js';
import { type UpdateManagedFieldsInput, updateManagedFields } from './update-managed-fields.js';

const API_VERSION = 'test.example.com/v1';
const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        color: { type: 'string' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
      },
    },
    status: { type: 'object', properties: { ready: { type: 'boolean' } } },
  },
};
const resolver = crdTypeResolver(schema);
const T0 = new Date('2024-05-01T10:00:00.700Z');
const T1 = new Date('2024-05-01T11:00:00.100Z');

function widget(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Widget',
    metadata: { name: 'w1', namespace: 'smoke', ...metadata },
    spec,
  };
}

/** One write as the registry performs it: compute managedFields, store them with the object. */
function write(
  previous: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  opts: Partial<UpdateManagedFieldsInput> = {},
): KubeObject {
  const out = structuredClone(next);
  out.metadata = { ...out.metadata, uid: 'uid-1', creationTimestamp: '2024-05-01T10:00:00Z', generation: 1 };
  const managedFields = updateManagedFields({
    previous,
    next: out,
    manager,
    apiVersion: API_VERSION,
    resolver,
    now: T0,
    ...opts,
  });
  if (managedFields.length > 0) out.metadata.managedFields = managedFields;
  else delete out.metadata.managedFields;
  return out;
}

function change(obj: KubeObject, mutate: (o: KubeObject) => void): KubeObject {
  const copy = structuredClone(obj);
  mutate(copy);
  return copy;
}

const spec = (o: KubeObject): Record<string, unknown> => o.spec as Record<string, unknown>;
const entries = (o: KubeObject): ManagedFieldsEntry[] => o.metadata?.managedFields ?? [];

describe('updateManagedFields', () => {
  it('records a create as an Update entry without server-owned metadata', () => {
    const w = write(undefined, widget({ replicas: 1 }, { labels: { app: 'x' } }), 'kubectl-create');
    assert.deepEqual(entries(w), [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: API_VERSION,
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': { '.': {}, 'f:replicas': {} },
        },
      },
    ]);
  });

  it('moves changed fields to the writer, drops removed fields from every owner, drops empty entries', () => {
    let w = write(undefined, widget({ replicas: 1, color: 'red' }), 'creator');
    w = write(
      w,
      change(w, (o) => (spec(o).replicas = 3)),
      'scaler',
      { now: T1 },
    );
    assert.deepEqual(
      entries(w).map((e) => [e.manager, e.fieldsV1, e.time]),
      [
        ['creator', { 'f:spec': { '.': {}, 'f:color': {} } }, '2024-05-01T10:00:00Z'],
        ['scaler', { 'f:spec': { 'f:replicas': {} } }, '2024-05-01T11:00:00Z'],
      ],
    );
    w = write(
      w,
      change(w, (o) => delete spec(o).replicas),
      'cleaner',
    );
    assert.deepEqual(
      entries(w).map((e) => e.manager),
      ['creator'],
      'scaler lost its only field; the cleaner took nothing',
    );
  });

  it('a write that changes nothing keeps entries and times as they were', () => {
    const w = write(undefined, widget({ replicas: 1 }), 'creator');
    const again = write(
      w,
      change(w, (o) => (o.metadata = { ...o.metadata, resourceVersion: '9' })),
      'other',
      {
        now: T1,
      },
    );
    assert.deepEqual(entries(again), entries(w));
  });

  it('merges entries per manager, operation, apiVersion and subresource', () => {
    let w = write(undefined, widget({ replicas: 1 }), 'ctl');
    w = write(
      w,
      change(w, (o) => (spec(o).color = 'red')),
      'ctl',
      { now: T1 },
    );
    assert.deepEqual(
      entries(w).map((e) => [e.manager, e.fieldsV1, e.time]),
      [['ctl', { 'f:spec': { '.': {}, 'f:color': {}, 'f:replicas': {} } }, '2024-05-01T11:00:00Z']],
    );
    w = write(
      w,
      change(w, (o) => (o.status = { ready: true })),
      'ctl',
      { subresource: 'status', now: T1 },
    );
    w = write(
      w,
      change(w, (o) => (spec(o).replicas = 2)),
      'ctl',
      { apiVersion: 'test.example.com/v2', now: T1 },
    );
    assert.deepEqual(
      entries(w).map((e) => [e.manager, e.apiVersion, e.subresource ?? '', e.fieldsV1]),
      [
        ['ctl', API_VERSION, '', { 'f:spec': { '.': {}, 'f:color': {} } }],
        ['ctl', API_VERSION, 'status', { 'f:status': { '.': {}, 'f:ready': {} } }],
        ['ctl', 'test.example.com/v2', '', { 'f:spec': { 'f:replicas': {} } }],
      ],
    );
  });

  it('ignores status through the main resource and spec through /status of a kind with /status', () => {
    const opts = { statusSubresource: true };
    let w = write(undefined, widget({ replicas: 1 }), 'creator', opts);
    w = write(
      w,
      change(w, (o) => {
        o.status = { ready: true };
        spec(o).color = 'red';
      }),
      'main',
      opts,
    );
    assert.deepEqual(entries(w).find((e) => e.manager === 'main')?.fieldsV1, { 'f:spec': { 'f:color': {} } });
    w = write(
      w,
      change(w, (o) => {
        o.status = { ready: false };
        spec(o).replicas = 7;
      }),
      'ctrl',
      { ...opts, subresource: 'status' },
    );
    const ctrl = entries(w).find((e) => e.manager === 'ctrl');
    assert.equal(ctrl?.subresource, 'status');
    assert.deepEqual(ctrl?.fieldsV1, { 'f:status': { 'f:ready': {} } });
  });

  it('lets an update take a field from an applier, so the next apply of another value conflicts', () => {
    const applied = applyServerSide({
      live: undefined,
      applied: widget({ ports: [{ name: 'a', port: 1 }] }),
      manager: 'kubectl',
      force: false,
      apiVersion: API_VERSION,
      resolver,
      now: T0,
    }).object;
    applied.metadata = { ...applied.metadata, uid: 'uid-1' };
    const w = write(
      applied,
      change(applied, (o) => ((spec(o).ports as { port: number }[])[0]!.port = 2)),
      'edit',
    );
    assert.deepEqual(entries(w).find((e) => e.manager === 'edit')?.fieldsV1, {
      'f:spec': { 'f:ports': { 'k:{"name":"a"}': { 'f:port': {} } } },
    });
    assert.throws(
      () =>
        applyServerSide({
          live: w,
          applied: widget({ ports: [{ name: 'a', port: 1 }] }),
          manager: 'kubectl',
          force: false,
          apiVersion: API_VERSION,
          resolver,
          now: T1,
        }),
      {
        message: `Apply failed with 1 conflict: conflict with "edit" using ${API_VERSION}: .spec.ports[name="a"].port`,
      },
    );
  });
});

describe('updateManagedFields: managedFields written by clients', () => {
  it('an empty list clears tracking, and the object stays untracked until the next apply', () => {
    let w = write(undefined, widget({ replicas: 1 }), 'creator');
    w = write(
      w,
      change(w, (o) => (o.metadata!.managedFields = [])),
      'kubectl-patch',
    );
    assert.equal(w.metadata?.managedFields, undefined);
    w = write(
      w,
      change(w, (o) => (spec(o).replicas = 2)),
      'later',
    );
    assert.equal(w.metadata?.managedFields, undefined, 'not tracked again by updates');
    const reapplied = applyServerSide({
      live: w,
      applied: widget({ replicas: 2 }),
      manager: 'kubectl',
      force: false,
      apiVersion: API_VERSION,
      resolver,
      now: T1,
    });
    assert.deepEqual(
      reapplied.managedFields.map((e) => [e.manager, e.operation, e.fieldsV1]),
      [
        ['kubectl', 'Apply', { 'f:spec': { 'f:replicas': {} } }],
        ['before-first-apply', 'Update', { 'f:spec': { '.': {}, 'f:replicas': {} } }],
      ],
      'an apply tracks the object again, crediting what was there to before-first-apply',
    );

    const single = write(undefined, widget({ replicas: 1 }), 'creator');
    const cleared = write(
      single,
      change(single, (o) => (o.metadata!.managedFields = [{}])),
      'x',
    );
    assert.equal(cleared.metadata?.managedFields, undefined, '[{}] clears too');
  });

  it('a rewritten list replaces the stored tracking (kubectl CSA→SSA migration)', () => {
    let w = write(undefined, widget({ replicas: 1 }), 'kubectl-client-side-apply');
    const migrated = change(w, (o) => {
      const [csa] = entries(o);
      o.metadata!.managedFields = [{ ...csa, manager: 'kubectl', operation: 'Apply' }];
    });
    w = write(w, migrated, 'kubectl');
    assert.deepEqual(
      entries(w).map((e) => [e.manager, e.operation, e.fieldsV1]),
      [['kubectl', 'Apply', { 'f:spec': { '.': {}, 'f:replicas': {} } }]],
    );
  });

  it('a list that does not decode, or one sent through a subresource, leaves the stored tracking', () => {
    const w = write(undefined, widget({ replicas: 1 }), 'creator');
    const bogus = change(w, (o) => (o.metadata!.managedFields = [{ manager: 'x', operation: 'Update' }]));
    assert.deepEqual(entries(write(w, bogus, 'other')), entries(w));
    const viaStatus = change(
      w,
      (o) => (o.metadata!.managedFields = [{ ...entries(w)[0], manager: 'renamed' }]),
    );
    assert.deepEqual(entries(write(w, viaStatus, 'other', { subresource: 'status' })), entries(w));
  });

  it('caps Update entries at ten, folding the oldest into ancient-changes', () => {
    let w = write(undefined, widget({}), 'creator');
    for (let i = 0; i < 11; i++) {
      w = write(
        w,
        change(w, (o) => (spec(o)[`f${i}`] = i)),
        `m${i}`,
        {
          now: new Date(Date.UTC(2024, 0, 1, 0, 0, i)),
        },
      );
    }
    const names = entries(w).map((e) => e.manager);
    // creator plus eleven writers: the three oldest writers share one entry stamped with the newest of them.
    assert.equal(names.length, 10);
    assert.deepEqual(names.slice(0, 2), ['ancient-changes', 'm3']);
    assert.ok(names.includes('creator'));
    assert.deepEqual(entries(w)[0]?.fieldsV1, { 'f:spec': { 'f:f0': {}, 'f:f1': {}, 'f:f2': {} } });
    assert.equal(entries(w)[0]?.time, '2024-01-01T00:00:02Z');
  });
});
