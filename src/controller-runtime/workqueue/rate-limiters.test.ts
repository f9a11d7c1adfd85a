import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
} from './rate-limiters.js';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles from 5 ms per failure of the same item, independently per item', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>();
    assert.deepEqual(
      Array.from({ length: 6 }, () => limiter.when('a')),
      [5, 10, 20, 40, 80, 160],
    );
    assert.equal(limiter.numRequeues('a'), 6);
    assert.equal(limiter.when('b'), 5);
    assert.equal(limiter.numRequeues('b'), 1);
  });

  it('starts again from the base delay after forget', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>();
    limiter.when('a');
    limiter.when('a');
    limiter.forget('a');
    assert.equal(limiter.numRequeues('a'), 0);
    assert.equal(limiter.when('a'), 5);
  });

  it('caps at the maximum, 1000 s by default, even after thousands of failures', () => {
    const small = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 1, maxDelayMs: 100 });
    assert.deepEqual(
      Array.from({ length: 9 }, () => small.when('a')),
      [1, 2, 4, 8, 16, 32, 64, 100, 100],
    );
    const byDefault = new ItemExponentialFailureRateLimiter<string>();
    let last = 0;
    for (let i = 0; i < 2000; i++) last = byDefault.when('a');
    assert.equal(last, 1_000_000);
  });

  it('rejects negative delays', () => {
    assert.throws(() => new ItemExponentialFailureRateLimiter({ baseDelayMs: -1 }), RangeError);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a burst through, then spaces items at 1/qps, reserving a token per call', () => {
    const clock = new FakeClock();
    const limiter = new BucketRateLimiter<string>({ qps: 10, burst: 3, clock });
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e'].map((k) => limiter.when(k)),
      [0, 0, 0, 100, 200],
    );
    // 250 ms pays back 2.5 tokens of the 2 owed: half a token short for the next one.
    clock.advance(250);
    assert.ok(Math.abs(limiter.when('f') - 50) < 1e-9);
  });

  it('never saves up more than the burst', () => {
    const clock = new FakeClock();
    const limiter = new BucketRateLimiter<string>({ qps: 10, burst: 3, clock });
    clock.advance(3_600_000);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((k) => limiter.when(k)),
      [0, 0, 0, 100],
    );
  });

  it('defaults to 10 qps with a burst of 100, and tracks no items', () => {
    const limiter = new BucketRateLimiter<string>({ clock: new FakeClock() });
    for (let i = 0; i < 100; i++) assert.equal(limiter.when(`k${i}`), 0);
    assert.equal(limiter.when('k100'), 100);
    assert.equal(limiter.numRequeues('k100'), 0);
  });

  it('rejects a rate or burst that could never hand out a token', () => {
    assert.throws(() => new BucketRateLimiter({ qps: 0 }), RangeError);
    assert.throws(() => new BucketRateLimiter({ burst: 0 }), RangeError);
  });
});

describe('MaxOfRateLimiter and defaultControllerRateLimiter', () => {
  it('returns the longest delay, and every limiter sees every failure', () => {
    const fast = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 1 });
    const slow = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 50 });
    const limiter = new MaxOfRateLimiter(fast, slow);
    assert.equal(limiter.when('a'), 50);
    assert.equal(limiter.when('a'), 100);
    assert.equal(fast.numRequeues('a'), 2);
    assert.equal(limiter.numRequeues('a'), 2);
    limiter.forget('a');
    assert.equal(fast.numRequeues('a'), 0);
    assert.equal(slow.numRequeues('a'), 0);
  });

  it('matches controller-runtime: 5 ms per-item backoff until 100 failures in a burst, then 10 qps', () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter<string>(clock);
    for (let i = 0; i < 100; i++) assert.equal(limiter.when(`k${i}`), 5);
    assert.equal(limiter.when('k100'), 100);
    assert.equal(limiter.when('k0'), 200);
    assert.equal(limiter.numRequeues('k0'), 2);
    clock.advance(60_000);
    assert.equal(limiter.when('k0'), 20);
    limiter.forget('k0');
    assert.equal(limiter.numRequeues('k0'), 0);
    assert.equal(limiter.when('k0'), 5);
  });
});
