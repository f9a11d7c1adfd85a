import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../errors/status-error.js';
import type { JSONSchemaProps, KubeObject, ManagedFieldsEntry } from '../registry/resource-definition.js';
import { ApplyConflictError } from './apply-conflict-error.js';
import { crdTypeResolver } from './crd-type-resolver.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';
import { type ApplyServerSideInput, applyServerSide } from './server-side-apply.js';
import { updateManagedFields } from './update-managed-fields.js';

const API_VERSION = 'test.example.com/v1';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        color: { type: 'string' },
        size: { type: 'integer' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', items: { type: 'string' } },
        settings: { type: 'object', additionalProperties: { type: 'string' } },
        selector: {
          type: 'object',
          'x-kubernetes-map-type': 'atomic',
          additionalProperties: { type: 'string' },
        },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
    },
    status: { type: 'object', properties: { ready: { type: 'boolean' } } },
  },
};
const resolver = crdTypeResolver(schema);

const T0 = new Date('2024-05-01T10:00:00.250Z');
const T1 = new Date('2024-05-01T10:05:00.999Z');

function widget(spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Widget',
    metadata: { name: 'w1', namespace: 'smoke' },
    spec,
    ...extra,
  };
}

/** What the registry does with a fresh object: server-owned metadata. */
function stored(obj: KubeObject): KubeObject {
  return {
    ...obj,
    metadata: { ...obj.metadata, uid: 'uid-1', resourceVersion: '7', creationTimestamp: 'x' },
  };
}

function apply(
  live: KubeObject | undefined,
  applied: KubeObject,
  manager: string,
  opts: Partial<ApplyServerSideInput> = {},
): KubeObject {
  const result = applyServerSide({
    live,
    applied,
    manager,
    force: false,
    apiVersion: API_VERSION,
    resolver,
    now: T0,
    ...opts,
  });
  assert.deepEqual(result.object.metadata?.managedFields ?? [], result.managedFields);
  return live ? result.object : stored(result.object);
}

function entry(obj: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return obj.metadata?.managedFields?.find((e) => e.manager === manager);
}

