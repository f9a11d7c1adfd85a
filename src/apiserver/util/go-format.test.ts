import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goFormatFloat, goFormatNumber, goJsonMarshal, goQuote, goRuneU, goSprintV } from './go-format.js';
import { formatRfc3339Utc, parseRfc3339 } from '../query/rfc3339.js';

describe('Go formatting', () => {
  it('formats float64 like %v (exponent from 1e6 up and below 1e-4)', () => {
    const cases: [number, string][] = [
      [1.5, '1.5'],
      [0.1, '0.1'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [123456.5, '123456.5'],
      [999999.5, '999999.5'],
      [1234567.5, '1.2345675e+06'],
      [1e6, '1e+06'],
      [1e21, '1e+21'],
      [1.5e300, '1.5e+300'],
      [-2.5e-7, '-2.5e-07'],
      [-0, '-0'],
      [Infinity, '+Inf'],
      [NaN, 'NaN'],
    ];
    for (const [f, text] of cases) assert.equal(goFormatFloat(f), text, String(f));
  });

  it('prints integral JSON numbers as int64 unless out of range', () => {
    assert.equal(goFormatNumber(3), '3');
    assert.equal(goFormatNumber(-42), '-42');
    assert.equal(goFormatNumber(1e20), '1e+20');
    assert.equal(goFormatNumber(2.5), '2.5');
  });

  it('marshals JSON as encoding/json does: sorted keys, HTML escaped', () => {
    assert.equal(
      goJsonMarshal({ b: [1, 1.5, null, true], a: '<&>\u2028', c: { z: 1, y: 'é' } }),
      '{"a":"\\u003c\\u0026\\u003e\\u2028","b":[1,1.5,null,true],"c":{"y":"é","z":1}}',
    );
    assert.equal(goJsonMarshal('tab\there\n'), '"tab\\there\\n"');
    assert.equal(goJsonMarshal(0.00001), '0.00001');
    assert.equal(goJsonMarshal(1e-7), '1e-7');
  });

  it('quotes like %q', () => {
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote('\x07\x00\u007f\u00e9\u200b'), '"\\a\\x00\\x7fé\\u200b"');
    assert.equal(goQuote('😀'), '"😀"');
  });

  it('prints runes like %#U and values like %v', () => {
    assert.equal(goRuneU(0x2a), "U+002A '*'");
    assert.equal(goRuneU(0x09), 'U+0009');
    assert.equal(goSprintV({ b: [1, 'x'], a: null }), 'map[a:<nil> b:[1 x]]');
  });
});

describe('RFC 3339 (metav1.Time)', () => {
  it('parses what Go parses', () => {
    assert.equal(parseRfc3339('2024-05-01T10:00:00Z'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseRfc3339('2024-05-01T12:30:00+02:30'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseRfc3339('2024-05-01T10:00:00.5Z'), Date.UTC(2024, 4, 1, 10) + 500);
    assert.equal(parseRfc3339('2024-05-01T10:00:00.000001Z'), Date.UTC(2024, 4, 1, 10) + 0.001);
    assert.equal(parseRfc3339('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
    assert.equal(parseRfc3339('0001-01-01T00:00:00Z'), -62135596800000);
  });

  it('rejects what Go rejects', () => {
    for (const bad of [
      '2024-05-01',
      '2024-05-01 10:00:00Z',
      '2024-05-01T10:00:00',
      '2024-05-01t10:00:00Z',
      '2024-13-01T10:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-05-01T24:00:00Z',
      '2024-05-01T10:00:60Z',
      '24-05-01T10:00:00Z',
      'yesterday',
    ]) {
      assert.equal(parseRfc3339(bad), undefined, bad);
    }
  });

  it('formats UTC with whole seconds', () => {
    assert.equal(formatRfc3339Utc(Date.UTC(2024, 4, 1, 10, 0, 0, 999)), '2024-05-01T10:00:00Z');
    assert.equal(formatRfc3339Utc(-62135596800000), '0001-01-01T00:00:00Z');
  });
});
