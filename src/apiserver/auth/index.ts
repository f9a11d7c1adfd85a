// The folder's surface: what the HTTP layer and the server's composition need from authorization.
export type { Attributes, Authorizer, Decision } from './attributes.js';
export {
  type AccessReview,
  localSubjectAccessReview,
  type NonResourceAttributes,
  type ResourceAttributes,
  reviewAttributes,
  type RuleResolver,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  type SubjectAccessReviewSpec,
  type SubjectAccessReviewStatus,
} from './access-review.js';
export {
  AUTOUPDATE_ANNOTATION,
  BOOTSTRAP_LABEL,
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  bootstrapPolicy,
  type BootstrapPolicyOptions,
} from './bootstrap-policy.js';
export { forbiddenError, forbiddenMessage } from './forbidden.js';
export {
  applyImpersonation,
  type HeaderValues,
  type ImpersonationCheck,
  type ImpersonationPlan,
  impersonationRequests,
} from './impersonation.js';
export {
  RbacAuthorizer,
  type RbacAuthorizerOptions,
  type RbacSource,
  type ResolvedRules,
} from './rbac-authorizer.js';
export { ruleAllows, rulesAllow } from './rbac-rule.js';
export * from './rbac-types.js';
export { exactNameFromFieldSelector, parseRequestInfo, type RequestInfo } from './request-info.js';
export { type RbacObjects, staticRbacSource } from './static-rbac-source.js';
export {
  anonymousUser,
  authenticatedUser,
  matchesServiceAccountUsername,
  serviceAccountGroups,
  serviceAccountUser,
  serviceAccountUsername,
  splitServiceAccountUsername,
  type UserInfo,
  wellKnownUsers,
} from './user-info.js';
