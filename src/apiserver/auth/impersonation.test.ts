import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStatusError, type StatusError } from '../errors/status-error.js';
import type { Attributes, Authorizer } from './attributes.js';
import { applyImpersonation, impersonationRequests } from './impersonation.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { staticRbacSource } from './static-rbac-source.js';
import { authenticatedUser, type UserInfo } from './user-info.js';

const RBAC = 'rbac.authorization.k8s.io';
const alice = authenticatedUser({ name: 'alice', groups: [] });

function pick(a: Attributes): Partial<Attributes> {
  const { verb, apiGroup, resource, subresource, namespace, name } = a;
  return { verb, apiGroup, resource, subresource, namespace, name };
}

describe('impersonationRequests', () => {
  it('returns nothing without impersonation headers', () => {
    assert.equal(impersonationRequests({ accept: 'application/json', authorization: 'Bearer x' }), undefined);
  });

  it('impersonates a user: checks `impersonate users`, adds system:authenticated', () => {
    const plan = impersonationRequests({ 'impersonate-user': ['bob'] });
    assert.ok(plan);
    assert.deepEqual(
      plan.checks.map((c) => [c.kind, pick(c.attributes)]),
      [
        [
          'User',
          {
            verb: 'impersonate',
            apiGroup: '',
            resource: 'users',
            subresource: '',
            namespace: '',
            name: 'bob',
          },
        ],
      ],
    );
    assert.equal(plan.checks[0]!.attributes.isResourceRequest, true);
    assert.deepEqual(plan.user, { name: 'bob', groups: ['system:authenticated'] });
  });

  it('checks each group, uid and extra value, and builds the full user', () => {
    const plan = impersonationRequests({
      'Impersonate-User': 'bob',
      'impersonate-group': ['devs', 'ops'],
      'impersonate-uid': ['1234'],
      'impersonate-extra-scopes': ['view', 'development'],
      'impersonate-extra-example.com%2fteam': ['blue'],
    });
    assert.ok(plan);
    assert.deepEqual(
      plan.checks.map((c) => [c.kind, pick(c.attributes)]),
      [
        [
          'User',
          {
            verb: 'impersonate',
            apiGroup: '',
            resource: 'users',
            subresource: '',
            namespace: '',
            name: 'bob',
          },
        ],
        [
          'Group',
          {
            verb: 'impersonate',
            apiGroup: '',
            resource: 'groups',
            subresource: '',
            namespace: '',
            name: 'devs',
          },
        ],
        [
          'Group',
          {
            verb: 'impersonate',
            apiGroup: '',
            resource: 'groups',
            subresource: '',
            namespace: '',
            name: 'ops',
          },
        ],
        [
          'UserExtra',
          {
            verb: 'impersonate',
            apiGroup: 'authentication.k8s.io',
            resource: 'userextras',
            subresource: 'example.com/team',
            namespace: '',
            name: 'blue',
          },
        ],
        [
          'UserExtra',
          {
            verb: 'impersonate',
            apiGroup: 'authentication.k8s.io',
            resource: 'userextras',
            subresource: 'scopes',
            namespace: '',
            name: 'view',
          },
        ],
        [
          'UserExtra',
          {
            verb: 'impersonate',
            apiGroup: 'authentication.k8s.io',
            resource: 'userextras',
            subresource: 'scopes',
            namespace: '',
            name: 'development',
          },
        ],
        [
          'UID',
          {
            verb: 'impersonate',
            apiGroup: 'authentication.k8s.io',
            resource: 'uids',
            subresource: '',
            namespace: '',
            name: '1234',
          },
        ],
      ],
    );
    assert.deepEqual(plan.user, {
      name: 'bob',
      uid: '1234',
      groups: ['devs', 'ops', 'system:authenticated'],
      extra: { 'example.com/team': ['blue'], scopes: ['view', 'development'] },
    });
  });

  it('impersonates a service account: checks `impersonate serviceaccounts` in its namespace, adds its groups', () => {
    const plan = impersonationRequests({ 'impersonate-user': ['system:serviceaccount:capi-system:manager'] });
    assert.ok(plan);
    assert.deepEqual(pick(plan.checks[0]!.attributes), {
      verb: 'impersonate',
      apiGroup: '',
      resource: 'serviceaccounts',
      subresource: '',
      namespace: 'capi-system',
      name: 'manager',
    });
    assert.deepEqual(plan.user, {
      name: 'system:serviceaccount:capi-system:manager',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:capi-system', 'system:authenticated'],
    });
  });

  it('lets explicit groups replace a service account’s own groups', () => {
    const plan = impersonationRequests({
      'impersonate-user': ['system:serviceaccount:ns:sa'],
      'impersonate-group': ['g1'],
    });
    assert.deepEqual(plan?.user.groups, ['g1', 'system:authenticated']);
  });

  it('treats a malformed service-account name as a plain user', () => {
    const plan = impersonationRequests({ 'impersonate-user': ['system:serviceaccount:Bad_NS:sa'] });
    assert.equal(plan?.checks[0]?.kind, 'User');
    assert.equal(plan?.checks[0]?.attributes.resource, 'users');
  });

  it('does not add system:authenticated when system:authenticated or system:unauthenticated is requested', () => {
    assert.deepEqual(
      impersonationRequests({ 'impersonate-user': ['bob'], 'impersonate-group': ['system:unauthenticated'] })
        ?.user.groups,
      ['system:unauthenticated'],
    );
    assert.deepEqual(
      impersonationRequests({
        'impersonate-user': ['bob'],
        'impersonate-group': ['x', 'system:authenticated'],
      })?.user.groups,
      ['x', 'system:authenticated'],
    );
  });

  it('gives system:anonymous the unauthenticated group instead', () => {
    assert.deepEqual(impersonationRequests({ 'impersonate-user': ['system:anonymous'] })?.user, {
      name: 'system:anonymous',
      groups: ['system:unauthenticated'],
    });
  });

  it('refuses groups, extras or a uid without a user (400)', () => {
    for (const headers of [
      { 'impersonate-group': ['devs'] },
      { 'impersonate-uid': ['1'] },
      { 'impersonate-extra-scopes': ['x'] },
    ]) {
      assert.throws(
        () => impersonationRequests(headers),
        (err: unknown) =>
          isStatusError(err) && err.code === 400 && /without impersonating a user$/.test(err.message),
      );
    }
    assert.throws(
      () => impersonationRequests({ 'impersonate-group': ['devs'] }),
      (err: unknown) =>
        (err as StatusError).message === 'requested [{Group  devs    }] without impersonating a user',
    );
  });
});

