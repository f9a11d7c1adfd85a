import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goSprint, goSprintf } from './go-template-printf.js';
import { formatValue } from './go-template-values.js';

describe('goSprintf (fmt.Sprintf)', () => {
  const cases: [string, unknown[], string][] = [
    ['%s|%v|%d', ['a', 'b', 3n], 'a|b|3'],
    ['%5d|%-5d|%05d|%+d|% d', [42n, 42n, 42n, 5n, 5n], '   42|42   |00042|+5| 5'],
    ['%x|%X|%o|%b|%#x|%x', [255n, 255n, 8n, 5n, 255n, -255n], 'ff|FF|10|101|0xff|-ff'],
    ['%c|%U|%q', [65n, 65n, 65n], "A|U+0041|'A'"],
    ['%q|%#q|%.3s|%8s|%-8s|', ['a"b\n', 'ab', 'abcdef', 'r', 'l'], '"a\\"b\\n"|`ab`|abc|       r|l       |'],
    [
      '%f|%.2f|%6.2f|%e|%E|%.0f',
      [3.14159, 3.14159, 3.14159, 1234.5678, 1234.5678, 2.5],
      '3.141590|3.14|  3.14|1.234568e+03|1.234568E+03|2',
    ],
    ['%g|%g|%g|%g|%.3g', [0.00001, 100000, 1e6, 2.5, 3.14159], '1e-05|100000|1e+06|2.5|3.14'],
    ['%v|%v|%v', [1e21, 123456789, 0.1], '1e+21|1.23456789e+08|0.1'],
    ['%t|%v', [true, false], 'true|false'],
    ['%v|%s|%d', [null, null, null], '<nil>|%!s(<nil>)|%!d(<nil>)'],
    ['%d|%s|%t|%f', ['a', 1n, 'x', 1n], '%!d(string=a)|%!s(int=1)|%!t(string=x)|%!f(int=1)'],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%s %s', ['a'], 'a %!s(MISSING)'],
    ['x', [1n, 'y'], 'x%!(EXTRA int=1, string=y)'],
    ['100%%', [], '100%'],
    ['%!', [], '%!!(MISSING)'],
    ['%', [], '%!(NOVERB)'],
    ['%s|%d|%q', [['a', 'b'], [1n, 2n], ['a']], '[a b]|[1 2]|["a"]'],
    ['%v', [{ b: [1, 2], a: { c: null } }], 'map[a:map[c:<nil>] b:[1 2]]'],
    [
      '%T|%T|%T|%T|%T|%T',
      ['s', 1n, 1.5, true, [], {}],
      'string|int|float64|bool|[]interface {}|map[string]interface {}',
    ],
    ['%x|% x', ['hi', 'hi'], '6869|68 69'],
  ];
  for (const [format, args, expected] of cases) {
    it(`formats ${JSON.stringify(format)}`, () => {
      assert.equal(goSprintf(format, args), expected);
    });
  }

  it("refuses Go's hexadecimal and binary float forms instead of printing something else", () => {
    for (const verb of ['x', 'X', 'b'])
      assert.throws(
        () => goSprintf(`%${verb}`, [1.5]),
        new RegExp(`^Error: %${verb} of a floating-point number \\(1\\.5\\) is not supported$`),
      );
  });
});

describe('goSprint / formatValue (fmt %v)', () => {
  it('adds spaces only between two non-string operands', () => {
    assert.equal(goSprint(['a', 1n, 2n, 'b', 'c', 3.5]), 'a1 2bc3.5');
  });

  it('prints floats the way Go does, with exponents from 1e+06 and below 1e-04', () => {
    assert.deepEqual([3, 2.5, -0.5, 1e6, 999999, 1234567.5, 0.0001, 0.00001, 1e21].map(formatValue), [
      '3',
      '2.5',
      '-0.5',
      '1e+06',
      '999999',
      '1.2345675e+06',
      '0.0001',
      '1e-05',
      '1e+21',
    ]);
  });

  it('prints nested collections with sorted map keys', () => {
    assert.equal(
      formatValue({ z: [1, 'a', null], a: {}, m: { y: true, x: 1n } }),
      'map[a:map[] m:map[x:1 y:true] z:[1 a <nil>]]',
    );
  });
});
