import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forbiddenError, forbiddenMessage } from './forbidden.js';
import { parseRequestInfo } from './request-info.js';
import type { UserInfo } from './user-info.js';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

function req(method: string, url: string) {
  const u = new URL(url, 'https://127.0.0.1');
  return parseRequestInfo(method, u.pathname, u.searchParams);
}

describe('forbiddenMessage', () => {
  it('words namespaced, cluster-scoped, subresource and path refusals as kube-apiserver does', () => {
    assert.equal(
      forbiddenMessage(alice, req('GET', '/apis/test.example.com/v1/namespaces/default/widgets')),
      'User "alice" cannot list resource "widgets" in API group "test.example.com" in the namespace "default"',
    );
    assert.equal(
      forbiddenMessage(alice, req('GET', '/api/v1/nodes')),
      'User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    assert.equal(
      forbiddenMessage(alice, req('GET', '/api/v1/namespaces/ns/pods/p/log')),
      'User "alice" cannot get resource "pods/log" in API group "" in the namespace "ns"',
    );
    assert.equal(forbiddenMessage(alice, req('GET', '/foo')), 'User "alice" cannot get path "/foo"');
    assert.equal(
      forbiddenMessage(alice, req('GET', '/api/v1/namespaces/ns/pods?watch=1')),
      'User "alice" cannot watch resource "pods" in API group "" in the namespace "ns"',
    );
    // The namespace object itself is addressed "in the namespace".
    assert.equal(
      forbiddenMessage(alice, req('DELETE', '/api/v1/namespaces/ns')),
      'User "alice" cannot delete resource "namespaces" in API group "" in the namespace "ns"',
    );
    assert.equal(
      forbiddenMessage(undefined, req('GET', '/api/v1/namespaces')),
      'User "" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
  });
});

describe('forbiddenError', () => {
  it('builds the 403 Status kubectl prints', () => {
    const err = forbiddenError(alice, req('GET', '/apis/test.example.com/v1/namespaces/default/widgets'));
    assert.equal(err.code, 403);
    assert.deepEqual(err.status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'widgets.test.example.com is forbidden: User "alice" cannot list resource "widgets" in API group "test.example.com" in the namespace "default"',
      reason: 'Forbidden',
      details: { group: 'test.example.com', kind: 'widgets' },
      code: 403,
    });
  });

  it('names the object and appends the authorizer reason', () => {
    const err = forbiddenError(
      alice,
      req('GET', '/api/v1/namespaces/ns/configmaps/c1'),
      'RBAC: clusterrole.rbac.authorization.k8s.io "x" not found',
    );
    assert.equal(
      err.message,
      'configmaps "c1" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "ns": RBAC: clusterrole.rbac.authorization.k8s.io "x" not found',
    );
    assert.deepEqual(err.status.details, { name: 'c1', group: '', kind: 'configmaps' });
  });

  it('uses the bare `forbidden:` form for non-resource paths and escapes HTML', () => {
    const err = forbiddenError({ name: '<b>&', groups: [] }, req('GET', '/healthz'));
    assert.equal(err.message, 'forbidden: User "&lt;b&gt;&amp;" cannot get path "/healthz"');
    assert.deepEqual(err.status.details, {});
  });
});
