import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { configMapDefinition } from './config-map.js';
import { secretDefinition } from './secret.js';

const strategy = secretDefinition.strategy;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const messages = (obj: KubeObject, old?: KubeObject) =>
  (secretDefinition.strategy.validate?.(obj, old) ?? []).map(fieldErrorMessage);

const secret = (extra: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'default' },
  ...extra,
});

describe('Secret strategy', () => {
  it('merges stringData into data as base64 and drops it; type defaults to Opaque', () => {
    const s = secret({ data: { a: b64('old'), b: b64('keep') }, stringData: { a: 'new', c: 'héllo' } });
    strategy.prepareForCreate?.(s);
    assert.deepEqual(s.data, { a: b64('new'), b: b64('keep'), c: b64('héllo') });
    assert.equal('stringData' in s, false);
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(messages(s), []);
  });

  it('merges stringData on update too', () => {
    const old = secret({ type: 'Opaque', data: { a: b64('1') } });
    const s = secret({ type: 'Opaque', data: { a: b64('1') }, stringData: { a: '2' } });
    strategy.prepareForUpdate?.(s, old);
    assert.deepEqual(s.data, { a: b64('2') });
    assert.equal('stringData' in s, false);
  });

  it('keeps type immutable', () => {
    const old = secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } });
    const s = secret({ data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } });
    strategy.prepareForUpdate?.(s, old);
    assert.deepEqual(messages(s, old), ['type: Invalid value: "Opaque": field is immutable']);
  });

  it('freezes data (including via stringData) once immutable is set', () => {
    const old = secret({ type: 'Opaque', immutable: true, data: { a: b64('1') } });
    const s = secret({ type: 'Opaque', immutable: true, data: { a: b64('1') }, stringData: { a: '2' } });
    strategy.prepareForUpdate?.(s, old);
    assert.deepEqual(messages(s, old), ['data: Forbidden: field is immutable when `immutable` is set']);

    const unset = secret({ type: 'Opaque', data: { a: b64('1') } });
    assert.deepEqual(messages(unset, old), [
      'immutable: Forbidden: field is immutable when `immutable` is set',
    ]);

    // Metadata may still change.
    const relabelled = secret({ type: 'Opaque', immutable: true, data: { a: b64('1') } });
    relabelled.metadata = { ...relabelled.metadata, labels: { x: 'y' } };
    assert.deepEqual(messages(relabelled, old), []);
  });

  it('rejects keys outside [-._a-zA-Z0-9]+ with the upstream message', () => {
    const s = secret({ type: 'Opaque', data: { 'bad key': b64('x') } });
    assert.deepEqual(messages(s), [
      "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' " +
        "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
    assert.deepEqual(messages(secret({ type: 'Opaque', data: { '..x': b64('x') } })), [
      'data[..x]: Invalid value: "..x": must not start with \'..\'',
    ]);
  });

  it('limits the decoded size to 1 MiB', () => {
    const big = Buffer.alloc(1024 * 1024 + 1).toString('base64');
    assert.deepEqual(messages(secret({ type: 'Opaque', data: { big } })), [
      'data: Too long: may not be more than 1048576 bytes',
    ]);
  });

  it('requires the keys of typed secrets', () => {
    assert.deepEqual(messages(secret({ type: 'kubernetes.io/tls', data: {} })), [
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
    ]);
  });

  it('is selectable by type and prints NAME TYPE DATA AGE', () => {
    const s = secret({ type: 'Opaque', data: { a: 'YQ==', b: 'Yg==' } });
    s.metadata = { ...s.metadata, creationTimestamp: '2024-01-01T00:00:00Z' };
    assert.deepEqual(secretDefinition.selectableFields?.(s), { type: 'Opaque' });
    assert.deepEqual(
      secretDefinition.table?.columns.map((c) => c.name),
      ['Name', 'Type', 'Data', 'Age'],
    );
    assert.deepEqual(secretDefinition.table?.cells(s, new Date()), [
      's',
      'Opaque',
      2,
      '2024-01-01T00:00:00Z',
    ]);
  });
});

describe('ConfigMap strategy', () => {
  const cmMessages = (obj: KubeObject, old?: KubeObject) =>
    (configMapDefinition.strategy.validate?.(obj, old) ?? []).map(fieldErrorMessage);

  it('requires keys to be unique across data and binaryData', () => {
    assert.deepEqual(cmMessages({ data: { k: 'v' }, binaryData: { k: 'dg==' } }), [
      'data[k]: Invalid value: "k": duplicate of key present in binaryData',
    ]);
  });

  it('freezes data and binaryData once immutable', () => {
    const old = { immutable: true, data: { k: 'v' }, binaryData: { b: 'dg==' } };
    assert.deepEqual(cmMessages({ immutable: true, data: { k: 'w' } }, old), [
      'data: Forbidden: field is immutable when `immutable` is set',
      'binaryData: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  it('limits the total size to 1 MiB against the whole object', () => {
    assert.deepEqual(cmMessages({ data: { k: 'x'.repeat(1024 * 1024 + 1) } }), [
      ': Too long: may not be more than 1048576 bytes',
    ]);
  });

  it('counts data and binaryData entries in DATA', () => {
    const cm = {
      metadata: { name: 'c', creationTimestamp: '2024-01-01T00:00:00Z' },
      data: { a: '1' },
      binaryData: { b: 'Yg==' },
    };
    assert.deepEqual(configMapDefinition.table?.cells(cm, new Date()), ['c', 2, '2024-01-01T00:00:00Z']);
  });
});
