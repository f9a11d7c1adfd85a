import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGoDuration, InvalidDurationError, parseGoDuration } from './duration.js';

describe('Go durations', () => {
  it('parses what time.ParseDuration accepts', () => {
    assert.equal(parseGoDuration('10s'), 10_000);
    assert.equal(parseGoDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.equal(parseGoDuration('1500us'), 1.5);
    assert.equal(parseGoDuration('-5s'), -5000);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('0s'), 0);
    assert.equal(parseGoDuration('.5m'), 30_000);
  });

  it('rejects text that is not a duration, naming it', () => {
    for (const bad of ['', '10', 's', '1d', '10 s', '1h-2m', 'abc']) {
      assert.throws(
        () => parseGoDuration(bad),
        (err: unknown) => {
          assert.ok(err instanceof InvalidDurationError, bad);
          assert.match((err as Error).message, /invalid duration/);
          return true;
        },
      );
    }
  });

  it('formats like Go and round-trips', () => {
    assert.equal(formatGoDuration(0), '0s');
    assert.equal(formatGoDuration(90_000), '1m30s');
    assert.equal(formatGoDuration(3_723_500), '1h2m3.5s');
    assert.equal(formatGoDuration(250), '250ms');
    for (const ms of [1000, 61_000, 7_200_000, 12]) assert.equal(parseGoDuration(formatGoDuration(ms)), ms);
  });
});
