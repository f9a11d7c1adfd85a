import { type FieldError, fieldErrors } from '../errors/field-error.js';
import { statusErrors } from '../errors/status-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import type { Attributes, Authorizer } from './attributes.js';
import { aggregateErrors, type ResolvedRules } from './rbac-authorizer.js';
import type { PolicyRule } from './rbac-types.js';
import type { UserInfo } from './user-info.js';

const AUTHORIZATION_GROUP = 'authorization.k8s.io';

/** authorization.k8s.io/v1 `ResourceAttributes` (selectors are accepted but not used by RBAC). */
export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  fieldSelector?: unknown;
  labelSelector?: unknown;
}

export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

export interface SubjectAccessReviewSpec {
  resourceAttributes?: ResourceAttributes | null;
  nonResourceAttributes?: NonResourceAttributes | null;
  user?: string;
  groups?: string[] | null;
  extra?: Record<string, string[]> | null;
  uid?: string;
}

export interface SubjectAccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** SubjectAccessReview, SelfSubjectAccessReview or LocalSubjectAccessReview as plain JSON. */
export type AccessReview = KubeObject & {
  spec?: SubjectAccessReviewSpec;
  status?: SubjectAccessReviewStatus;
};

/**
 * `POST /apis/authorization.k8s.io/v1/subjectaccessreviews`: may `spec.user`/`spec.groups` do this?
 * Throws a 422 (upstream's validation) when the spec names neither or both kinds of attributes, names no
 * user or group, or metadata is set.
 */
export function subjectAccessReview(authorizer: Authorizer, review: AccessReview): AccessReview {
  const spec = review.spec ?? {};
  const errors = [...validateSpec(spec, true), ...validateEmptyMetadata(review, false)];
  if (errors.length > 0) throw statusErrors.invalid(AUTHORIZATION_GROUP, 'SubjectAccessReview', '', errors);
  return withStatus(review, evaluate(authorizer, specUser(spec), spec));
}

/**
 * `POST /apis/authorization.k8s.io/v1/namespaces/<ns>/localsubjectaccessreviews`: as a SubjectAccessReview,
 * confined to `namespace` (the request's), which must equal `metadata.namespace` and
 * `spec.resourceAttributes.namespace`; non-resource attributes are refused.
 */
export function localSubjectAccessReview(
  authorizer: Authorizer,
  review: AccessReview,
  namespace: string,
): AccessReview {
  const spec = review.spec ?? {};
  const objectNamespace = review.metadata?.namespace ?? '';
  const errors = [...validateSpec(spec, true), ...validateEmptyMetadata(review, true)];
  if (spec.resourceAttributes && (spec.resourceAttributes.namespace ?? '') !== objectNamespace) {
    errors.push(
      fieldErrors.invalid(
        'spec.resourceAttributes.namespace',
        spec.resourceAttributes.namespace ?? '',
        'must match metadata.namespace',
      ),
    );
  }
  if (spec.nonResourceAttributes) {
    errors.push(
      fieldErrors.invalid(
        'spec.nonResourceAttributes',
        spec.nonResourceAttributes,
        'disallowed on this kind of request',
      ),
    );
  }
  if (errors.length > 0)
    throw statusErrors.invalid(AUTHORIZATION_GROUP, 'LocalSubjectAccessReview', '', errors);
  if (!namespace) throw statusErrors.badRequest(`namespace is required on this type: ${namespace}`);
  if (namespace !== objectNamespace) {
    throw statusErrors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  }
  return withStatus(review, evaluate(authorizer, specUser(spec), spec));
}

/**
 * `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` (`kubectl auth can-i`): may the requesting
 * user do this? `denied` is set only by an authorizer that denies outright, never by RBAC.
 */
export function selfSubjectAccessReview(
  authorizer: Authorizer,
  user: UserInfo,
  review: AccessReview,
): AccessReview {
  const spec = review.spec ?? {};
  const errors = [...validateSpec(spec, false), ...validateEmptyMetadata(review, false)];
  if (errors.length > 0)
    throw statusErrors.invalid(AUTHORIZATION_GROUP, 'SelfSubjectAccessReview', '', errors);
  return withStatus(review, evaluate(authorizer, user, spec));
}

/** Lists the rules that apply to a user (the RBAC authorizer is one). */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): ResolvedRules;
}

/**
 * `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews` (`kubectl auth can-i --list`): the requesting
 * user's rules in `spec.namespace` (required, 400 otherwise). Like upstream, the answer carries only status.
 */
