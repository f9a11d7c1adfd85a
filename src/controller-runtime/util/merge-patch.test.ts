import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyMergePatch,
  createMergePatch,
  deepClone,
  deepEqual,
  isEmptyPatch,
  type JsonObject,
} from './merge-patch.js';

/** Pairs a patch must turn into each other; each one exercises a rule of RFC 7386. */
const cases: { name: string; before: JsonObject; after: JsonObject; patch: JsonObject }[] = [
  { name: 'equal objects', before: { a: 1, b: { c: [1, 2] } }, after: { a: 1, b: { c: [1, 2] } }, patch: {} },
  { name: 'changed scalar', before: { a: 1 }, after: { a: 2 }, patch: { a: 2 } },
  { name: 'added member', before: {}, after: { a: { b: 'x' } }, patch: { a: { b: 'x' } } },
  { name: 'removed member becomes null', before: { a: 1, b: 2 }, after: { a: 1 }, patch: { b: null } },
  {
    name: 'nested objects recurse',
    before: { metadata: { labels: { a: '1', b: '2' }, name: 'x' } },
    after: { metadata: { labels: { a: '1', c: '3' }, name: 'x' } },
    patch: { metadata: { labels: { b: null, c: '3' } } },
  },
  {
    name: 'arrays are replaced whole',
    before: { metadata: { finalizers: ['a', 'b'] } },
    after: { metadata: { finalizers: ['a'] } },
    patch: { metadata: { finalizers: ['a'] } },
  },
  {
    name: 'object replaced by scalar and back',
    before: { a: { b: 1 }, c: 5 },
    after: { a: 'flat', c: { d: 1 } },
    patch: { a: 'flat', c: { d: 1 } },
  },
  {
    name: 'emptied nested object stays as an empty object',
    before: { spec: { x: 1 } },
    after: { spec: {} },
    patch: { spec: { x: null } },
  },
];

describe('createMergePatch', () => {
  for (const c of cases) {
    it(`${c.name}: produces the minimal patch and round-trips`, () => {
      const patch = createMergePatch(c.before, c.after);
      assert.deepEqual(patch, c.patch);
      assert.deepEqual(applyMergePatch(c.before, patch), c.after);
    });
  }

  it('treats undefined members as absent on both sides', () => {
    assert.deepEqual(createMergePatch({ a: 1, b: undefined }, { a: 1, c: undefined }), {});
    assert.deepEqual(createMergePatch({ a: 1 }, { a: undefined }), { a: null });
  });

  it('does not share structure with its inputs', () => {
    const after: JsonObject = { spec: { list: [{ n: 1 }] } };
    const patch = createMergePatch({}, after);
    (after.spec as { list: { n: number }[] }).list[0]!.n = 2;
    assert.deepEqual(patch, { spec: { list: [{ n: 1 }] } });
  });

  it('round-trips a realistic object edit', () => {
    const before: JsonObject = {
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Machine',
      metadata: { name: 'm', finalizers: ['f'], annotations: { keep: 'yes', drop: 'me' } },
      spec: { version: 'v1.30.0', bootstrap: { dataSecretName: 'x' } },
    };
    const after = deepClone(before);
    (after.metadata as JsonObject).finalizers = [];
    delete ((after.metadata as JsonObject).annotations as JsonObject).drop;
    (after.spec as JsonObject).version = 'v1.31.0';
    (after.spec as JsonObject).providerID = 'docker://m';
    const patch = createMergePatch(before, after);
    assert.deepEqual(patch, {
      metadata: { finalizers: [], annotations: { drop: null } },
      spec: { version: 'v1.31.0', providerID: 'docker://m' },
    });
    assert.deepEqual(applyMergePatch(before, patch), after);
  });
});

describe('isEmptyPatch', () => {
  it('is true only when nothing would change', () => {
    assert.equal(isEmptyPatch({}), true);
    assert.equal(isEmptyPatch({ a: undefined }), true);
    assert.equal(isEmptyPatch({ a: null }), false);
  });
});

describe('applyMergePatch', () => {
  it('leaves its target untouched', () => {
    const target: JsonObject = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    assert.deepEqual(target, { a: { b: 1 } });
  });

  it('replaces the target when the patch is not an object', () => {
    assert.deepEqual(applyMergePatch({ a: 1 }, ['x']), ['x']);
  });
});

describe('deepEqual', () => {
  it('ignores key order and undefined members, respects array order', () => {
    assert.equal(deepEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }), true);
    assert.equal(deepEqual({ a: 1, b: undefined }, { a: 1 }), true);
    assert.equal(deepEqual([1, 2], [2, 1]), false);
    assert.equal(deepEqual({ a: null }, {}), false);
    assert.equal(deepEqual({ a: {} }, { a: [] }), false);
    assert.equal(deepEqual('1', 1), false);
  });
});

describe('deepClone', () => {
  it('copies nested values', () => {
    const original = { a: { b: [1, { c: 2 }] } };
    const copy = deepClone(original);
    assert.deepEqual(copy, original);
    assert.notEqual(copy.a, original.a);
    assert.notEqual(copy.a.b[1], original.a.b[1]);
  });
});
