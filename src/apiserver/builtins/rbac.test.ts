import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import {
  clusterRoleBindingDefinition,
  clusterRoleDefinition,
  roleBindingDefinition,
  roleDefinition,
} from './rbac.js';

const binding = (roleName: string): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'test-crb' },
  roleRef: { kind: 'ClusterRole', name: roleName },
  subjects: [{ kind: 'User', name: 'user@acme.com' }],
});

describe('RBAC strategies', () => {
  const { strategy } = clusterRoleBindingDefinition;

  it('defaults roleRef.apiGroup and subject apiGroups', () => {
    const b = binding('edit');
    strategy.prepareForCreate?.(b);
    assert.deepEqual(b.roleRef, { kind: 'ClusterRole', name: 'edit', apiGroup: 'rbac.authorization.k8s.io' });
    assert.deepEqual(b.subjects, [
      { kind: 'User', name: 'user@acme.com', apiGroup: 'rbac.authorization.k8s.io' },
    ]);
    assert.deepEqual(strategy.validate?.(b, undefined), []);
  });

  it('refuses a roleRef change with the exact upstream message', () => {
    const old = binding('edit');
    strategy.prepareForCreate?.(old);
    const changed = binding('view');
    strategy.prepareForUpdate?.(changed, old);
    assert.deepEqual((strategy.validate?.(changed, old) ?? []).map(fieldErrorMessage), [
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
    ]);
  });

  it('lets subjects change', () => {
    const old = binding('edit');
    strategy.prepareForCreate?.(old);
    const changed = { ...binding('edit'), subjects: [{ kind: 'Group', name: 'ops' }] };
    strategy.prepareForUpdate?.(changed, old);
    assert.deepEqual(strategy.validate?.(changed, old), []);
  });

  it('checks subjects and roleRef kinds', () => {
    const b = {
      ...binding('x'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' },
      subjects: [{ kind: 'ServiceAccount', name: 'sa' }],
    };
    assert.deepEqual((strategy.validate?.(b, undefined) ?? []).map(fieldErrorMessage), [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
    const rb = { ...b, kind: 'RoleBinding', metadata: { name: 'rb', namespace: 'default' } };
    assert.deepEqual(roleBindingDefinition.strategy.validate?.(rb, undefined), []);
  });

  it('validates policy rules', () => {
    const role: KubeObject = {
      metadata: { name: 'r', namespace: 'default' },
      rules: [{ verbs: [], nonResourceURLs: ['/healthz'] }],
    };
    assert.deepEqual((roleDefinition.strategy.validate?.(role, undefined) ?? []).map(fieldErrorMessage), [
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
    ]);
    const clusterRole: KubeObject = {
      metadata: { name: 'system:x' },
      rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
    };
    assert.deepEqual(clusterRoleDefinition.strategy.validate?.(clusterRole, undefined), []);
  });
});
