import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Attributes } from './attributes.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { ruleAllows } from './rbac-rule.js';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from './rbac-types.js';
import { parseRequestInfo } from './request-info.js';
import { staticRbacSource } from './static-rbac-source.js';
import { authenticatedUser, serviceAccountUser, type UserInfo } from './user-info.js';

const RBAC = 'rbac.authorization.k8s.io';

function req(method: string, url: string): Attributes {
  const u = new URL(url, 'https://127.0.0.1');
  return parseRequestInfo(method, u.pathname, u.searchParams);
}

function res(verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes {
  return {
    isResourceRequest: true,
    verb,
    apiGroup: '',
    resource,
    namespace: 'ns',
    name: '',
    subresource: '',
    ...extra,
  };
}

const user = (name: string, ...groups: string[]): UserInfo => authenticatedUser({ name, groups });

const clusterRole = (name: string, rules: PolicyRule[]): ClusterRole => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRole',
  metadata: { name },
  rules,
});
const role = (namespace: string, name: string, rules: PolicyRule[]): Role => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'Role',
  metadata: { name, namespace },
  rules,
});
const crb = (name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName },
  subjects,
});
const rb = (
  namespace: string,
  name: string,
  kind: 'Role' | 'ClusterRole',
  roleName: string,
  subjects: Subject[],
): RoleBinding => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: RBAC, kind, name: roleName },
  subjects,
});
const U = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC, name });
const G = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC, name });
const SA = (name: string, namespace?: string): Subject => ({
  kind: 'ServiceAccount',
  name,
  ...(namespace ? { namespace } : {}),
});

describe('ruleAllows', () => {
  it('matches verbs, groups and resources exactly or by *', () => {
    const r: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] };
    assert.equal(ruleAllows(res('get', 'configmaps'), r), true);
    assert.equal(ruleAllows(res('watch', 'configmaps'), r), false);
    assert.equal(ruleAllows(res('get', 'secrets'), r), false);
    assert.equal(ruleAllows(res('get', 'configmaps', { apiGroup: 'apps' }), r), false);
    const all: PolicyRule = { verbs: ['*'], apiGroups: ['*'], resources: ['*'] };
    assert.equal(ruleAllows(res('deletecollection', 'widgets', { apiGroup: 'g.example.com' }), all), true);
    assert.equal(ruleAllows(res('get', 'pods', { subresource: 'log' }), all), true);
  });

  it('needs the subresource spelled out: `pods` does not grant `pods/status`', () => {
    const r: PolicyRule = { verbs: ['*'], apiGroups: [''], resources: ['pods'] };
    assert.equal(ruleAllows(res('update', 'pods', { subresource: 'status', name: 'p' }), r), false);
    const sub: PolicyRule = { verbs: ['update'], apiGroups: [''], resources: ['pods/status'] };
    assert.equal(ruleAllows(res('update', 'pods', { subresource: 'status', name: 'p' }), sub), true);
    assert.equal(ruleAllows(res('update', 'pods', { name: 'p' }), sub), false);
  });

  it('`*/status` grants the status of any resource, and nothing else', () => {
    const r: PolicyRule = { verbs: ['patch'], apiGroups: ['*'], resources: ['*/status'] };
    assert.equal(ruleAllows(res('patch', 'widgets', { subresource: 'status', apiGroup: 'g' }), r), true);
    assert.equal(ruleAllows(res('patch', 'pods', { subresource: 'status' }), r), true);
    assert.equal(ruleAllows(res('patch', 'pods', { subresource: 'scale' }), r), false);
    assert.equal(ruleAllows(res('patch', 'pods'), r), false);
    assert.equal(ruleAllows(res('patch', 'pods', { subresource: 'xstatus' }), r), false);
  });

  it('resourceNames restrict to named objects, so collection verbs never match them', () => {
    const r: PolicyRule = {
      verbs: ['get', 'list', 'watch', 'create', 'delete', 'deletecollection'],
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: ['a'],
    };
    assert.equal(ruleAllows(req('GET', '/api/v1/namespaces/ns/configmaps/a'), r), true);
    assert.equal(ruleAllows(req('GET', '/api/v1/namespaces/ns/configmaps/b'), r), false);
    assert.equal(ruleAllows(req('DELETE', '/api/v1/namespaces/ns/configmaps/a'), r), true);
    assert.equal(ruleAllows(req('GET', '/api/v1/namespaces/ns/configmaps'), r), false);
    assert.equal(ruleAllows(req('GET', '/api/v1/namespaces/ns/configmaps?watch=1'), r), false);
    assert.equal(ruleAllows(req('POST', '/api/v1/namespaces/ns/configmaps'), r), false);
    assert.equal(ruleAllows(req('DELETE', '/api/v1/namespaces/ns/configmaps'), r), false);
    // ...except a list/watch pinned to that name with a field selector, as kube-apiserver allows.
    assert.equal(
      ruleAllows(req('GET', '/api/v1/namespaces/ns/configmaps?fieldSelector=metadata.name%3Da'), r),
      true,
    );
    assert.equal(
      ruleAllows(
        req('GET', '/api/v1/namespaces/ns/configmaps?watch=true&fieldSelector=metadata.name%3Da'),
        r,
      ),
      true,
    );
    assert.equal(
      ruleAllows(req('GET', '/api/v1/namespaces/ns/configmaps?fieldSelector=metadata.name%3Db'), r),
      false,
    );
  });

  it('nonResourceURLs match exactly or by a trailing-* prefix, and never resource requests', () => {
    const r: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*', '/logs*'] };
    const path = (p: string, verb = 'get'): Attributes => ({ isResourceRequest: false, verb, path: p });
    assert.equal(ruleAllows(path('/healthz'), r), true);
    assert.equal(ruleAllows(path('/healthz/etcd'), r), false);
    assert.equal(ruleAllows(path('/apis/g/v1'), r), true);
    assert.equal(ruleAllows(path('/apis/'), r), true);
    assert.equal(ruleAllows(path('/apis'), r), false);
    assert.equal(ruleAllows(path('/logsxyz'), r), true);
    assert.equal(ruleAllows(path('/healthz', 'post'), r), false);
    assert.equal(ruleAllows(path('/anything'), { verbs: ['get'], nonResourceURLs: ['*'] }), true);
    assert.equal(ruleAllows(req('GET', '/apis/g/v1/widgets'), r), false);
    // A resource rule never grants a path.
    assert.equal(ruleAllows(path('/healthz'), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), false);
  });
});

