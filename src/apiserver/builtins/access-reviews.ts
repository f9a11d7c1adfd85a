/**
 * Create-only virtual kinds: a POST is answered with the object plus a computed `status`; nothing is
 * stored. authorization.k8s.io/v1: SubjectAccessReview, SelfSubjectAccessReview,
 * LocalSubjectAccessReview, SelfSubjectRulesReview. authentication.k8s.io/v1: TokenReview,
 * SelfSubjectReview. Validation follows `pkg/apis/authorization/validation` (the spec rules).
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { builtinStrategy, defineBuiltin, type BuiltinSpec } from './define.js';
import { getObject, getString } from './object-access.js';
import {
  atomicList,
  bool,
  kindSchema,
  obj,
  openObj,
  str,
  stringList,
  type Schema,
} from './schema-builders.js';

const extraMap = (description: string): Schema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'array', items: { type: 'string' } },
});

const resourceAttributes = () =>
  obj('A resource request to authorize.', {
    namespace: str('Namespace of the request ("" for all or cluster-scoped).'),
    verb: str('Kubernetes verb, e.g. get or create.'),
    group: str('API group.'),
    version: str('API version.'),
    resource: str('Resource, e.g. pods.'),
    subresource: str('Subresource, e.g. status.'),
    name: str('Object name.'),
    fieldSelector: openObj('Field selector of a list or watch.'),
    labelSelector: openObj('Label selector of a list or watch.'),
  });

const nonResourceAttributes = () =>
  obj('A non-resource request to authorize.', { path: str('URL path.'), verb: str('HTTP verb.') });

const accessReviewStatus = () =>
  obj('The decision.', {
    allowed: bool('Whether the request is allowed.'),
    denied: bool('Whether the request is explicitly denied.'),
    reason: str('Why.'),
    evaluationError: str('Evaluation problems, if any.'),
  });

const userInfo = () =>
  obj('An authenticated user.', {
    username: str('User name.'),
    uid: str('User id.'),
    groups: stringList('Groups of the user.'),
    extra: extraMap('Extra attributes.'),
  });

const nullOr = (v: unknown) => (v === undefined ? null : v);

/** ValidateSelfSubjectAccessReviewSpec: exactly one of the attribute kinds. */
function validateAttributes(review: KubeObject): FieldError[] {
  const res = getObject(review, 'spec.resourceAttributes');
  const nonRes = getObject(review, 'spec.nonResourceAttributes');
  if (res && nonRes) {
    return [
      fieldErrors.invalid(
        'spec.nonResourceAttributes',
        nonRes,
        'cannot be specified in combination with resourceAttributes',
      ),
    ];
  }
  if (!res && !nonRes) {
    return [
      fieldErrors.invalid(
        'spec.resourceAttributes',
        nullOr(nonRes),
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    ];
  }
  return [];
}

/** ValidateSubjectAccessReviewSpec: attributes plus a user or group. */
function validateSubjectReview(review: KubeObject): FieldError[] {
  const errs = validateAttributes(review);
  const spec = getObject(review, 'spec') ?? {};
  const groups = Array.isArray(spec.groups) ? spec.groups : [];
  const user = typeof spec.user === 'string' ? spec.user : '';
  if (!user && groups.length === 0) {
    errs.push(fieldErrors.invalid('spec.user', user, 'at least one of user or group must be specified'));
  }
  return errs;
}

function validateLocalSubjectReview(review: KubeObject): FieldError[] {
  const errs = validateSubjectReview(review);
  const namespace = review.metadata?.namespace ?? '';
  const res = getObject(review, 'spec.resourceAttributes');
  if (res && (getString(res, 'namespace') ?? '') !== namespace) {
    errs.push(
      fieldErrors.invalid(
        'spec.resourceAttributes.namespace',
        getString(res, 'namespace') ?? '',
        'must match metadata.namespace',
      ),
    );
  }
  const nonRes = getObject(review, 'spec.nonResourceAttributes');
  if (nonRes)
    errs.push(
      fieldErrors.invalid('spec.nonResourceAttributes', nonRes, 'disallowed on this kind of request'),
    );
  return errs;
}

function createOnly(
  spec: Omit<BuiltinSpec, 'verbs' | 'strategy' | 'patchable'> & {
    validate?: (obj: KubeObject) => FieldError[];
  },
): ResourceDefinition {
  const { validate, ...rest } = spec;
  return defineBuiltin({
    ...rest,
    verbs: ['create'],
    patchable: false,
    strategy: builtinStrategy(false, validate ? { validate: (obj) => validate(obj) } : {}),
  });
}

const AUTHZ = 'authorization.k8s.io';
const AUTHN = 'authentication.k8s.io';

const subjectAccessReviewSpec = () =>
  obj('The request to check and who makes it.', {
    resourceAttributes: resourceAttributes(),
    nonResourceAttributes: nonResourceAttributes(),
    user: str('User to check.'),
    groups: stringList('Groups to check.'),
    extra: extraMap('Extra attributes of the user.'),
    uid: str('User id.'),
  });

export const subjectAccessReviewDefinition = createOnly({
  group: AUTHZ,
  version: 'v1',
  kind: 'SubjectAccessReview',
  plural: 'subjectaccessreviews',
  namespaced: false,
  schema: kindSchema('Asks whether a user or group may perform an action.', {
    spec: subjectAccessReviewSpec(),
    status: accessReviewStatus(),
  }),
  validate: validateSubjectReview,
});

export const localSubjectAccessReviewDefinition = createOnly({
  group: AUTHZ,
  version: 'v1',
  kind: 'LocalSubjectAccessReview',
  plural: 'localsubjectaccessreviews',
  namespaced: true,
  schema: kindSchema('Asks whether a user or group may perform an action in one namespace.', {
    spec: subjectAccessReviewSpec(),
    status: accessReviewStatus(),
  }),
  validate: validateLocalSubjectReview,
});

export const selfSubjectAccessReviewDefinition = createOnly({
  group: AUTHZ,
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  namespaced: false,
  schema: kindSchema('Asks whether the caller may perform an action (kubectl auth can-i).', {
    spec: obj('The request to check.', {
      resourceAttributes: resourceAttributes(),
      nonResourceAttributes: nonResourceAttributes(),
    }),
    status: accessReviewStatus(),
  }),
  validate: validateAttributes,
});

export const selfSubjectRulesReviewDefinition = createOnly({
  group: AUTHZ,
  version: 'v1',
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  namespaced: false,
  schema: kindSchema('Lists what the caller may do in a namespace (kubectl auth can-i --list).', {
    spec: obj('Where to look.', { namespace: str('Namespace to evaluate rules for.') }),
    status: obj('The rules.', {
      resourceRules: atomicList('Allowed resource actions.', openObj('A resource rule.')),
      nonResourceRules: atomicList('Allowed non-resource actions.', openObj('A non-resource rule.')),
      incomplete: bool('True when the list may be incomplete.'),
      evaluationError: str('Evaluation problems, if any.'),
    }),
  }),
  // An empty spec.namespace is refused by the handler with 400 "no namespace on request", not by validation.
});

export const tokenReviewDefinition = createOnly({
  group: AUTHN,
  version: 'v1',
  kind: 'TokenReview',
  plural: 'tokenreviews',
  namespaced: false,
  schema: kindSchema('Asks who a bearer token belongs to.', {
    spec: obj('The token to check.', {
      token: str('The bearer token.'),
      audiences: stringList('Audiences the token must be valid for.'),
    }),
    status: obj('The answer.', {
      authenticated: bool('Whether the token is valid.'),
      user: userInfo(),
      audiences: stringList('Audiences the token is valid for.'),
      error: str('Why the token was rejected.'),
    }),
  }),
});

export const selfSubjectReviewDefinition = createOnly({
  group: AUTHN,
  version: 'v1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  namespaced: false,
  schema: kindSchema('Tells the caller who the server thinks they are (kubectl auth whoami).', {
    status: obj('The answer.', { userInfo: userInfo() }),
  }),
});
