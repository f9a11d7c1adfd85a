import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStatusError } from '../errors/status-error.js';
import type { ObjectMeta } from '../registry/resource-definition.js';
import {
  type AccessReview,
  localSubjectAccessReview,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
} from './access-review.js';
import type { Authorizer } from './attributes.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import type { RoleBinding } from './rbac-types.js';
import { staticRbacSource } from './static-rbac-source.js';
import { authenticatedUser } from './user-info.js';

const RBAC = 'rbac.authorization.k8s.io';
const viewInTeam: RoleBinding = {
  metadata: { name: 'dev-view', namespace: 'team' },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
  subjects: [{ kind: 'Group', apiGroup: RBAC, name: 'devs' }],
};
const authz = new RbacAuthorizer(staticRbacSource({ ...bootstrapPolicy(), roleBindings: [viewInTeam] }));
const dev = authenticatedUser({ name: 'dana', groups: ['devs'] });

// kubectl sends `creationTimestamp: null`, which must count as empty metadata.
const ssar = (resourceAttributes: Record<string, string>): AccessReview => ({
  apiVersion: 'authorization.k8s.io/v1',
  kind: 'SelfSubjectAccessReview',
  metadata: JSON.parse('{"creationTimestamp":null}') as ObjectMeta,
  spec: { resourceAttributes },
});

const isInvalid = (pattern: RegExp) => (err: unknown) =>
  isStatusError(err) && err.code === 422 && pattern.test(err.message);

describe('selfSubjectAccessReview', () => {
  it('answers kubectl auth can-i for the requesting user', () => {
    const yes = selfSubjectAccessReview(
      authz,
      dev,
      ssar({ namespace: 'team', verb: 'list', resource: 'configmaps' }),
    );
    assert.deepEqual(yes.status, {
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "dev-view/team" of ClusterRole "view" to Group "devs"',
    });
    assert.equal(yes.kind, 'SelfSubjectAccessReview');
    assert.deepEqual(yes.spec, {
      resourceAttributes: { namespace: 'team', verb: 'list', resource: 'configmaps' },
    });

    const no = selfSubjectAccessReview(
      authz,
      dev,
      ssar({ namespace: 'team', verb: 'get', resource: 'secrets' }),
    );
    assert.deepEqual(no.status, { allowed: false });
    const elsewhere = selfSubjectAccessReview(
      authz,
      dev,
      ssar({ namespace: 'prod', verb: 'list', resource: 'configmaps' }),
    );
    assert.equal(elsewhere.status?.allowed, false);
  });

  it('handles subresources, groups and non-resource URLs', () => {
    assert.equal(
      selfSubjectAccessReview(
        authz,
        dev,
        ssar({ namespace: 'team', verb: 'get', resource: 'pods', subresource: 'log' }),
      ).status?.allowed,
      true,
    );
    assert.equal(
      selfSubjectAccessReview(
        authz,
        dev,
        ssar({ namespace: 'team', verb: 'get', group: 'apps', resource: 'pods' }),
      ).status?.allowed,
      false,
    );
    const path = selfSubjectAccessReview(authz, dev, {
      spec: { nonResourceAttributes: { path: '/apis', verb: 'get' } },
    });
    assert.equal(path.status?.allowed, true);
    const write = selfSubjectAccessReview(authz, dev, {
      spec: { nonResourceAttributes: { path: '/apis', verb: 'post' } },
    });
    assert.equal(write.status?.allowed, false);
  });

  it('rejects a spec with neither or both kinds of attributes, or with metadata (422)', () => {
    assert.throws(
      () => selfSubjectAccessReview(authz, dev, { spec: {} }),
      isInvalid(
        /^SelfSubjectAccessReview\.authorization\.k8s\.io "" is invalid: spec\.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified$/,
      ),
    );
    assert.throws(
      () =>
        selfSubjectAccessReview(authz, dev, {
          spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } },
        }),
      isInvalid(/spec\.nonResourceAttributes: .*cannot be specified in combination with resourceAttributes/),
    );
    assert.throws(
      () =>
        selfSubjectAccessReview(authz, dev, {
          metadata: { name: 'x' },
          spec: { resourceAttributes: { verb: 'get' } },
        }),
      isInvalid(/metadata: .*must be empty/),
    );
  });
});

