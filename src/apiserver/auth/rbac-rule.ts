import type { Attributes } from './attributes.js';
import type { PolicyRule } from './rbac-types.js';

/**
 * Whether one RBAC rule grants the request (rbac.go `RuleAllows` with the rbac/v1 evaluation helpers).
 *
 * There is no special case for verbs: `resourceNames` simply has to contain the request's name, so a
 * collection request (list, watch, create, deletecollection) has no name and never matches a rule with
 * `resourceNames`, except a list/watch whose field selector pinned `metadata.name` (request-info fills the
 * name in then, as upstream does).
 */
export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, attrs.verb)) return false;
  if (attrs.isResourceRequest) {
    const resource = attrs.resource ?? '';
    const subresource = attrs.subresource ?? '';
    const combined = subresource ? `${resource}/${subresource}` : resource;
    return (
      apiGroupMatches(rule, attrs.apiGroup ?? '') &&
      resourceMatches(rule, combined, subresource) &&
      resourceNameMatches(rule, attrs.name ?? '')
    );
  }
  return nonResourceURLMatches(rule, attrs.path ?? '');
}

/** Whether any of the rules grants the request. */
export function rulesAllow(attrs: Attributes, rules: readonly PolicyRule[]): boolean {
  return rules.some((rule) => ruleAllows(attrs, rule));
}

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === '*' || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === '*' || g === group);
}

/** `*`, an exact `resource` or `resource/subresource`, or `*\/subresource` for any resource's subresource. */
export function resourceMatches(rule: PolicyRule, combinedResource: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combinedResource) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** `*`, an exact path, or a prefix when the rule's URL ends in `*` (`/apis/*` matches `/apis/x/v1`). */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const url of rule.nonResourceURLs ?? []) {
    if (url === '*' || url === path) return true;
    if (url.endsWith('*') && path.startsWith(url.replace(/\*+$/, ''))) return true;
  }
  return false;
}