function conflictOf(fn: () => unknown): ApplyConflictError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApplyConflictError, `expected a conflict, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a conflict');
}

describe('applyServerSide: the kubectl smoke scenario', () => {
  it('creates, conflicts, forces, removes dropped fields and keeps co-owned ones', () => {
    // kubectl apply --server-side: creates the object and records an Apply entry.
    let w = apply(undefined, widget({ replicas: 1, color: 'red' }), 'kubectl');
    assert.deepEqual(w.spec, { replicas: 1, color: 'red' });
    assert.deepEqual(w.metadata?.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: API_VERSION,
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:color': {}, 'f:replicas': {} } },
      },
    ]);

    // Another manager changing kubectl's field conflicts (an Apply manager is printed without its version).
    const err = conflictOf(() => apply(w, widget({ replicas: 5 }), 'other'));
    assert.equal(err.status.code, 409);
    assert.equal(err.status.reason, 'Conflict');
    assert.equal(err.status.message, 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    assert.deepEqual(err.status.details?.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' },
    ]);
    assert.deepEqual(err.conflicts, [{ manager: 'kubectl', operation: 'Apply', field: '.spec.replicas' }]);

    // --force-conflicts: the value changes and ownership moves.
    w = apply(w, widget({ replicas: 5 }), 'other', { force: true, now: T1 });
    assert.deepEqual(w.spec, { replicas: 5, color: 'red' });
    assert.deepEqual(entry(w, 'kubectl')?.fieldsV1, { 'f:spec': { 'f:color': {} } });
    assert.equal(entry(w, 'kubectl')?.time, '2024-05-01T10:00:00Z', 'kubectl did not write');
    assert.deepEqual(entry(w, 'other')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(w, 'other')?.time, '2024-05-01T10:05:00Z');

    // An Update manager sets size; kubectl then applies the same value: shared, no conflict.
    const edited = structuredClone(w);
    (edited.spec as Record<string, unknown>).size = 3;
    edited.metadata = {
      ...edited.metadata,
      managedFields: updateManagedFields({
        previous: w,
        next: edited,
        manager: 'editor',
        apiVersion: API_VERSION,
        resolver,
        now: T1,
      }),
    };
    w = apply(edited, widget({ color: 'red', size: 3 }), 'kubectl');
    assert.deepEqual(entry(w, 'kubectl')?.fieldsV1, { 'f:spec': { 'f:color': {}, 'f:size': {} } });
    assert.deepEqual(entry(w, 'editor')?.fieldsV1, { 'f:spec': { 'f:size': {} } });

    // kubectl re-applies without color and size: color goes, size stays (the editor still owns it).
    w = apply(w, widget({}), 'kubectl');
    assert.deepEqual(w.spec, { replicas: 5, size: 3 });
    assert.deepEqual(entry(w, 'kubectl')?.fieldsV1, { 'f:spec': {} });
    assert.deepEqual(entry(w, 'editor')?.fieldsV1, { 'f:spec': { 'f:size': {} } });
  });

  it('a no-op apply by a new co-owner changes nothing but managedFields (without a time, as upstream)', () => {
    const w = apply(undefined, widget({ replicas: 1 }), 'kubectl');
    const again = apply(w, widget({ replicas: 1 }), 'other', { now: T1 });
    assert.deepEqual(again.spec, { replicas: 1 });
    const other = entry(again, 'other');
    assert.deepEqual(other?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(other?.time, undefined);
    assert.equal(entry(again, 'kubectl')?.time, '2024-05-01T10:00:00Z');
  });

  it('reports several conflicts grouped by manager, updaters with their version', () => {
    let w = apply(undefined, widget({ replicas: 1, color: 'red' }), 'm1');
    const next = structuredClone(w);
    (next.spec as Record<string, unknown>).size = 2;
    next.metadata = {
      ...next.metadata,
      managedFields: updateManagedFields({
        previous: w,
        next,
        manager: 'm3',
        apiVersion: API_VERSION,
        subresource: 'scale',
        resolver,
        now: T1,
      }),
    };
    w = next;
    const err = conflictOf(() => apply(w, widget({ replicas: 2, color: 'blue', size: 9 }), 'm2'));
    assert.equal(
      err.status.message,
      'Apply failed with 3 conflicts: conflicts with "m1":\n- .spec.color\n- .spec.replicas\n' +
        `conflicts with "m3" with subresource "scale" using ${API_VERSION}:\n- .spec.size`,
    );
    assert.deepEqual(
      err.status.details?.causes?.map((c) => [c.message, c.field]),
      [
        ['conflict with "m1"', '.spec.color'],
        ['conflict with "m1"', '.spec.replicas'],
        [`conflict with "m3" with subresource "scale" using ${API_VERSION}`, '.spec.size'],
      ],
    );
  });
});

describe('applyServerSide: list and map semantics', () => {
  it('merges map-lists by key, conflicts on one item field, prunes only its own items', () => {
    let w = apply(
      undefined,
      widget({
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 81 },
        ],
      }),
      'm1',
    );
    const err = conflictOf(() => apply(w, widget({ ports: [{ name: 'b', port: 82 }] }), 'm2'));
    assert.equal(
      err.status.message,
      'Apply failed with 1 conflict: conflict with "m1": .spec.ports[name="b"].port',
    );

    w = apply(w, widget({ ports: [{ name: 'c', port: 90 }] }), 'm2');
    assert.deepEqual(w.spec, {
      ports: [
        { name: 'a', port: 80 },
        { name: 'b', port: 81 },
        { name: 'c', port: 90 },
      ],
    });
    assert.deepEqual(entry(w, 'm2')?.fieldsV1, {
      'f:spec': { 'f:ports': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:port': {} } } },
    });

    w = apply(w, widget({ ports: [{ name: 'a', port: 80 }] }), 'm1');
    assert.deepEqual(w.spec, {
      ports: [
        { name: 'a', port: 80 },
        { name: 'c', port: 90 },
      ],
    });
  });

  it('keeps the live order and puts new items where the configuration has them', () => {
    let w = apply(undefined, widget({ ports: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }), 'm1');
    w = apply(w, widget({ ports: [{ name: 'a' }, { name: 'x' }, { name: 'b' }, { name: 'c' }] }), 'm1');
    assert.deepEqual(
      (w.spec as { ports: { name: string }[] }).ports.map((p) => p.name),
      ['a', 'x', 'b', 'c'],
    );
  });

  it('unions sets and removes only the values the applier dropped', () => {
    let w = apply(undefined, widget({ tags: ['x', 'y'] }), 'm1');
    w = apply(w, widget({ tags: ['z', 'x'] }), 'm2');
    // New values go where the configuration puts them relative to the values both sides have.
    assert.deepEqual((w.spec as { tags: string[] }).tags, ['z', 'x', 'y']);
    assert.deepEqual(entry(w, 'm2')?.fieldsV1, { 'f:spec': { 'f:tags': { 'v:"x"': {}, 'v:"z"': {} } } });
    w = apply(w, widget({ tags: [] }), 'm1');
    assert.deepEqual((w.spec as { tags: string[] }).tags, ['z', 'x'], 'x is still owned by m2');
  });

  it('replaces atomic lists whole and treats them as one field', () => {
    let w = apply(undefined, widget({ args: ['a', 'b'] }), 'm1');
    assert.deepEqual(entry(w, 'm1')?.fieldsV1, { 'f:spec': { 'f:args': {} } });
    const err = conflictOf(() => apply(w, widget({ args: ['a', 'b', 'c'] }), 'm2'));
    assert.equal(err.conflicts[0]?.field, '.spec.args');
    w = apply(w, widget({ args: ['c'] }), 'm2', { force: true });
    assert.deepEqual((w.spec as { args: string[] }).args, ['c']);
    assert.equal(entry(w, 'm1'), undefined, 'm1 owned nothing else');
  });

  it('owns granular map keys separately but atomic maps whole', () => {
    let w = apply(undefined, widget({ settings: { a: '1' }, selector: { app: 'x' } }), 'm1');
    w = apply(w, widget({ settings: { b: '2' } }), 'm2');
    assert.deepEqual((w.spec as { settings: unknown }).settings, { a: '1', b: '2' });
    assert.deepEqual(entry(w, 'm1')?.fieldsV1, {
      'f:spec': { 'f:selector': {}, 'f:settings': { 'f:a': {} } },
    });

    const err = conflictOf(() => apply(w, widget({ selector: { tier: 'y' } }), 'm2'));
    assert.equal(err.conflicts[0]?.field, '.spec.selector');
    w = apply(w, widget({ selector: { tier: 'y' } }), 'm2', { force: true });
    assert.deepEqual((w.spec as { selector: unknown }).selector, { tier: 'y' }, 'replaced, not merged');
  });

  it('deduces preserve-unknown-fields content: maps granular with `.` members, lists atomic', () => {
    const w = apply(undefined, widget({ extra: { a: { b: 1 }, list: [1, 2] } }), 'm1');
    assert.deepEqual(entry(w, 'm1')?.fieldsV1, {
      'f:spec': { 'f:extra': { 'f:a': { '.': {}, 'f:b': {} }, 'f:list': {} } },
    });
  });

  it('types the metadata of embedded resources as ObjectMeta', () => {
    const w = apply(
      undefined,
      widget({
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { a: 'b' } }, spec: { x: 1 } },
      }),
      'm1',
    );
    assert.deepEqual(entry(w, 'm1')?.fieldsV1, {
      'f:spec': {
        'f:template': {
          'f:apiVersion': {},
          'f:kind': {},
          'f:metadata': { 'f:labels': { 'f:a': {} } },
          'f:spec': { '.': {}, 'f:x': {} },
        },
      },
    });
  });

  it('owns labels and finalizers of the object, but not its name', () => {
    const w = apply(
      undefined,
      widget({ replicas: 1 }, { metadata: { name: 'w1', labels: { app: 'x' }, finalizers: ['f1'] } }),
      'm1',
    );
    assert.deepEqual(entry(w, 'm1')?.fieldsV1, {
      'f:metadata': { 'f:finalizers': { 'v:"f1"': {} }, 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:replicas': {} },
    });
  });
});

describe('applyServerSide: subresources and status', () => {
  it('does not own or change status through the main resource of a kind with /status', () => {
    const live = apply(undefined, widget({ replicas: 1 }), 'm1', { statusSubresource: true });
    live.status = { ready: false };
    const w = apply(live, widget({ replicas: 2 }, { status: { ready: true } }), 'm1', {
      statusSubresource: true,
    });
    assert.deepEqual(w.spec, { replicas: 2 });
    assert.deepEqual(w.status, { ready: false });
    assert.deepEqual(entry(w, 'm1')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  });

  it('records /status applies with their subresource and leaves spec alone', () => {
    const live = stored(widget({ replicas: 1 }));
    const w = apply(live, widget({ replicas: 9 }, { status: { ready: true } }), 'ctrl', {
      subresource: 'status',
      statusSubresource: true,
    });
    assert.deepEqual(w.spec, { replicas: 1 });
    assert.deepEqual(w.status, { ready: true });
    const e = entry(w, 'ctrl');
    assert.equal(e?.subresource, 'status');
    assert.deepEqual(e?.fieldsV1, { 'f:status': { 'f:ready': {} } });

    const err = conflictOf(() =>
      apply(w, widget({}, { status: { ready: false } }), 'other', { subresource: 'status' }),
    );
    assert.equal(
      err.status.message,
      'Apply failed with 1 conflict: conflict with "ctrl" with subresource "status": .status.ready',
    );
  });
});

describe('applyServerSide: objects not tracked yet and client-side apply', () => {
  it('attributes existing fields of an untracked object to before-first-apply', () => {
    const live = stored(widget({ replicas: 1 }));
    const err = conflictOf(() => apply(live, widget({ replicas: 2 }), 'kubectl'));
    assert.equal(
      err.status.message,
      `Apply failed with 1 conflict: conflict with "before-first-apply" using ${API_VERSION}: .spec.replicas`,
    );
  });

  it('lets kubectl take over the fields of its last client-side apply', () => {
    const lastApplied = JSON.stringify(widget({ replicas: 1, color: 'red' }));
    const live = stored(widget({ replicas: 1, color: 'blue' }));
    live.metadata = { ...live.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied } };
    live.metadata.managedFields = [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: API_VERSION,
        time: '2024-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:annotations': { '.': {}, [`f:${LAST_APPLIED_ANNOTATION}`]: {} } },
          'f:spec': { '.': {}, 'f:color': {}, 'f:replicas': {} },
        },
      },
    ];
    // color was changed since the last client-side apply: that conflict stays.
    const err = conflictOf(() => apply(live, widget({ replicas: 2, color: 'green' }), 'kubectl'));
    assert.equal(
      err.status.message,
      `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using ${API_VERSION}: .spec.color`,
    );
    // Another manager name gets no such allowance.
    assert.equal(conflictOf(() => apply(live, widget({ replicas: 2 }), 'helm')).conflicts.length, 1);

    const w = apply(live, widget({ replicas: 2 }), 'kubectl');
    assert.deepEqual(w.spec, { replicas: 2, color: 'blue' });
    assert.deepEqual(entry(w, 'kubectl')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(
      w.metadata?.annotations?.[LAST_APPLIED_ANNOTATION],
      '{"apiVersion":"test.example.com/v1","kind":"Widget","metadata":{"name":"w1","namespace":"smoke"},"spec":{"replicas":2}}\n',
      'the annotation follows what kubectl applies',
    );
  });
});

describe('applyServerSide: rejected configurations', () => {
  it('refuses managedFields in the configuration (400)', () => {
    const applied = widget({});
    applied.metadata = { ...applied.metadata, managedFields: [] };
    assert.throws(
      () => apply(undefined, applied, 'm1'),
      (err: unknown) =>
        err instanceof StatusError &&
        err.code === 400 &&
        err.status.message === 'metadata.managedFields must be nil',
    );
  });

  it('refuses a configuration of another version or kind (400)', () => {
    assert.throws(
      () => apply(undefined, { ...widget({}), apiVersion: 'test.example.com/v2' }, 'm1'),
      (err: unknown) =>
        err instanceof StatusError &&
        err.code === 400 &&
        err.status.message === 'invalid object type: test.example.com/v2, Kind=Widget',
    );
  });

  it('fails duplicate list keys with upstream 500 message', () => {
    assert.throws(
      () => apply(undefined, widget({ ports: [{ name: 'a' }, { name: 'a' }] }), 'm1'),
      (err: unknown) =>
        err instanceof StatusError &&
        err.code === 500 &&
        err.status.message ===
          'failed to create typed patch object (smoke/w1; test.example.com/v1, Kind=Widget): .spec.ports: duplicate entries for key [name="a"]',
    );
  });
});