export function selfSubjectRulesReview(
  resolver: RuleResolver,
  user: UserInfo,
  review: KubeObject,
): KubeObject {
  const spec = (review.spec ?? {}) as { namespace?: string };
  if (!spec.namespace) throw statusErrors.badRequest('no namespace on request');
  const { rules, errors } = resolver.rulesFor(user, spec.namespace);
  const status: Record<string, unknown> = {
    resourceRules: rules.filter((r) => (r.resources ?? []).length > 0).map(resourceRule),
    nonResourceRules: rules.filter((r) => (r.nonResourceURLs ?? []).length > 0).map(nonResourceRule),
    incomplete: false,
  };
  if (errors.length > 0) status.evaluationError = aggregateErrors(errors);
  return {
    apiVersion: review.apiVersion ?? `${AUTHORIZATION_GROUP}/v1`,
    kind: 'SelfSubjectRulesReview',
    metadata: {},
    spec: {},
    status,
  };
}

/**
 * `POST /apis/authentication.k8s.io/v1/selfsubjectreviews` (`kubectl auth whoami`): echoes the requesting
 * user in `status.userInfo`, empty fields left out as Go's omitempty does.
 */
export function selfSubjectReview(
  user: UserInfo,
  review: KubeObject = {},
  now: Date = new Date(),
): KubeObject {
  const userInfo: Record<string, unknown> = {};
  if (user.name) userInfo.username = user.name;
  if (user.uid) userInfo.uid = user.uid;
  if (user.groups.length > 0) userInfo.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length > 0) {
    userInfo.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]));
  }
  return {
    apiVersion: review.apiVersion ?? 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    status: { userInfo },
  };
}

/** The authorizer attributes a review spec describes (registry/authorization/util). */
export function reviewAttributes(spec: SubjectAccessReviewSpec): Attributes {
  const ra = spec.resourceAttributes;
  if (ra) {
    return {
      isResourceRequest: true,
      verb: ra.verb ?? '',
      namespace: ra.namespace ?? '',
      apiGroup: ra.group ?? '',
      apiVersion: ra.version || '*',
      resource: ra.resource ?? '',
      subresource: ra.subresource ?? '',
      name: ra.name ?? '',
    };
  }
  const nra = spec.nonResourceAttributes ?? {};
  return { isResourceRequest: false, verb: nra.verb ?? '', path: nra.path ?? '' };
}

function specUser(spec: SubjectAccessReviewSpec): UserInfo {
  const user: UserInfo = { name: spec.user ?? '', groups: [...(spec.groups ?? [])] };
  if (spec.uid) user.uid = spec.uid;
  if (spec.extra) user.extra = spec.extra;
  return user;
}

function evaluate(
  authorizer: Authorizer,
  user: UserInfo,
  spec: SubjectAccessReviewSpec,
): SubjectAccessReviewStatus {
  const decision = authorizer.authorize(user, reviewAttributes(spec));
  const status: SubjectAccessReviewStatus = { allowed: decision.allowed };
  if (decision.denied) status.denied = true;
  if (decision.reason) status.reason = decision.reason;
  return status;
}

function withStatus(review: AccessReview, status: SubjectAccessReviewStatus): AccessReview {
  return { ...review, metadata: review.metadata ?? {}, spec: review.spec ?? {}, status };
}

function validateSpec(spec: SubjectAccessReviewSpec, needsSubject: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    errors.push(
      fieldErrors.invalid(
        'spec.nonResourceAttributes',
        spec.nonResourceAttributes,
        'cannot be specified in combination with resourceAttributes',
      ),
    );
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    errors.push(
      fieldErrors.invalid(
        'spec.resourceAttributes',
        null,
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    );
  }
  if (needsSubject && !spec.user && (spec.groups ?? []).length === 0) {
    errors.push(
      fieldErrors.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'),
    );
  }
  return errors;
}

// Reviews are not stored, so metadata must be empty (managedFields aside; `creationTimestamp: null`, which
// kubectl sends, is Go's zero value and counts as empty).
function validateEmptyMetadata(review: AccessReview, allowNamespace: boolean): FieldError[] {
  const meta = review.metadata ?? {};
  const set = Object.entries(meta).filter(
    ([k, v]) => k !== 'managedFields' && !(allowNamespace && k === 'namespace') && !isZero(v),
  );
  if (set.length === 0) return [];
  return [
    fieldErrors.invalid(
      'metadata',
      meta,
      allowNamespace ? 'must be empty except for namespace' : 'must be empty',
    ),
  ];
}

function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function resourceRule(r: PolicyRule): Record<string, unknown> {
  const out: Record<string, unknown> = { verbs: [...r.verbs] };
  if (r.apiGroups?.length) out.apiGroups = [...r.apiGroups];
  if (r.resources?.length) out.resources = [...r.resources];
  if (r.resourceNames?.length) out.resourceNames = [...r.resourceNames];
  return out;
}

function nonResourceRule(r: PolicyRule): Record<string, unknown> {
  return { verbs: [...r.verbs], nonResourceURLs: [...(r.nonResourceURLs ?? [])] };
}