describe('applyImpersonation', () => {
  const authz = new RbacAuthorizer(
    staticRbacSource({
      clusterRoles: [
        {
          metadata: { name: 'impersonate-bob' },
          rules: [
            { verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['bob'] },
            { verbs: ['impersonate'], apiGroups: [''], resources: ['groups'], resourceNames: ['devs'] },
          ],
        },
      ],
      clusterRoleBindings: [
        {
          metadata: { name: 'alice-impersonates' },
          roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'impersonate-bob' },
          subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }],
        },
      ],
    }),
  );

  it('returns the requestor when nothing is impersonated', () => {
    assert.equal(applyImpersonation(alice, {}, authz), alice);
  });

  it('switches user when every check passes', () => {
    assert.deepEqual(
      applyImpersonation(alice, { 'impersonate-user': ['bob'], 'impersonate-group': ['devs'] }, authz),
      {
        name: 'bob',
        groups: ['devs', 'system:authenticated'],
      },
    );
  });

  it('answers the first refused check with a 403 about it', () => {
    assert.throws(
      () => applyImpersonation(alice, { 'impersonate-user': ['carol'] }, authz),
      (err: unknown) =>
        isStatusError(err) &&
        err.code === 403 &&
        err.message ===
          'users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    assert.throws(
      () =>
        applyImpersonation(
          alice,
          { 'impersonate-user': ['bob'], 'impersonate-group': ['system:masters'] },
          authz,
        ),
      (err: unknown) =>
        isStatusError(err) &&
        err.message ===
          'groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
    assert.throws(
      () =>
        applyImpersonation(
          alice,
          { 'impersonate-user': ['system:serviceaccount:kube-system:default'] },
          authz,
        ),
      (err: unknown) =>
        isStatusError(err) &&
        err.message ===
          'serviceaccounts "default" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"',
    );
  });

  it('asks the authorizer as the requestor, never as the target', () => {
    const seen: UserInfo[] = [];
    const recording: Authorizer = {
      authorize: (user) => {
        seen.push(user);
        return { allowed: true, reason: '' };
      },
    };
    applyImpersonation(alice, { 'impersonate-user': ['bob'], 'impersonate-group': ['a', 'b'] }, recording);
    assert.deepEqual(seen, [alice, alice, alice]);
  });
});
