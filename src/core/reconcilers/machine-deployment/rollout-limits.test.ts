import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidIntOrPercentError,
  maxSurge,
  maxUnavailable,
  resolveFenceposts,
  type RolloutSpec,
  scaledValue,
} from './rollout-limits.js';

const md = (
  replicas: number,
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string },
  type?: string,
): RolloutSpec => ({
  spec: {
    replicas,
    rollout: { strategy: { ...(type ? { type } : {}), ...(rollingUpdate ? { rollingUpdate } : {}) } },
  },
});

describe('rollout limits', () => {
  it('scales percentages of the replicas, rounding up or down, and takes integers as they are', () => {
    assert.equal(scaledValue(3, 10, true), 3);
    assert.equal(scaledValue('25%', 10, true), 3);
    assert.equal(scaledValue('25%', 10, false), 2);
    // Go's float arithmetic: 10% of 3 is 0.30000000000000004, which rounds up to 1.
    assert.equal(scaledValue('10%', 3, true), 1);
    assert.equal(scaledValue('10%', 3, false), 0);
    assert.throws(() => scaledValue('5', 7, true), InvalidIntOrPercentError);
    assert.throws(() => scaledValue('oops%', 7, true), InvalidIntOrPercentError);
  });

  it('resolves fenceposts like upstream: surge up, unavailable down, 1 unavailable when both come out 0', () => {
    assert.deepEqual(resolveFenceposts('0%', '0%', 0), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('39%', '39%', 10), { surge: 4, unavailable: 3 });
    assert.deepEqual(resolveFenceposts('1%', '1%', 2), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts(0, '10%', 5), { surge: 0, unavailable: 1 });
    assert.throws(() => resolveFenceposts('oops', '39%', 10));
  });

  it('defaults to maxSurge 1 and maxUnavailable 0', () => {
    assert.equal(maxSurge(md(3)), 1);
    assert.equal(maxUnavailable(md(3)), 0);
  });

  it('caps maxUnavailable at spec.replicas and reports nothing for OnDelete or zero replicas', () => {
    assert.equal(maxUnavailable(md(3, { maxSurge: 0, maxUnavailable: 10 })), 3);
    assert.equal(maxUnavailable(md(0, { maxSurge: 0, maxUnavailable: 1 })), 0);
    assert.equal(maxUnavailable(md(3, { maxUnavailable: 2 }, 'OnDelete')), 0);
    assert.equal(maxSurge(md(3, { maxSurge: 2 }, 'OnDelete')), 0);
    assert.equal(maxSurge(md(10, { maxSurge: '25%', maxUnavailable: '25%' })), 3);
    assert.equal(maxUnavailable(md(10, { maxSurge: '25%', maxUnavailable: '25%' })), 2);
  });
});
