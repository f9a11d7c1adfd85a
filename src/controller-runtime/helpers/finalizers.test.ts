import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from './finalizers.js';

describe('finalizers', () => {
  it('adds once and reports whether the object changed', () => {
    const obj: KubeObject = { metadata: { name: 'x' } };
    assert.equal(addFinalizer(obj, 'a/b'), true);
    assert.equal(addFinalizer(obj, 'a/b'), false);
    assert.deepEqual(obj.metadata.finalizers, ['a/b']);
    assert.equal(hasFinalizer(obj, 'a/b'), true);
  });

  it('keeps the finalizers of others in place', () => {
    const obj: KubeObject = { metadata: { name: 'x', finalizers: ['other', 'mine', 'last'] } };
    assert.equal(removeFinalizer(obj, 'mine'), true);
    assert.deepEqual(obj.metadata.finalizers, ['other', 'last']);
    assert.equal(removeFinalizer(obj, 'mine'), false);
    addFinalizer(obj, 'mine');
    assert.deepEqual(obj.metadata.finalizers, ['other', 'last', 'mine']);
  });

  it('removes duplicates of the same finalizer', () => {
    const obj: KubeObject = { metadata: { name: 'x', finalizers: ['f', 'g', 'f'] } };
    assert.equal(removeFinalizer(obj, 'f'), true);
    assert.deepEqual(obj.metadata.finalizers, ['g']);
  });

  it('handles objects without metadata.finalizers', () => {
    const obj: KubeObject = { metadata: {} };
    assert.equal(hasFinalizer(obj, 'f'), false);
    assert.equal(removeFinalizer(obj, 'f'), false);
    assert.equal(obj.metadata.finalizers, undefined);
  });
});
