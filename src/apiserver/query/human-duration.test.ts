import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDuration, shortHumanDuration } from './human-duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  const cases: [number, string][] = [
    [-2 * s - 1, '<invalid>'],
    [-2 * s, '<invalid>'],
    [-2 * s + 1, '0s'],
    [-1 * s, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [999, '0s'],
    [1 * s, '1s'],
    [59 * s, '59s'],
    [60 * s, '60s'],
    [2 * m - 1, '119s'],
    [2 * m, '2m'],
    [2 * m + 5 * s, '2m5s'],
    [2 * m + 5 * s + 999, '2m5s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m - 1, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 59 * s, '10m'],
    [3 * h - 1, '179m'],
    [3 * h, '3h'],
    [3 * h + 1 * m, '3h1m'],
    [7 * h + 59 * m + 59 * s, '7h59m'],
    [8 * h - 1, '7h59m'],
    [8 * h, '8h'],
    [8 * h + 30 * m, '8h'],
    [47 * h + 59 * m, '47h'],
    [48 * h - 1, '47h'],
    [48 * h, '2d'],
    [2 * d + 1 * h, '2d1h'],
    [7 * d + 23 * h + 59 * m, '7d23h'],
    [8 * d - 1, '7d23h'],
    [8 * d, '8d'],
    [8 * d + 23 * h, '8d'],
    [2 * y - 1, '729d'],
    [2 * y, '2y'],
    [2 * y + 45 * d, '2y45d'],
    [2 * y + 45 * d + 23 * h, '2y45d'],
    [8 * y - 1, '7y364d'],
    [8 * y, '8y'],
    [8 * y + 364 * d, '8y'],
    [123 * y, '123y'],
  ];
  for (const [ms, expected] of cases) {
    it(`${ms} ms → ${expected}`, () => assert.equal(humanDuration(ms), expected));
  }
});

describe('shortHumanDuration (apimachinery duration.ShortHumanDuration)', () => {
  const cases: [number, string][] = [
    [-2 * s, '<invalid>'],
    [-1999, '0s'],
    [0, '0s'],
    [59 * s + 999, '59s'],
    [60 * s, '1m'],
    [h - 1, '59m'],
    [h, '1h'],
    [d - 1, '23h'],
    [d, '1d'],
    [y - 1, '364d'],
    [y, '1y'],
    [3 * y + 200 * d, '3y'],
  ];
  for (const [ms, expected] of cases) {
    it(`${ms} ms → ${expected}`, () => assert.equal(shortHumanDuration(ms), expected));
  }
});
