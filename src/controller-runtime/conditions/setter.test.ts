import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { getCondition, getConditions, isFalse, isTrue, isUnknown } from './condition.js';
import { conditionOrder } from './condition-order.js';
import { deleteCondition, setCondition } from './setter.js';

function machine(generation = 3): KubeObject {
  return { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine', metadata: { name: 'm0', generation } };
}

const at = (iso: string) => () => new Date(iso);

describe('getters', () => {
  it('read status.conditions and treat a missing condition as Unknown', () => {
    const obj = machine();
    setCondition(obj, { type: 'Ready', status: 'True', reason: 'Ready' });
    setCondition(obj, { type: 'Paused', status: 'False', reason: 'NotPaused' });
    assert.equal(isTrue(obj, 'Ready'), true);
    assert.equal(isFalse(obj, 'Paused'), true);
    assert.equal(isUnknown(obj, 'Ready'), false);
    assert.equal(isUnknown(obj, 'Available'), true);
    assert.equal(isTrue(obj, 'Available'), false);
    assert.equal(isFalse(obj, 'Available'), false);
    assert.equal(getCondition(obj, 'Available'), undefined);
  });

  it('cope with objects without status or with a malformed one', () => {
    assert.deepEqual(getConditions({ metadata: {} }), []);
    assert.deepEqual(getConditions({ metadata: {}, status: { conditions: 'nope' } }), []);
    assert.deepEqual(getConditions(undefined), []);
  });
});

describe('setCondition', () => {
  it('adds a condition with a whole-second transition time and the object generation', () => {
    const obj = machine(7);
    const changed = setCondition(
      obj,
      { type: 'Ready', status: 'False', reason: 'Waiting', message: 'waiting for node' },
      { now: at('2025-01-02T03:04:05.678Z') },
    );
    assert.equal(changed, true);
    assert.deepEqual(obj.status, {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          observedGeneration: 7,
          lastTransitionTime: '2025-01-02T03:04:05Z',
          reason: 'Waiting',
          message: 'waiting for node',
        },
      ],
    });
  });

  it('keeps lastTransitionTime when only the reason or message changes', () => {
    const obj = machine();
    setCondition(obj, { type: 'Ready', status: 'False', reason: 'A' }, { now: at('2025-01-01T00:00:00Z') });
    const changed = setCondition(
      obj,
      { type: 'Ready', status: 'False', reason: 'B', message: 'other' },
      { now: at('2025-06-01T00:00:00Z') },
    );
    assert.equal(changed, true);
    const ready = getCondition(obj, 'Ready')!;
    assert.equal(ready.reason, 'B');
    assert.equal(ready.message, 'other');
    assert.equal(ready.lastTransitionTime, '2025-01-01T00:00:00Z');
  });

  it('moves lastTransitionTime when the status changes', () => {
    const obj = machine();
    setCondition(obj, { type: 'Ready', status: 'False', reason: 'A' }, { now: at('2025-01-01T00:00:00Z') });
    setCondition(obj, { type: 'Ready', status: 'True', reason: 'A' }, { now: at('2025-06-01T00:00:00Z') });
    assert.equal(getCondition(obj, 'Ready')!.lastTransitionTime, '2025-06-01T00:00:00Z');
  });

  it('uses a given transition time only when the status changes', () => {
    const obj = machine();
    setCondition(obj, {
      type: 'Ready',
      status: 'False',
      reason: 'A',
      lastTransitionTime: '2024-05-05T05:05:05.9Z',
    });
    assert.equal(getCondition(obj, 'Ready')!.lastTransitionTime, '2024-05-05T05:05:05Z');
    setCondition(obj, {
      type: 'Ready',
      status: 'False',
      reason: 'B',
      lastTransitionTime: '2030-01-01T00:00:00Z',
    });
    assert.equal(getCondition(obj, 'Ready')!.lastTransitionTime, '2024-05-05T05:05:05Z');
  });

  it('reports no change and does not touch the list when nothing differs', () => {
    const obj = machine();
    setCondition(obj, { type: 'Ready', status: 'True', reason: 'Ready' });
    const before = (obj.status as { conditions: unknown[] }).conditions;
    assert.equal(setCondition(obj, { type: 'Ready', status: 'True', reason: 'Ready' }), false);
    assert.equal((obj.status as { conditions: unknown[] }).conditions, before);
  });

  it('counts a new generation as a change, so readers see the condition is current', () => {
    const obj = machine(1);
    setCondition(obj, { type: 'Ready', status: 'True', reason: 'Ready' });
    (obj.metadata as { generation?: number }).generation = 2;
    assert.equal(setCondition(obj, { type: 'Ready', status: 'True', reason: 'Ready' }), true);
    assert.equal(getCondition(obj, 'Ready')!.observedGeneration, 2);
  });

  it('an explicit observedGeneration wins over metadata.generation', () => {
    const obj = machine(5);
    setCondition(obj, { type: 'Ready', status: 'True', reason: 'Ready', observedGeneration: 4 });
    assert.equal(getCondition(obj, 'Ready')!.observedGeneration, 4);
  });

  it('omits observedGeneration for objects without a generation', () => {
    const obj: KubeObject = { metadata: { name: 'x' } };
    setCondition(obj, { type: 'Ready', status: 'True', reason: 'Ready' });
    assert.equal('observedGeneration' in getCondition(obj, 'Ready')!, false);
  });

  it('orders conditions as upstream Cluster API: Available, Ready first; Paused, Deleting last; others by name', () => {
    const obj = machine();
    for (const type of [
      'Deleting',
      'Zeta',
      'Paused',
      'Ready',
      'MachinesReady',
      'Alpha',
      'Available',
      'ScalingUp',
    ]) {
      setCondition(obj, { type, status: 'True', reason: 'R' });
    }
    assert.deepEqual(
      getConditions(obj).map((c) => c.type),
      ['Available', 'Ready', 'ScalingUp', 'MachinesReady', 'Alpha', 'Zeta', 'Paused', 'Deleting'],
    );
  });

  it('accepts a custom order, or none', () => {
    const obj = machine();
    const compare = conditionOrder(['B', 'A']);
    setCondition(obj, { type: 'A', status: 'True', reason: 'R' }, { compare });
    setCondition(obj, { type: 'C', status: 'True', reason: 'R' }, { compare });
    setCondition(obj, { type: 'B', status: 'True', reason: 'R' }, { compare });
    assert.deepEqual(
      getConditions(obj).map((c) => c.type),
      ['B', 'A', 'C'],
    );
    const unsorted = machine();
    setCondition(unsorted, { type: 'Z', status: 'True', reason: 'R' }, { compare: false });
    setCondition(unsorted, { type: 'A', status: 'True', reason: 'R' }, { compare: false });
    assert.deepEqual(
      getConditions(unsorted).map((c) => c.type),
      ['Z', 'A'],
    );
  });

  it('keeps other status fields', () => {
    const obj: KubeObject = { metadata: { name: 'x' }, status: { phase: 'Running' } };
    setCondition(obj, { type: 'Ready', status: 'True', reason: 'Ready' });
    assert.equal((obj.status as { phase: string }).phase, 'Running');
  });
});

describe('deleteCondition', () => {
  it('removes only the named type and reports whether it was there', () => {
    const obj = machine();
    setCondition(obj, { type: 'Ready', status: 'True', reason: 'R' });
    setCondition(obj, { type: 'Paused', status: 'False', reason: 'R' });
    assert.equal(deleteCondition(obj, 'Ready'), true);
    assert.equal(deleteCondition(obj, 'Ready'), false);
    assert.deepEqual(
      getConditions(obj).map((c) => c.type),
      ['Paused'],
    );
  });

  it('does not create a status on objects that had none', () => {
    const obj = machine();
    assert.equal(deleteCondition(obj, 'Ready'), false);
    assert.equal(obj.status, undefined);
  });
});
