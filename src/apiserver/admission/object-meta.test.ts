import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { ObjectMeta } from '../registry/resource-definition.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const messages = (meta: ObjectMeta, opts: Parameters<typeof validateObjectMeta>[1]): string[] =>
  validateObjectMeta(meta, opts).map(fieldErrorMessage);

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('name validators', () => {
  it('reports DNS subdomain and label problems with kube 1.32 wording', () => {
    assert.deepEqual(nameIsDNSSubdomain('Foo', false), [SUBDOMAIN_MSG]);
    assert.deepEqual(nameIsDNSSubdomain('a'.repeat(254), false), ['must be no more than 253 characters']);
    assert.deepEqual(nameIsDNSLabel('a.b', false), ['must not contain dots']);
    assert.deepEqual(nameIsDNSLabel('-a', false), [LABEL_MSG]);
    // generateName may end with a dash
    assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
  });

  it('checks qualified names and label values', () => {
    assert.deepEqual(isQualifiedName('example.com/name'), []);
    assert.deepEqual(isQualifiedName('/name'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('a/b/c'), [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
    assert.deepEqual(isQualifiedName(`x/${'a'.repeat(64)}`), [
      'name part must be no more than 63 characters',
    ]);
    assert.deepEqual(isValidLabelValue(''), []);
    assert.equal(isValidLabelValue('-bad').length, 1);
    assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters']);
  });
});

describe('validateObjectMeta', () => {
  it('requires a name unless generateName is set, and validates it as a DNS subdomain', () => {
    assert.deepEqual(messages({ namespace: 'ns' }, { namespaced: true }), [
      'metadata.name: Required value: name or generateName is required',
    ]);
    assert.deepEqual(messages({ generateName: 'web-', namespace: 'ns' }, { namespaced: true }), []);
    assert.deepEqual(messages({ name: 'Foo', namespace: 'ns' }, { namespaced: true }), [
      `metadata.name: Invalid value: "Foo": ${SUBDOMAIN_MSG}`,
    ]);
    assert.deepEqual(messages({ name: 'a.b' }, { namespaced: false, isNamespace: true }), [
      'metadata.name: Invalid value: "a.b": must not contain dots',
    ]);
  });

  it('checks the namespace against the scope', () => {
    assert.deepEqual(messages({ name: 'a' }, { namespaced: true }), ['metadata.namespace: Required value']);
    assert.deepEqual(messages({ name: 'a', namespace: 'x' }, { namespaced: false }), [
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
    assert.deepEqual(messages({ name: 'a', namespace: 'a.b' }, { namespaced: true }), [
      'metadata.namespace: Invalid value: "a.b": must not contain dots',
    ]);
  });

  it('validates labels, annotations, finalizers and owner references', () => {
    const errs = messages(
      {
        name: 'a',
        labels: { 'bad key!': 'ok', good: '-bad' },
        annotations: { big: 'x'.repeat(256 * 1024) },
        finalizers: ['example.com/ok', 'not/a/qualified/name'],
        ownerReferences: [
          { apiVersion: 'v1', kind: 'A', name: 'a', uid: '1', controller: true },
          { apiVersion: 'a/b/c', kind: 'B', name: 'b', uid: '', controller: true },
        ],
      },
      { namespaced: false },
    );
    assert.equal(
      errs[0],
      `metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
    assert.match(errs[1]!, /^metadata\.labels: Invalid value: "-bad": a valid label must be an empty string/);
    assert.equal(errs[2], 'metadata.annotations: Too long: may not be more than 262144 bytes');
    assert.equal(
      errs[3],
      'metadata.ownerReferences[1].apiVersion: Invalid value: "a/b/c": must be <group>/<version> or <version>',
    );
    assert.equal(errs[4], 'metadata.ownerReferences[1].uid: Required value: must not be empty');
    assert.match(
      errs[5]!,
      /^metadata\.ownerReferences: Invalid value: .*: Only one reference can have Controller set to true\. Found "true" in references for A\/a and B\/b$/,
    );
    assert.match(
      errs[6]!,
      /^metadata\.finalizers: Invalid value: "not\/a\/qualified\/name": a qualified name must consist/,
    );
    assert.equal(errs.length, 7);
  });

  it('checks managedFields entries', () => {
    assert.deepEqual(
      messages(
        {
          name: 'a',
          managedFields: [{ manager: 'm', operation: 'Patch' as 'Apply', fieldsType: 'X' as 'FieldsV1' }],
        },
        { namespaced: false },
      ),
      [
        'metadata.managedFields[0].operation: Invalid value: "Patch": must be `Apply` or `Update`',
        'metadata.managedFields[0].fieldsType: Invalid value: "X": must be `FieldsV1`',
      ],
    );
  });

  it('validates only the namespace on update (the rest is in validateObjectMetaUpdate)', () => {
    assert.deepEqual(
      messages({ name: 'Foo', labels: { 'bad!': 'x' } }, { namespaced: false, isCreate: false }),
      [],
    );
  });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = {
    name: 'a',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '5',
    generation: 2,
    creationTimestamp: '2024-01-02T03:04:05Z',
  };

  it('reports immutable fields with Go-style values', () => {
    const errs = validateObjectMetaUpdate(
      { ...old, name: 'b', uid: 'u2', creationTimestamp: '2024-01-02T03:04:06Z', generation: 1 },
      old,
    ).map(fieldErrorMessage);
    assert.deepEqual(errs, [
      'metadata.generation: Invalid value: 1: must not be decremented',
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
      'metadata.creationTimestamp: Invalid value: 2024-01-02 03:04:06 +0000 UTC: field is immutable',
    ]);
  });

  it('ignores sub-second differences in timestamps and accepts unchanged metadata', () => {
    assert.deepEqual(
      validateObjectMetaUpdate({ ...old, creationTimestamp: '2024-01-02T03:04:05.5Z' }, old),
      [],
    );
  });

  it('forbids new finalizers once the object is being deleted', () => {
    const deleting = { ...old, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a/keep'] };
    const errs = validateObjectMetaUpdate({ ...deleting, finalizers: ['a/keep', 'x', 'b/y'] }, deleting);
    assert.deepEqual(errs.map(fieldErrorMessage), [
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b/y", "x"}',
    ]);
    assert.equal(errs[0]!.type, 'FieldValueForbidden');
    // removing finalizers is fine
    assert.deepEqual(validateObjectMetaUpdate({ ...deleting, finalizers: [] }, deleting), []);
  });

  it('reports a changed deletionTimestamp and an optional resourceVersion requirement', () => {
    const errs = validateObjectMetaUpdate(
      { ...old, deletionTimestamp: '2024-02-01T00:00:00Z', resourceVersion: '' },
      old,
      {
        requireResourceVersion: true,
      },
    ).map(fieldErrorMessage);
    assert.deepEqual(errs, [
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      'metadata.deletionTimestamp: Invalid value: 2024-02-01 00:00:00 +0000 UTC: field is immutable',
    ]);
  });
});
