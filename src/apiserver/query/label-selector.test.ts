import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelSelector, parseLabelSelector } from './label-selector.js';
import { isSelectorParseError, SelectorParseError } from './selector-errors.js';

const KEY_NAME_RULE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function parseError(text: string): string {
  try {
    parseLabelSelector(text);
  } catch (err) {
    assert.ok(isSelectorParseError(err), `expected SelectorParseError for ${JSON.stringify(text)}`);
    assert.equal(err.selectorKind, 'label');
    assert.equal(err.selector, text);
    return err.message;
  }
  assert.fail(`${JSON.stringify(text)} parsed`);
}

describe('parseLabelSelector', () => {
  it('accepts upstream valid forms and prints them canonically (sorted by key, spaces dropped)', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['   ', ''],
      ['x=a', 'x=a'],
      ['y=a,x=b', 'x=b,y=a'],
      ['x=a,y!=b', 'x=a,y!=b'],
      ['x==a', 'x==a'],
      ['x=a,y=b', 'x=a,y=b'],
      ['x=', 'x='],
      ['x= ', 'x='],
      ['x=,z= ', 'x=,z='],
      ['!x', '!x'],
      ['x', 'x'],
      ['x>1', 'x>1'],
      ['x>1,z<5', 'x>1,z<5'],
      ['x in (b,a)', 'x in (a,b)'],
      ['x in (a,a)', 'x in (a)'],
      ['x in (a,,b)', 'x in (,a,b)'],
      ['x in (,,a)', 'x in (,a)'],
      ['x in ()', 'x in ()'],
      ['x in (,)', 'x in ()'],
      ['x notin (a)', 'x notin (a)'],
      ['x in(a)', 'x in (a)'],
      ['  app = web ,  tier in ( fe , be )  ', 'app=web,tier in (be,fe)'],
      ['a\tin\t(b)', 'a in (b)'],
      ['in=notin', 'in=notin'],
      ['x in (in,notin)', 'x in (in,notin)'],
      ['example.com/role=cp', 'example.com/role=cp'],
      [
        '!cluster.x-k8s.io/control-plane,cluster.x-k8s.io/cluster-name=c1',
        'cluster.x-k8s.io/cluster-name=c1,!cluster.x-k8s.io/control-plane',
      ],
    ];
    for (const [text, canonical] of cases) {
      assert.equal(parseLabelSelector(text).toString(), canonical, text);
    }
  });

  it('rejects malformed selectors with upstream messages', () => {
    const cases: [string, string][] = [
      ['x=a==b', "found '==', expected: ',' or 'end of string'"],
      ['!x=a', "found '=', expected: ',' or 'end of string'"],
      ['!', "unable to parse requirement: found '', expected: identifier"],
      ['!!x', "unable to parse requirement: found '!', expected: identifier"],
      ['a,', "found '', expected: identifier after ','"],
      ['a,,b', "found ',', expected: identifier after ','"],
      [',a', "found ',', expected: !, identifier, or 'end of string'"],
      ['=a', "found '=', expected: !, identifier, or 'end of string'"],
      ['(a)', "found '(', expected: !, identifier, or 'end of string'"],
      ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
      ['xin (a)', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
      ['a in', "unable to parse requirement: found '' expected: '('"],
      ['a in a', "unable to parse requirement: found 'a' expected: '('"],
      ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
      ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
      ['x in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
      ['x in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
      ['x in (a,,)', "unable to parse requirement: found ')', expected: ',', or identifier"],
      ['x in (,,)', "unable to parse requirement: found ')', expected: ',', or identifier"],
      ['a=(', "unable to parse requirement: found '(', expected: identifier"],
      ['a=b c', "found 'c', expected: ',' or 'end of string'"],
      [
        'x<a',
        "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
      ],
      [
        'x>',
        "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer",
      ],
      ['a@b', `unable to parse requirement: <nil>: Invalid value: "a@b": ${KEY_NAME_RULE}`],
      ['-a', `unable to parse requirement: <nil>: Invalid value: "-a": ${KEY_NAME_RULE}`],
      ['a=b@', `unable to parse requirement: values[0][a]: Invalid value: "b@": ${VALUE_RULE}`],
      [
        'k in (-a,b_)',
        `unable to parse requirement: [values[0][k]: Invalid value: "-a": ${VALUE_RULE}, values[1][k]: Invalid value: "b_": ${VALUE_RULE}]`,
      ],
      ['/a', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
      [
        'a/',
        'unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; ' +
          KEY_NAME_RULE,
      ],
      [
        'Example.com/a',
        "unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
      [
        'a/b/c',
        "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
      [
        `${'k'.repeat(64)}`,
        `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
      ],
      [
        `a=${'v'.repeat(64)}`,
        `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
      ],
    ];
    for (const [text, message] of cases) {
      assert.equal(parseError(text), message, text);
    }
  });

  it('accepts the longest valid key and value', () => {
    const key = `${'p'.repeat(253)}/${'n'.repeat(63)}`;
    assert.equal(parseLabelSelector(`${key}=${'v'.repeat(63)}`).requirements[0]?.key, key);
  });

  it('quotes unprintable characters in messages as Go does', () => {
    assert.equal(
      parseError('a=b\u0001'),
      `unable to parse requirement: values[0][a]: Invalid value: "b\\x01": ${VALUE_RULE}`,
    );
  });

  it('throws a SelectorParseError instance', () => {
    assert.throws(() => parseLabelSelector('a in'), SelectorParseError);
  });
});

describe('LabelSelector.matches', () => {
  const labels = { app: 'web', tier: 'fe', shard: '7', empty: '' };
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', labels, true],
    ['', undefined, true],
    ['app=web', labels, true],
    ['app==web', labels, true],
    ['app=db', labels, false],
    ['missing=x', labels, false],
    ['app!=db', labels, true],
    ['app!=web', labels, false],
    ['missing!=x', labels, true],
    ['app in (web,db)', labels, true],
    ['app in (db)', labels, false],
    ['missing in (x)', labels, false],
    ['app notin (web)', labels, false],
    ['app notin (db)', labels, true],
    ['missing notin (x)', labels, true],
    ['app', labels, true],
    ['missing', labels, false],
    ['!app', labels, false],
    ['!missing', labels, true],
    ['empty=', labels, true],
    ['empty in ()', labels, true],
    ['missing=', labels, false],
    ['shard>5', labels, true],
    ['shard>7', labels, false],
    ['shard<8', labels, true],
    ['app>1', labels, false],
    ['missing>1', labels, false],
    ['app=web,tier=fe', labels, true],
    ['app=web,tier=be', labels, false],
    ['app=web', undefined, false],
    ['!app', undefined, true],
    ['app notin (x)', undefined, true],
  ];
  for (const [text, set, expected] of cases) {
    it(`${JSON.stringify(text)} ${expected ? 'matches' : 'does not match'} ${set ? JSON.stringify(set) : 'no labels'}`, () => {
      assert.equal(parseLabelSelector(text).matches(set), expected);
    });
  }

  it('does not treat inherited properties as labels', () => {
    assert.equal(parseLabelSelector('toString').matches({}), false);
    assert.equal(parseLabelSelector('!constructor').matches({}), true);
  });

  it('compares gt/lt as 64-bit integers', () => {
    assert.equal(parseLabelSelector('n>9007199254740992').matches({ n: '9007199254740993' }), true);
    assert.equal(parseLabelSelector('n<10').matches({ n: '99999999999999999999' }), false);
  });
});

describe('LabelSelector helpers', () => {
  it('distinguishes everything from nothing', () => {
    assert.equal(LabelSelector.everything().matches(undefined), true);
    assert.equal(LabelSelector.everything().isEmpty(), true);
    assert.equal(LabelSelector.nothing().matches({ a: 'b' }), false);
    assert.equal(LabelSelector.nothing().isEmpty(), false);
    assert.equal(LabelSelector.nothing().isNothing(), true);
  });

  it('reports the value a selector pins a key to', () => {
    const sel = parseLabelSelector('a=1,b==2,c in (3),d in (4,5),e!=6,f');
    assert.equal(sel.requiresExactMatch('a'), '1');
    assert.equal(sel.requiresExactMatch('b'), '2');
    assert.equal(sel.requiresExactMatch('c'), '3');
    assert.equal(sel.requiresExactMatch('d'), undefined);
    assert.equal(sel.requiresExactMatch('e'), undefined);
    assert.equal(sel.requiresExactMatch('f'), undefined);
    assert.equal(sel.requiresExactMatch('zzz'), undefined);
  });
});
