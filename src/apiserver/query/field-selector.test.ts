import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkFieldSelectorFields,
  escapeFieldSelectorValue,
  type FieldSelectorRequirement,
  fieldSelectorMatches,
  fieldSelectorToString,
  parseFieldSelector,
  requiredValue,
} from './field-selector.js';
import {
  isSelectorParseError,
  isUnsupportedFieldSelectorError,
  selectorBadRequest,
  UnsupportedFieldSelectorError,
} from './selector-errors.js';

function parseError(text: string): string {
  try {
    parseFieldSelector(text);
  } catch (err) {
    assert.ok(isSelectorParseError(err));
    assert.equal(err.selectorKind, 'field');
    return err.message;
  }
  assert.fail(`${text} parsed`);
}

describe('parseFieldSelector', () => {
  it('parses terms, sorts them and unescapes values', () => {
    const cases: [string, FieldSelectorRequirement[]][] = [
      ['', []],
      [',', []],
      ['metadata.name=w1', [{ field: 'metadata.name', op: '=', value: 'w1' }]],
      ['metadata.name==w1', [{ field: 'metadata.name', op: '==', value: 'w1' }]],
      ['status.phase!=Running', [{ field: 'status.phase', op: '!=', value: 'Running' }]],
      ['metadata.name=', [{ field: 'metadata.name', op: '=', value: '' }]],
      [
        'spec.nodeName=n1,metadata.namespace=default',
        [
          { field: 'metadata.namespace', op: '=', value: 'default' },
          { field: 'spec.nodeName', op: '=', value: 'n1' },
        ],
      ],
      [
        'a=x,,b=y',
        [
          { field: 'a', op: '=', value: 'x' },
          { field: 'b', op: '=', value: 'y' },
        ],
      ],
      ['k=\\,', [{ field: 'k', op: '=', value: ',' }]],
      ['k=\\=', [{ field: 'k', op: '=', value: '=' }]],
      ['k=\\\\', [{ field: 'k', op: '=', value: '\\' }]],
      // Terms sort as raw strings: "k2=v2" < "k=\\\," because '2' < '='.
      [
        'k=\\\\\\,,k2=v2',
        [
          { field: 'k2', op: '=', value: 'v2' },
          { field: 'k', op: '=', value: '\\,' },
        ],
      ],
      ['k=a b', [{ field: 'k', op: '=', value: 'a b' }]],
      // Nothing is trimmed; the operator is the first `!=`, `==` or `=` from the left.
      ['metadata.name = w1', [{ field: 'metadata.name ', op: '=', value: ' w1' }]],
      ['=x', [{ field: '', op: '=', value: 'x' }]],
    ];
    for (const [text, reqs] of cases) assert.deepEqual(parseFieldSelector(text), reqs, text);
  });

  it('rejects malformed selectors with upstream messages', () => {
    const cases: [string, string][] = [
      ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
      ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
      ['a!==b', 'invalid field selector: unescaped character in value: 61'],
      ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
      ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
      ['a=\\a', 'invalid field selector: invalid escape sequence: \\a'],
      ['a=\\\\\\', 'invalid field selector: invalid escape sequence: \\'],
    ];
    for (const [text, message] of cases) assert.equal(parseError(text), message, text);
  });

  it('round-trips values through escaping', () => {
    for (const value of ['plain', 'a,b', 'a=b', 'a\\b', '\\,=', '']) {
      const text = `f=${escapeFieldSelectorValue(value)}`;
      assert.deepEqual(parseFieldSelector(text), [{ field: 'f', op: '=', value }], text);
      assert.equal(fieldSelectorToString(parseFieldSelector(text)), text);
    }
    assert.equal(fieldSelectorToString(parseFieldSelector('b!=x,a==y')), 'a=y,b!=x');
  });
});

describe('fieldSelectorMatches', () => {
  const fields = { 'metadata.name': 'w1', 'metadata.namespace': 'default', 'status.phase': 'Running' };
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=w1', true],
    ['metadata.name==w1', true],
    ['metadata.name=w2', false],
    ['metadata.name!=w2', true],
    ['metadata.name!=w1', false],
    ['metadata.name=w1,metadata.namespace=default', true],
    ['metadata.name=w1,metadata.namespace=kube-system', false],
    // A field the object does not have reads as "".
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['spec.nodeName!=n1', true],
    ['spec.nodeName=n1', false],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(fieldSelectorMatches(parseFieldSelector(text), fields), expected);
    });
  }

  it('ignores inherited properties', () => {
    assert.equal(fieldSelectorMatches(parseFieldSelector('toString='), {}), true);
  });
});

describe('requiredValue', () => {
  it('returns the value pinned by = or ==, not by !=', () => {
    const reqs = parseFieldSelector('metadata.name==w1,metadata.namespace!=x,spec.a=1');
    assert.equal(requiredValue(reqs, 'metadata.name'), 'w1');
    assert.equal(requiredValue(reqs, 'spec.a'), '1');
    assert.equal(requiredValue(reqs, 'metadata.namespace'), undefined);
    assert.equal(requiredValue(reqs, 'status.phase'), undefined);
  });
});

describe('checkFieldSelectorFields', () => {
  it('always allows metadata.name and metadata.namespace', () => {
    checkFieldSelectorFields(parseFieldSelector('metadata.name=a,metadata.namespace=b'), []);
  });

  it('allows the kind’s own fields and rejects the first unknown one in sorted order', () => {
    checkFieldSelectorFields(parseFieldSelector('spec.color=red'), ['spec.color']);
    try {
      checkFieldSelectorFields(parseFieldSelector('z.last=1,spec.size=2,metadata.name=x'), ['spec.color']);
      assert.fail('accepted');
    } catch (err) {
      assert.ok(isUnsupportedFieldSelectorError(err));
      assert.equal(err.field, 'spec.size');
      assert.equal(err.value, '2');
    }
  });

  it('becomes the 400 kube-apiserver sends, in both wordings', () => {
    const err = new UnsupportedFieldSelectorError('spec.size', '2');
    const cr = selectorBadRequest(err, 'notSupported');
    assert.equal(cr.code, 400);
    assert.equal(cr.reason, 'BadRequest');
    assert.equal(cr.message, 'field label not supported: spec.size');
    assert.equal(
      selectorBadRequest(err, 'metadataOnly').message,
      '"spec.size" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
    try {
      parseFieldSelector('nope');
      assert.fail('parsed');
    } catch (parseErr) {
      assert.ok(isSelectorParseError(parseErr));
      const status = selectorBadRequest(parseErr, 'metadataOnly');
      assert.equal(status.code, 400);
      assert.equal(status.message, "invalid selector: 'nope'; can't understand 'nope'");
    }
  });
});
