import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Attributes } from './attributes.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapPolicy } from './bootstrap-policy.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import type { RoleBinding } from './rbac-types.js';
import { parseRequestInfo } from './request-info.js';
import { staticRbacSource } from './static-rbac-source.js';
import { anonymousUser, authenticatedUser, type UserInfo } from './user-info.js';

function req(method: string, url: string): Attributes {
  const u = new URL(url, 'https://127.0.0.1');
  return parseRequestInfo(method, u.pathname, u.searchParams);
}

const RBAC = 'rbac.authorization.k8s.io';
const someone = authenticatedUser({ name: 'someone', groups: [] });

function authorizerWith(roleBindings: RoleBinding[] = [], privilegedGroups?: string[]): RbacAuthorizer {
  return new RbacAuthorizer(staticRbacSource({ ...bootstrapPolicy(), roleBindings }), {
    ...(privilegedGroups ? { privilegedGroups } : {}),
  });
}

const allowed = (authz: RbacAuthorizer, user: UserInfo, method: string, url: string): boolean =>
  authz.authorize(user, req(method, url)).allowed;

describe('bootstrap policy', () => {
  it('lets any authenticated user discover APIs, read OpenAPI and version, and ask about itself', () => {
    const authz = authorizerWith();
    for (const path of [
      '/api',
      '/api/v1',
      '/apis',
      '/apis/g.example.com/v1',
      '/openapi/v3',
      '/openapi/v2',
      '/version',
      '/healthz',
      '/readyz',
      '/livez',
    ]) {
      assert.equal(allowed(authz, someone, 'GET', path), true, path);
    }
    assert.equal(
      allowed(authz, someone, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'),
      true,
    );
    assert.equal(
      allowed(authz, someone, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews'),
      true,
    );
    assert.equal(allowed(authz, someone, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews'), true);
    assert.equal(
      authz.authorize(someone, req('GET', '/apis')).reason,
      'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
    );
  });

  it('grants nothing else to an arbitrary authenticated user', () => {
    const authz = authorizerWith();
    assert.equal(allowed(authz, someone, 'GET', '/api/v1/namespaces/default/secrets'), false);
    assert.equal(allowed(authz, someone, 'GET', '/api/v1/secrets'), false);
    assert.equal(allowed(authz, someone, 'GET', '/api/v1/namespaces'), false);
    assert.equal(
      allowed(authz, someone, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews'),
      false,
    );
    assert.equal(allowed(authz, someone, 'POST', '/apis'), false);
    assert.equal(allowed(authz, someone, 'GET', '/metrics'), false);
  });

  it('gives anonymous users only the public info, not discovery', () => {
    const authz = authorizerWith();
    const anon = anonymousUser();
    assert.equal(allowed(authz, anon, 'GET', '/version'), true);
    assert.equal(allowed(authz, anon, 'GET', '/healthz'), true);
    assert.equal(allowed(authz, anon, 'GET', '/apis'), false);
    assert.equal(allowed(authz, anon, 'GET', '/openapi/v3'), false);
    assert.equal(
      allowed(authz, anon, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'),
      false,
    );
  });

  it('binds cluster-admin to system:masters (not only through the bypass)', () => {
    const authz = authorizerWith([], []);
    const root = authenticatedUser({ name: 'root', groups: ['system:masters'] });
    assert.equal(allowed(authz, root, 'DELETE', '/api/v1/namespaces/kube-system/secrets'), true);
    assert.equal(allowed(authz, root, 'GET', '/metrics'), true);
  });

  it('makes view, edit and admin usable through RoleBindings, with secrets out of view', () => {
    const bind = (role: string, user: string): RoleBinding => ({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: `${user}-${role}`, namespace: 'team' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: user }],
    });
    const authz = authorizerWith([bind('view', 'v'), bind('edit', 'e'), bind('admin', 'a')]);
    const [v, e, a] = ['v', 'e', 'a'].map((name) => authenticatedUser({ name, groups: [] })) as [
      UserInfo,
      UserInfo,
      UserInfo,
    ];

    for (const u of [v, e, a]) {
      assert.equal(allowed(authz, u, 'GET', '/api/v1/namespaces/team/configmaps'), true);
      assert.equal(allowed(authz, u, 'GET', '/api/v1/namespaces/team'), true);
      assert.equal(allowed(authz, u, 'GET', '/api/v1/namespaces/team/events?watch=1'), true);
      assert.equal(allowed(authz, u, 'GET', '/apis/coordination.k8s.io/v1/namespaces/team/leases'), true);
      assert.equal(allowed(authz, u, 'GET', '/api/v1/namespaces/team/pods/p/log'), true);
      // Nothing outside the namespace.
      assert.equal(allowed(authz, u, 'GET', '/api/v1/namespaces/other/configmaps'), false);
      assert.equal(allowed(authz, u, 'GET', '/api/v1/namespaces'), false);
    }

    assert.equal(allowed(authz, v, 'GET', '/api/v1/namespaces/team/secrets'), false);
    assert.equal(allowed(authz, v, 'POST', '/api/v1/namespaces/team/configmaps'), false);

    assert.equal(allowed(authz, e, 'GET', '/api/v1/namespaces/team/secrets'), true);
    assert.equal(allowed(authz, e, 'POST', '/api/v1/namespaces/team/secrets'), true);
    assert.equal(allowed(authz, e, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/team/leases/l'), true);
    assert.equal(allowed(authz, e, 'POST', '/api/v1/namespaces/team/serviceaccounts/default/token'), true);
    assert.equal(allowed(authz, e, 'DELETE', '/api/v1/namespaces/team'), false);
    assert.equal(
      allowed(authz, e, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings'),
      false,
    );
    assert.equal(allowed(authz, e, 'PUT', '/api/v1/namespaces/team/pods/p/status'), false);

    assert.equal(
      allowed(authz, a, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings'),
      true,
    );
    assert.equal(
      allowed(authz, a, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/roles/r'),
      true,
    );
    assert.equal(
      allowed(authz, a, 'POST', '/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews'),
      true,
    );
    assert.equal(allowed(authz, a, 'POST', '/api/v1/namespaces/team/secrets'), true);
  });

  it('adds extra rules to the user-facing roles, view extras flowing up to edit and admin', () => {
    const roles = bootstrapClusterRoles({
      extraRules: { view: [{ verbs: ['get'], apiGroups: ['cluster.x-k8s.io'], resources: ['clusters'] }] },
    });
    for (const name of ['view', 'edit', 'admin']) {
      const r = roles.find((x) => x.metadata?.name === name);
      assert.ok(
        r?.rules?.some((rule) => rule.apiGroups?.includes('cluster.x-k8s.io')),
        name,
      );
    }
    assert.ok(
      !roles
        .find((x) => x.metadata?.name === 'cluster-admin')
        ?.rules?.some((r) => r.apiGroups?.includes('cluster.x-k8s.io')),
    );
  });

  it('marks every object as a bootstrap default that may be auto-updated', () => {
    const { clusterRoles, clusterRoleBindings } = bootstrapPolicy();
    assert.deepEqual(
      clusterRoles.map((r) => r.metadata?.name),
      [
        'cluster-admin',
        'system:discovery',
        'system:basic-user',
        'system:public-info-viewer',
        'admin',
        'edit',
        'view',
      ],
    );
    for (const o of [...clusterRoles, ...clusterRoleBindings]) {
      assert.equal(o.apiVersion, 'rbac.authorization.k8s.io/v1');
      assert.equal(o.metadata?.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
      assert.equal(o.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true');
    }
    const publicInfo = clusterRoleBindings.find((b) => b.metadata?.name === 'system:public-info-viewer');
    assert.deepEqual(
      publicInfo?.subjects?.map((s) => s.name),
      ['system:authenticated', 'system:unauthenticated'],
    );
  });

  it('hands out fresh objects each call', () => {
    const a = bootstrapClusterRoleBindings();
    a[0]!.subjects!.push({ kind: 'User', apiGroup: RBAC, name: 'mallory' });
    a[0]!.metadata!.labels!.x = 'y';
    const b = bootstrapClusterRoleBindings();
    assert.equal(b[0]!.subjects!.length, 1);
    assert.equal(b[0]!.metadata!.labels!.x, undefined);
    const r1 = bootstrapClusterRoles();
    r1[0]!.rules![0]!.verbs.push('x');
    assert.deepEqual(bootstrapClusterRoles()[0]!.rules![0]!.verbs, ['*']);
  });
});
