import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fieldElement,
  fieldPath,
  indexElement,
  keyElement,
  parsePathElement,
  pathToString,
  valueElement,
} from './field-path.js';
import { FieldSet, FieldsV1Error } from './field-set.js';

describe('FieldSet fieldsV1 encoding', () => {
  it('round-trips a trie with members, `.` markers, keys, values and indexes in upstream order', () => {
    const fieldsV1 = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        '.': {},
        'f:args': {},
        'f:ports': {
          'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:name': {} },
        },
        'f:replicas': {},
        'f:tags': { 'v:"a"': {}, 'v:"b"': {} },
        'f:weird': { 'i:0': {} },
      },
    };
    const set = FieldSet.fromFieldsV1(fieldsV1);
    const out = set.toFieldsV1();
    assert.deepEqual(out, fieldsV1);
    assert.equal(JSON.stringify(out), JSON.stringify(fieldsV1), 'same key order as upstream writes');
    assert.equal(set.size(), 11);
    assert.ok(set.has([fieldElement('spec')]), '`.` makes spec itself a member');
    assert.ok(!set.has([fieldElement('metadata')]), 'metadata only has owned descendants');
    assert.ok(set.has([...fieldPath('spec', 'tags'), valueElement('b')]));
  });

  it('orders fields before keys before values before indexes, and fields by byte order', () => {
    const set = FieldSet.of(
      [indexElement(1)],
      [valueElement('x')],
      [keyElement([['name', 'a']])],
      [fieldElement('b')],
      [fieldElement('B')],
      [valueElement(2)],
    );
    assert.deepEqual(Object.keys(set.toFieldsV1()), ['f:B', 'f:b', 'k:{"name":"a"}', 'v:2', 'v:"x"', 'i:1']);
  });

  it('spells map-list keys as JSON with sorted names, whatever order the input has', () => {
    const pe = parsePathElement('k:{"protocol":"TCP","containerPort":80}');
    assert.equal(pe?.id, 'k:{"containerPort":80,"protocol":"TCP"}');
    assert.equal(
      keyElement([
        ['port', 80],
        ['name', 'http'],
      ]).id,
      'k:{"name":"http","port":80}',
    );
    assert.equal(valueElement('a<b').id, 'v:"a\\u003cb"', 'HTML characters escaped as Go does');
  });

  it('reads `{}` as a member, ignores unknown element types and rejects malformed keys', () => {
    const set = FieldSet.fromFieldsV1({ 'f:a': {}, 'x:future': {}, 'f:b': { 'z:1': {} } });
    assert.deepEqual(set.toFieldsV1(), { 'f:a': {}, 'f:b': {} });
    assert.throws(() => FieldSet.fromFieldsV1({ 'k:{not json': {} }), FieldsV1Error);
    assert.throws(() => FieldSet.fromFieldsV1({ 'f:a': [] }), FieldsV1Error);
    assert.throws(() => FieldSet.fromFieldsV1({ q: {} }), FieldsV1Error);
  });

  it('prints paths the way conflict messages do', () => {
    assert.equal(
      pathToString([...fieldPath('spec', 'ports'), keyElement([['name', 'a']]), fieldElement('port')]),
      '.spec.ports[name="a"].port',
    );
    assert.equal(
      pathToString([...fieldPath('metadata', 'finalizers'), valueElement('x')]),
      '.metadata.finalizers[="x"]',
    );
    assert.equal(
      pathToString([
        fieldElement('p'),
        keyElement([
          ['port', 80],
          ['protocol', 'TCP'],
        ]),
        indexElement(2),
      ]),
      '.p[port=80,protocol="TCP"][2]',
    );
  });
});

describe('FieldSet operations', () => {
  const spec = fieldElement('spec');
  const a = FieldSet.of([spec], [spec, fieldElement('x')], [spec, fieldElement('y')]);

  it('difference removes members only; recursiveDifference removes whole subtrees', () => {
    const justSpec = FieldSet.of([spec]);
    assert.deepEqual(a.difference(justSpec).toFieldsV1(), { 'f:spec': { 'f:x': {}, 'f:y': {} } });
    assert.ok(a.recursiveDifference(justSpec).empty());
  });

  it('union, intersection and leaves', () => {
    const b = FieldSet.of([spec, fieldElement('y')], [spec, fieldElement('z')]);
    assert.deepEqual(a.union(b).toFieldsV1(), { 'f:spec': { '.': {}, 'f:x': {}, 'f:y': {}, 'f:z': {} } });
    assert.deepEqual(a.intersection(b).toFieldsV1(), { 'f:spec': { 'f:y': {} } });
    assert.deepEqual(a.leaves().toFieldsV1(), { 'f:spec': { 'f:x': {}, 'f:y': {} } });
    assert.ok(a.union(b).equals(b.union(a)));
    assert.deepEqual(a.paths().map(pathToString), ['.spec', '.spec.x', '.spec.y']);
  });
});
