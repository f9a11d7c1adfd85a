/**
 * Who a request runs as, shaped like apiserver's `user.Info` (and structurally equal to the `UserInfo` the
 * HTTP authenticators produce, so either can be passed around).
 */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Well-known user and group names (apiserver `pkg/authentication/user` and `serviceaccount`). */
export const wellKnownUsers = {
  anonymous: 'system:anonymous',
  /** Members bypass authorization entirely. */
  mastersGroup: 'system:masters',
  allAuthenticated: 'system:authenticated',
  allUnauthenticated: 'system:unauthenticated',
  allServiceAccounts: 'system:serviceaccounts',
} as const;

const SA_USERNAME_PREFIX = 'system:serviceaccount:';
const SA_GROUP_PREFIX = 'system:serviceaccounts:';

/** The anonymous user, as the anonymous authenticator produces it. */
export function anonymousUser(): UserInfo {
  return { name: wellKnownUsers.anonymous, groups: [wellKnownUsers.allUnauthenticated] };
}

/**
 * Adds `system:authenticated` the way apiserver's AuthenticatedGroupAdder does: not for the anonymous user,
 * and not when the user already carries `system:authenticated` or `system:unauthenticated`.
 */
export function authenticatedUser(user: UserInfo): UserInfo {
  if (user.name === wellKnownUsers.anonymous) return user;
  if (
    user.groups.includes(wellKnownUsers.allAuthenticated) ||
    user.groups.includes(wellKnownUsers.allUnauthenticated)
  ) {
    return user;
  }
  return { ...user, groups: [...user.groups, wellKnownUsers.allAuthenticated] };
}

/** `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_USERNAME_PREFIX}${namespace}:${name}`;
}

/** `[system:serviceaccounts, system:serviceaccounts:<namespace>]`. */
export function serviceAccountGroups(namespace: string): string[] {
  return [wellKnownUsers.allServiceAccounts, `${SA_GROUP_PREFIX}${namespace}`];
}

/** The user a service-account token authenticates as (before `system:authenticated` is added). */
export function serviceAccountUser(namespace: string, name: string, uid?: string): UserInfo {
  return {
    name: serviceAccountUsername(namespace, name),
    ...(uid ? { uid } : {}),
    groups: serviceAccountGroups(namespace),
  };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Splits a service-account username into namespace and name, or returns undefined when the name is not
 * one (serviceaccount.SplitUsername: exactly two parts, a DNS-1123 label namespace and a DNS-1123
 * subdomain name).
 */
export function splitServiceAccountUsername(
  username: string,
): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SA_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SA_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts as [string, string];
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) return undefined;
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) return undefined;
  return { namespace, name };
}

/** Whether `username` is the service account `<namespace>/<name>` (serviceaccount.MatchesUsername). */
export function matchesServiceAccountUsername(namespace: string, name: string, username: string): boolean {
  return username === serviceAccountUsername(namespace, name);
}
