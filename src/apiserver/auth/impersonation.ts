import { statusErrors } from '../errors/status-error.js';
import type { Attributes, Authorizer } from './attributes.js';
import { forbiddenError } from './forbidden.js';
import {
  serviceAccountGroups,
  serviceAccountUsername,
  splitServiceAccountUsername,
  type UserInfo,
  wellKnownUsers,
} from './user-info.js';

/** Request headers as Node gives them: lowercase names; `req.headersDistinct` keeps repeated ones apart. */
export type HeaderValues = Record<string, string | readonly string[] | undefined>;

const USER_HEADER = 'impersonate-user';
const GROUP_HEADER = 'impersonate-group';
const UID_HEADER = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';
const AUTHENTICATION_GROUP = 'authentication.k8s.io';

/** One thing the requestor asks to act as, with the `impersonate` check it needs. */
export interface ImpersonationCheck {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  /** The `impersonate` request the requestor must be allowed to make. */
  attributes: Attributes;
}

export interface ImpersonationPlan {
  /** Checked in order; the first refusal ends the request with a 403 about that check. */
  checks: ImpersonationCheck[];
  /** Who the request runs as once every check passes. */
  user: UserInfo;
}

/**
 * Reads `Impersonate-User`, `Impersonate-Group` (repeatable), `Impersonate-Uid` and `Impersonate-Extra-<key>`
 * (repeatable; the key is lowercased and percent-decoded) like apiserver's impersonation filter. Returns
 * undefined when the request impersonates nobody; throws a 400 StatusError when groups, extras or a UID come
 * without a user.
 *
 * Checks: `impersonate` on `users` (name), `serviceaccounts` (namespace and name, for
 * `system:serviceaccount:<ns>:<n>`) and `groups` in the core group; `userextras/<key>` (name = value) and
 * `uids` in authentication.k8s.io.
 *
 * The effective user: a service account without explicit groups gets `system:serviceaccounts` and
 * `system:serviceaccounts:<ns>`; given groups replace those. Any user but `system:anonymous` then gains
 * `system:authenticated` unless `system:authenticated` or `system:unauthenticated` was among the groups;
 * `system:anonymous` gains `system:unauthenticated` instead.
 */
export function impersonationRequests(headers: HeaderValues): ImpersonationPlan | undefined {
  const all = lowercaseKeys(headers);
  const requestedUser = first(all.get(USER_HEADER));
  const requestedGroups = all.get(GROUP_HEADER) ?? [];
  const requestedUid = first(all.get(UID_HEADER));
  const extras = [...all.entries()]
    .filter(([k]) => k.startsWith(EXTRA_PREFIX))
    .map(([k, v]) => [unescapeExtraKey(k.slice(EXTRA_PREFIX.length)), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  const checks: ImpersonationCheck[] = [];
  let name = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  const groupsSpecified = requestedGroups.length > 0;

  if (requestedUser) {
    const sa = splitServiceAccountUsername(requestedUser);
    if (sa) {
      checks.push({
        kind: 'ServiceAccount',
        attributes: impersonate('', 'serviceaccounts', sa.name, { namespace: sa.namespace }),
      });
      name = serviceAccountUsername(sa.namespace, sa.name);
      if (!groupsSpecified) groups = serviceAccountGroups(sa.namespace);
    } else {
      checks.push({ kind: 'User', attributes: impersonate('', 'users', requestedUser) });
      name = requestedUser;
    }
  }
  for (const group of requestedGroups) {
    checks.push({ kind: 'Group', attributes: impersonate('', 'groups', group) });
    groups.push(group);
  }
  for (const [key, values] of extras) {
    for (const value of values) {
      checks.push({
        kind: 'UserExtra',
        attributes: impersonate(AUTHENTICATION_GROUP, 'userextras', value, {
          subresource: key,
          apiVersion: 'v1',
        }),
      });
      (extra[key] ??= []).push(value);
    }
  }
  if (requestedUid) {
    checks.push({
      kind: 'UID',
      attributes: impersonate(AUTHENTICATION_GROUP, 'uids', requestedUid, { apiVersion: 'v1' }),
    });
  }

  if (checks.length === 0) return undefined;
  if (!requestedUser) {
    throw statusErrors.badRequest(`requested ${describeRequests(checks)} without impersonating a user`);
  }

  if (name !== wellKnownUsers.anonymous) {
    if (
      !groups.includes(wellKnownUsers.allAuthenticated) &&
      !groups.includes(wellKnownUsers.allUnauthenticated)
    ) {
      groups.push(wellKnownUsers.allAuthenticated);
    }
  } else if (!groups.includes(wellKnownUsers.allUnauthenticated)) {
    groups.push(wellKnownUsers.allUnauthenticated);
  }

  const user: UserInfo = { name, groups };
  if (requestedUid) user.uid = requestedUid;
  if (Object.keys(extra).length > 0) user.extra = extra;
  return { checks, user };
}

/**
 * Applies impersonation to an authenticated request: returns the requestor when no impersonation headers
 * are present, otherwise the impersonated user after every check passed. Throws the 400 of
 * `impersonationRequests`, or a 403 naming the first refused check, e.g.
 * `users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope`.
 */
export function applyImpersonation(
  requestor: UserInfo,
  headers: HeaderValues,
  authorizer: Authorizer,
): UserInfo {
  const plan = impersonationRequests(headers);
  if (!plan) return requestor;
  for (const check of plan.checks) {
    const decision = authorizer.authorize(requestor, check.attributes);
    if (!decision.allowed) throw forbiddenError(requestor, check.attributes, decision.reason);
  }
  return plan.user;
}

function impersonate(
  group: string,
  resource: string,
  name: string,
  more: Partial<Attributes> = {},
): Attributes {
  return {
    isResourceRequest: true,
    verb: 'impersonate',
    apiGroup: group,
    apiVersion: '',
    namespace: '',
    resource,
    subresource: '',
    name,
    ...more,
  };
}

function lowercaseKeys(headers: HeaderValues): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const key = k.toLowerCase();
    const values = typeof v === 'string' ? [v] : [...v];
    out.set(key, [...(out.get(key) ?? []), ...values]);
  }
  return out;
}

function first(values: string[] | undefined): string {
  return values?.[0] ?? '';
}

/** Extra keys travel percent-encoded in header names; malformed encodings are kept as they are. */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

// Go prints the []ObjectReference with %v: `[{Kind Namespace Name UID APIVersion ResourceVersion FieldPath}]`.
function describeRequests(checks: readonly ImpersonationCheck[]): string {
  const refs = checks.map(({ kind, attributes: a }) => {
    const apiVersion = a.apiGroup ? `${a.apiGroup}/${a.apiVersion ?? ''}` : '';
    const fields = [kind, a.namespace ?? '', a.name ?? '', '', apiVersion, '', a.subresource ?? ''];
    return `{${fields.join(' ')}}`;
  });
  return `[${refs.join(' ')}]`;
}
