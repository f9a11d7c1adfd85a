import { StatusError, statusErrors } from '../errors/status-error.js';
import type { Attributes } from './attributes.js';
import type { UserInfo } from './user-info.js';

/**
 * The denial sentence of apiserver's responsewriters `forbiddenMessage`, e.g.
 * `User "alice" cannot list resource "widgets" in API group "test.example.com" in the namespace "default"`,
 * `... cannot get resource "pods/log" in API group "" at the cluster scope`, `User "alice" cannot get path "/foo"`.
 */
export function forbiddenMessage(user: UserInfo | undefined, attrs: Attributes): string {
  const who = quote(user?.name ?? '');
  if (!attrs.isResourceRequest) return `User ${who} cannot ${attrs.verb} path ${quote(attrs.path ?? '')}`;
  const resource = attrs.subresource
    ? `${attrs.resource ?? ''}/${attrs.subresource}`
    : (attrs.resource ?? '');
  const what = `User ${who} cannot ${attrs.verb} resource ${quote(resource)} in API group ${quote(attrs.apiGroup ?? '')}`;
  return attrs.namespace
    ? `${what} in the namespace ${quote(attrs.namespace)}`
    : `${what} at the cluster scope`;
}

/**
 * The 403 a refused request answers with (responsewriters `ForbiddenStatusError`): the message, HTML-escaped
 * as upstream does, then `: <reason>` when the authorizer gave one, wrapped as
 * `<resource>.<group> "<name>" is forbidden: ...`, or `forbidden: ...` for non-resource paths.
 */
export function forbiddenError(user: UserInfo | undefined, attrs: Attributes, reason = ''): StatusError {
  const msg = sanitize(forbiddenMessage(user, attrs));
  const why = reason ? `${msg}: ${reason}` : msg;
  const group = attrs.apiGroup ?? '';
  const resource = attrs.resource ?? '';
  if (!group && !resource) {
    // apimachinery NewForbidden with an empty GroupResource.
    return new StatusError(403, 'Forbidden', `forbidden: ${why}`, {});
  }
  return statusErrors.forbidden({ group, resource }, attrs.name ?? '', why);
}

// Keeps error text from looking like HTML; quotes stay as they are.
function sanitize(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Go's `%q` for ordinary strings. */
function quote(s: string): string {
  return JSON.stringify(s);
}
