import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelSelectorFromObject } from './label-selector-object.js';
import { isSelectorParseError } from './selector-errors.js';

function conversionError(sel: Parameters<typeof labelSelectorFromObject>[0]): string {
  try {
    labelSelectorFromObject(sel);
  } catch (err) {
    assert.ok(isSelectorParseError(err));
    return err.message;
  }
  assert.fail('converted');
}

describe('labelSelectorFromObject (metav1.LabelSelectorAsSelector)', () => {
  it('a null selector matches nothing, an empty one everything', () => {
    assert.equal(labelSelectorFromObject(null).matches({ a: 'b' }), false);
    assert.equal(labelSelectorFromObject(undefined).matches(undefined), false);
    assert.equal(labelSelectorFromObject({}).matches({ a: 'b' }), true);
    assert.equal(labelSelectorFromObject({}).matches(undefined), true);
    assert.equal(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).isEmpty(), true);
    assert.equal(labelSelectorFromObject({ matchLabels: null, matchExpressions: null }).isEmpty(), true);
  });

  it('ANDs matchLabels and matchExpressions (a MachineDeployment selector)', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { 'cluster.x-k8s.io/cluster-name': 'c1', 'cluster.x-k8s.io/deployment-name': 'md-0' },
      matchExpressions: [
        { key: 'topology.cluster.x-k8s.io/owned', operator: 'Exists' },
        { key: 'cluster.x-k8s.io/control-plane', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'In', values: ['a', 'b'] },
        { key: 'tier', operator: 'NotIn', values: ['db'] },
      ],
    });
    const base = {
      'cluster.x-k8s.io/cluster-name': 'c1',
      'cluster.x-k8s.io/deployment-name': 'md-0',
      'topology.cluster.x-k8s.io/owned': '',
      zone: 'a',
    };
    assert.equal(sel.matches(base), true);
    assert.equal(sel.matches({ ...base, tier: 'web' }), true);
    assert.equal(sel.matches({ ...base, tier: 'db' }), false);
    assert.equal(sel.matches({ ...base, zone: 'c' }), false);
    assert.equal(sel.matches({ ...base, 'cluster.x-k8s.io/control-plane': '' }), false);
    assert.equal(sel.matches({ ...base, 'cluster.x-k8s.io/cluster-name': 'c2' }), false);
    const { 'topology.cluster.x-k8s.io/owned': _owned, ...withoutOwned } = base;
    assert.equal(sel.matches(withoutOwned), false);
    assert.equal(
      sel.toString(),
      'cluster.x-k8s.io/cluster-name=c1,!cluster.x-k8s.io/control-plane,cluster.x-k8s.io/deployment-name=md-0,tier notin (db),topology.cluster.x-k8s.io/owned,zone in (a,b)',
    );
  });

  it('rejects bad requirements with upstream messages', () => {
    const cases: [Parameters<typeof labelSelectorFromObject>[0], string][] = [
      [
        { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] },
        '"Equals" is not a valid label selector operator',
      ],
      [
        { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
        "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
      ],
      [
        { matchExpressions: [{ key: 'a', operator: 'NotIn' }] },
        "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
      ],
      [
        { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
        'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
      ],
      [
        { matchLabels: { 'a b': 'c' } },
        "key: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
      [
        { matchLabels: { a: 'c d' } },
        "values[0][a]: Invalid value: \"c d\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ];
    for (const [sel, message] of cases) assert.equal(conversionError(sel), message, JSON.stringify(sel));
  });
});
