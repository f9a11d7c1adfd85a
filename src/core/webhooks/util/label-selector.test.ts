import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSelectorError, labelSelectorAsSelector, type Selector } from './label-selector.js';

const compile = (s: Parameters<typeof labelSelectorAsSelector>[0]): Selector => {
  const selector = labelSelectorAsSelector(s);
  assert.ok(!isSelectorError(selector));
  return selector;
};

describe('label selectors (metav1.LabelSelectorAsSelector)', () => {
  it('matches labels and prints the canonical form, sorted by key and value', () => {
    const s = compile({
      matchLabels: { tier: 'web' },
      matchExpressions: [
        { key: 'zone', operator: 'In', values: ['b', 'a'] },
        { key: 'gpu', operator: 'DoesNotExist' },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'app', operator: 'Exists' },
      ],
    });
    assert.equal(s.toString(), 'app,env notin (prod),!gpu,tier=web,zone in (a,b)');
    assert.ok(s.matches({ app: 'x', tier: 'web', zone: 'a' }));
    assert.ok(!s.matches({ app: 'x', tier: 'web', zone: 'a', gpu: '' }));
    assert.ok(!s.matches({ app: 'x', tier: 'web', zone: 'a', env: 'prod' }));
  });

  it('treats an absent or empty selector as selecting everything', () => {
    assert.ok(compile(undefined).empty);
    assert.ok(compile({}).matches({}));
  });

  it('reports apimachinery errors for bad operators, keys and values', () => {
    assert.deepEqual(
      labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }),
      {
        error: '"Gt" is not a valid label selector operator',
      },
    );
    assert.deepEqual(
      labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['1'] }] }),
      {
        error: 'values: Invalid value: ["1"]: values set must be empty for exists and does not exist',
      },
    );
    const bad = labelSelectorAsSelector({ matchLabels: { a: 'not ok' } });
    assert.ok(isSelectorError(bad));
    assert.match(
      bad.error,
      /^values\[0\]\[a\]: Invalid value: "not ok": a valid label must be an empty string/,
    );
  });
});
