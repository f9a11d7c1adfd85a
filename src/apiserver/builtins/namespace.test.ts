import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { validateBuiltinName } from './define.js';
import { namespaceDefinition } from './namespace.js';

const { strategy } = namespaceDefinition;

describe('Namespace strategy', () => {
  it('creates Active namespaces carrying the kubernetes finalizer and the name label', () => {
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
    strategy.prepareForCreate?.(ns);
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
    assert.deepEqual(ns.metadata?.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  });

  it('appends kubernetes to finalizers the client gave, once', () => {
    const ns: KubeObject = { metadata: { name: 'a' }, spec: { finalizers: ['example.com/x'] } };
    strategy.prepareForCreate?.(ns);
    assert.deepEqual(ns.spec, { finalizers: ['example.com/x', 'kubernetes'] });
    strategy.prepareForCreate?.(ns);
    assert.deepEqual(ns.spec, { finalizers: ['example.com/x', 'kubernetes'] });
  });

  it('keeps spec.finalizers and restores the name label on main-endpoint updates', () => {
    const old: KubeObject = {
      metadata: { name: 'a' },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
    const ns: KubeObject = { metadata: { name: 'a', labels: { x: 'y' } }, spec: { finalizers: [] } };
    strategy.prepareForUpdate?.(ns, old);
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.metadata?.labels, { x: 'y', 'kubernetes.io/metadata.name': 'a' });
  });

  it('validates spec.finalizers names', () => {
    const ns: KubeObject = { metadata: { name: 'a' }, spec: { finalizers: ['custom'] } };
    assert.deepEqual((strategy.validate?.(ns, undefined) ?? []).map(fieldErrorMessage), [
      'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  it('names namespaces with DNS labels (no dots)', () => {
    assert.deepEqual(validateBuiltinName(namespaceDefinition, 'a.b'), ['must not contain dots']);
    assert.deepEqual(validateBuiltinName(namespaceDefinition, 'ok-name'), []);
  });

  it('is selectable by status.phase and prints NAME STATUS AGE', () => {
    const ns: KubeObject = {
      metadata: { name: 'a', creationTimestamp: '2024-01-01T00:00:00Z' },
      status: { phase: 'Terminating' },
    };
    assert.deepEqual(namespaceDefinition.selectableFields?.(ns), { 'status.phase': 'Terminating' });
    assert.deepEqual(namespaceDefinition.table?.cells(ns, new Date()), [
      'a',
      'Terminating',
      '2024-01-01T00:00:00Z',
    ]);
    assert.equal(strategy.returnDeletedObject, true);
  });
});