describe('RbacAuthorizer', () => {
  const reader = clusterRole('cm-reader', [
    { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['configmaps'] },
  ]);
  const widgetEditor = role('team-a', 'widget-editor', [
    { verbs: ['*'], apiGroups: ['g.example.com'], resources: ['widgets', 'widgets/status'] },
  ]);

  it('lets system:masters do anything, even with no bindings at all', () => {
    const authz = new RbacAuthorizer(staticRbacSource({}));
    assert.deepEqual(authz.authorize(user('root', 'system:masters'), req('DELETE', '/api/v1/namespaces')), {
      allowed: true,
      reason: '',
    });
    assert.equal(
      authz.authorize(user('root', 'system:masters'), { isResourceRequest: false, verb: 'get', path: '/x' })
        .allowed,
      true,
    );
    assert.equal(authz.authorize(user('bob'), req('GET', '/api/v1/namespaces')).allowed, false);
  });

  it('grants cluster-wide through a ClusterRoleBinding and names it in the reason', () => {
    const authz = new RbacAuthorizer(
      staticRbacSource({
        clusterRoles: [reader],
        clusterRoleBindings: [crb('readers', 'cm-reader', [G('devs')])],
      }),
    );
    const d = authz.authorize(user('alice', 'devs'), req('GET', '/api/v1/namespaces/any/configmaps'));
    assert.deepEqual(d, {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "cm-reader" to Group "devs"',
    });
    assert.equal(authz.authorize(user('alice', 'devs'), req('GET', '/api/v1/configmaps')).allowed, true);
    assert.equal(
      authz.authorize(user('bob'), req('GET', '/api/v1/namespaces/any/configmaps')).allowed,
      false,
    );
  });

  it('confines a RoleBinding to its namespace, whether it references a Role or a ClusterRole', () => {
    const authz = new RbacAuthorizer(
      staticRbacSource({
        clusterRoles: [reader],
        roles: [widgetEditor],
        roleBindings: [
          rb('team-a', 'edit-widgets', 'Role', 'widget-editor', [U('alice')]),
          rb('team-a', 'read-cms', 'ClusterRole', 'cm-reader', [U('alice')]),
        ],
      }),
    );
    const alice = user('alice');
    assert.deepEqual(
      authz.authorize(alice, req('PUT', '/apis/g.example.com/v1/namespaces/team-a/widgets/w/status')),
      {
        allowed: true,
        reason: 'RBAC: allowed by RoleBinding "edit-widgets/team-a" of Role "widget-editor" to User "alice"',
      },
    );
    assert.equal(authz.authorize(alice, req('GET', '/api/v1/namespaces/team-a/configmaps')).allowed, true);
    // Not in another namespace, not cluster-wide (all namespaces), not for the cluster-scoped list.
    assert.equal(authz.authorize(alice, req('GET', '/api/v1/namespaces/team-b/configmaps')).allowed, false);
    assert.equal(authz.authorize(alice, req('GET', '/api/v1/configmaps')).allowed, false);
    assert.equal(
      authz.authorize(alice, req('GET', '/apis/g.example.com/v1/namespaces/team-b/widgets')).allowed,
      false,
    );
  });

  it('does not let a RoleBinding use a Role from another namespace', () => {
    const authz = new RbacAuthorizer(
      staticRbacSource({
        roles: [widgetEditor],
        roleBindings: [rb('team-b', 'steal', 'Role', 'widget-editor', [U('mallory')])],
      }),
    );
    const d = authz.authorize(
      user('mallory'),
      req('GET', '/apis/g.example.com/v1/namespaces/team-b/widgets'),
    );
    assert.deepEqual(d, {
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "widget-editor" not found',
    });
    assert.equal(
      authz.authorize(user('mallory'), req('GET', '/apis/g.example.com/v1/namespaces/team-a/widgets'))
        .allowed,
      false,
    );
  });

  it('matches ServiceAccount subjects by username, defaulting the namespace to the binding’s', () => {
    const authz = new RbacAuthorizer(
      staticRbacSource({
        clusterRoles: [reader],
        clusterRoleBindings: [crb('ctrl', 'cm-reader', [SA('controller', 'capi-system')])],
        roleBindings: [rb('team-a', 'local-sa', 'ClusterRole', 'cm-reader', [SA('builder')])],
      }),
    );
    const ctrl = authenticatedUser(serviceAccountUser('capi-system', 'controller'));
    const d = authz.authorize(ctrl, req('GET', '/api/v1/configmaps'));
    assert.equal(d.allowed, true);
    assert.equal(
      d.reason,
      'RBAC: allowed by ClusterRoleBinding "ctrl" of ClusterRole "cm-reader" to ServiceAccount "controller/capi-system"',
    );
    // Same SA name in another namespace is someone else.
    assert.equal(
      authz.authorize(
        authenticatedUser(serviceAccountUser('other', 'controller')),
        req('GET', '/api/v1/configmaps'),
      ).allowed,
      false,
    );
    // A plain user who merely carries the name is not the service account.
    assert.equal(authz.authorize(user('controller'), req('GET', '/api/v1/configmaps')).allowed, false);

    const builder = authenticatedUser(serviceAccountUser('team-a', 'builder'));
    const local = authz.authorize(builder, req('GET', '/api/v1/namespaces/team-a/configmaps'));
    assert.equal(local.allowed, true);
    assert.equal(
      local.reason,
      'RBAC: allowed by RoleBinding "local-sa/team-a" of ClusterRole "cm-reader" to ServiceAccount "builder/team-a"',
    );
    assert.equal(
      authz.authorize(
        authenticatedUser(serviceAccountUser('team-b', 'builder')),
        req('GET', '/api/v1/namespaces/team-a/configmaps'),
      ).allowed,
      false,
    );
  });

  it('grants to service-account groups', () => {
    const authz = new RbacAuthorizer(
      staticRbacSource({
        clusterRoles: [reader],
        clusterRoleBindings: [crb('all-sa', 'cm-reader', [G('system:serviceaccounts:team-a')])],
      }),
    );
    assert.equal(
      authz.authorize(authenticatedUser(serviceAccountUser('team-a', 'x')), req('GET', '/api/v1/configmaps'))
        .allowed,
      true,
    );
    assert.equal(
      authz.authorize(authenticatedUser(serviceAccountUser('team-b', 'x')), req('GET', '/api/v1/configmaps'))
        .allowed,
      false,
    );
  });

  it('ignores a ServiceAccount subject without namespace in a ClusterRoleBinding', () => {
    const authz = new RbacAuthorizer(
      staticRbacSource({
        clusterRoles: [reader],
        clusterRoleBindings: [crb('bad', 'cm-reader', [SA('default')])],
      }),
    );
    assert.equal(
      authz.authorize(
        authenticatedUser(serviceAccountUser('default', 'default')),
        req('GET', '/api/v1/configmaps'),
      ).allowed,
      false,
    );
  });

  it('reports missing roles and bad references in the refusal reason, deduplicated', () => {
    const authz = new RbacAuthorizer(
      staticRbacSource({
        clusterRoleBindings: [
          crb('b1', 'gone', [U('alice')]),
          crb('b2', 'gone', [U('alice')]),
          { ...crb('b3', 'x', [U('alice')]), roleRef: { apiGroup: RBAC, kind: 'Thing', name: 'x' } },
          crb('b4', 'unrelated', [U('bob')]),
        ],
      }),
    );
    assert.deepEqual(authz.authorize(user('alice'), req('GET', '/api/v1/configmaps')), {
      allowed: false,
      reason:
        'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, unsupported role reference kind: "Thing"]',
    });
    assert.deepEqual(authz.authorize(user('carol'), req('GET', '/api/v1/configmaps')), {
      allowed: false,
      reason: '',
    });
  });

  it('still allows through a good binding when another one is broken', () => {
    const authz = new RbacAuthorizer(
      staticRbacSource({
        clusterRoles: [reader],
        clusterRoleBindings: [crb('broken', 'gone', [U('alice')]), crb('ok', 'cm-reader', [U('alice')])],
      }),
    );
    assert.equal(authz.authorize(user('alice'), req('GET', '/api/v1/configmaps')).allowed, true);
  });

  it('treats a throwing source as a resolution error, not a crash', () => {
    const authz = new RbacAuthorizer({
      clusterRoles: () => [],
      clusterRoleBindings: () => {
        throw new Error('cache not synced');
      },
      roles: () => [],
      roleBindings: () => [],
    });
    assert.deepEqual(authz.authorize(user('alice'), req('GET', '/api/v1/configmaps')), {
      allowed: false,
      reason: 'RBAC: cache not synced',
    });
  });

  it('uses the indexed getters when the source has them', () => {
    let scanned = false;
    const authz = new RbacAuthorizer({
      clusterRoles: () => {
        scanned = true;
        return [];
      },
      clusterRoleBindings: () => [crb('b', 'cm-reader', [U('alice')])],
      roles: () => [],
      roleBindings: () => [],
      getClusterRole: (name) => (name === 'cm-reader' ? reader : undefined),
    });
    assert.equal(authz.authorize(user('alice'), req('GET', '/api/v1/configmaps')).allowed, true);
    assert.equal(scanned, false);
  });

  it('lists the rules that apply to a user in a namespace', () => {
    const authz = new RbacAuthorizer(
      staticRbacSource({
        clusterRoles: [reader],
        roles: [widgetEditor],
        clusterRoleBindings: [crb('readers', 'cm-reader', [G('devs')])],
        roleBindings: [
          rb('team-a', 'edit-widgets', 'Role', 'widget-editor', [U('alice')]),
          rb('team-a', 'broken', 'Role', 'nope', [U('alice')]),
        ],
      }),
    );
    const { rules, errors } = authz.rulesFor(user('alice', 'devs'), 'team-a');
    assert.deepEqual(rules, [...(reader.rules ?? []), ...(widgetEditor.rules ?? [])]);
    assert.deepEqual(errors, ['role.rbac.authorization.k8s.io "nope" not found']);
    assert.deepEqual(authz.rulesFor(user('alice', 'devs'), 'team-b').rules, reader.rules);
  });
});