describe('subjectAccessReview', () => {
  it('evaluates for the user and groups in the spec, not the caller', () => {
    const review = subjectAccessReview(authz, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: 'someone',
        groups: ['devs'],
        resourceAttributes: { namespace: 'team', verb: 'watch', resource: 'events' },
      },
    });
    assert.equal(review.status?.allowed, true);
    const masters = subjectAccessReview(authz, {
      spec: {
        user: 'root',
        groups: ['system:masters'],
        resourceAttributes: { verb: 'delete', resource: 'namespaces' },
      },
    });
    assert.deepEqual(masters.status, { allowed: true });
    // Groups are taken literally: no system:authenticated is added, so discovery is not granted.
    const bare = subjectAccessReview(authz, {
      spec: { user: 'x', nonResourceAttributes: { path: '/apis', verb: 'get' } },
    });
    assert.equal(bare.status?.allowed, false);
  });

  it('requires a user or a group', () => {
    assert.throws(
      () => subjectAccessReview(authz, { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }),
      isInvalid(/spec\.user: Invalid value: "": at least one of user or group must be specified$/),
    );
  });

  it('passes outright denials through as `denied`', () => {
    const denying: Authorizer = { authorize: () => ({ allowed: false, denied: true, reason: 'no way' }) };
    const review = subjectAccessReview(denying, { spec: { user: 'x', resourceAttributes: { verb: 'get' } } });
    assert.deepEqual(review.status, { allowed: false, denied: true, reason: 'no way' });
  });
});

describe('localSubjectAccessReview', () => {
  const lsar = (ns: string, attrsNs: string) => ({
    metadata: { namespace: ns },
    spec: {
      user: 'x',
      groups: ['devs'],
      resourceAttributes: { namespace: attrsNs, verb: 'get', resource: 'configmaps' },
    },
  });

  it('evaluates within the request namespace', () => {
    assert.equal(localSubjectAccessReview(authz, lsar('team', 'team'), 'team').status?.allowed, true);
  });

  it('requires the namespaces to agree and refuses non-resource attributes', () => {
    assert.throws(
      () => localSubjectAccessReview(authz, lsar('team', 'prod'), 'team'),
      isInvalid(/must match metadata\.namespace/),
    );
    assert.throws(
      () => localSubjectAccessReview(authz, lsar('prod', 'prod'), 'team'),
      (err: unknown) =>
        isStatusError(err) && err.code === 400 && /must match namespace: team/.test(err.message),
    );
    assert.throws(
      () =>
        localSubjectAccessReview(
          authz,
          {
            metadata: { namespace: 'team' },
            spec: { user: 'x', nonResourceAttributes: { path: '/x', verb: 'get' } },
          },
          'team',
        ),
      isInvalid(/disallowed on this kind of request/),
    );
  });
});

describe('selfSubjectRulesReview', () => {
  it('lists the caller’s rules in the namespace', () => {
    const review = selfSubjectRulesReview(authz, dev, { spec: { namespace: 'team' } });
    const status = review.status as {
      resourceRules: { verbs: string[]; resources?: string[] }[];
      nonResourceRules: { verbs: string[]; nonResourceURLs: string[] }[];
      incomplete: boolean;
    };
    assert.equal(status.incomplete, false);
    assert.ok(
      status.resourceRules.some((r) => r.resources?.includes('configmaps') && r.verbs.includes('list')),
    );
    assert.ok(status.resourceRules.some((r) => r.resources?.includes('selfsubjectaccessreviews')));
    assert.ok(status.nonResourceRules.some((r) => r.nonResourceURLs.includes('/apis/*')));
    assert.ok(!status.resourceRules.some((r) => r.resources?.includes('secrets')));

    const other = selfSubjectRulesReview(authz, dev, { spec: { namespace: 'prod' } }).status as typeof status;
    assert.ok(!other.resourceRules.some((r) => r.resources?.includes('configmaps')));
  });

  it('requires a namespace', () => {
    assert.throws(
      () => selfSubjectRulesReview(authz, dev, { spec: {} }),
      (err: unknown) => isStatusError(err) && err.code === 400 && err.message === 'no namespace on request',
    );
  });
});

describe('selfSubjectReview', () => {
  it('echoes the requesting user for kubectl auth whoami', () => {
    const now = new Date('2025-01-02T03:04:05.678Z');
    const review = selfSubjectReview(
      { name: 'dana', uid: 'u-1', groups: ['devs', 'system:authenticated'], extra: { scopes: ['a'] } },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      now,
    );
    assert.deepEqual(review, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: { creationTimestamp: '2025-01-02T03:04:05Z' },
      status: {
        userInfo: {
          username: 'dana',
          uid: 'u-1',
          groups: ['devs', 'system:authenticated'],
          extra: { scopes: ['a'] },
        },
      },
    });
    const anon = selfSubjectReview({ name: 'system:anonymous', groups: ['system:unauthenticated'] }, {}, now);
    assert.deepEqual(anon.status, {
      userInfo: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    });
  });
});
