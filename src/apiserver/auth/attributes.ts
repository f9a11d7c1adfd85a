import type { UserInfo } from './user-info.js';

/**
 * What an authorizer judges, apart from the user (apiserver `authorizer.Attributes`). A `RequestInfo`
 * satisfies it; so do the attributes built for impersonation checks and access reviews.
 */
export interface Attributes {
  isResourceRequest: boolean;
  /** Kubernetes verb (`get`, `list`, `impersonate`, ...) or, for non-resource requests, the lowercase method. */
  verb: string;
  /** The URL path; what non-resource rules match. */
  path?: string;
  apiGroup?: string;
  apiVersion?: string;
  /** Empty or absent for cluster-scoped requests. */
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/**
 * An authorizer's verdict. `allowed: false` with `denied` unset is apiserver's "no opinion" (RBAC never
 * denies outright). `reason` explains an allow, or carries resolution errors of a refusal.
 */
export interface Decision {
  allowed: boolean;
  denied?: boolean;
  reason: string;
}

/** Anything that can judge a request. Synchronous: RBAC runs against an in-memory cache. */
export interface Authorizer {
  authorize(user: UserInfo, attrs: Attributes): Decision;
}
