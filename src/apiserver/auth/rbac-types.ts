import type { KubeObject } from '../registry/resource-definition.js';

/** `rbac.authorization.k8s.io`, the group of roles, bindings and of User/Group subjects. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = `${RBAC_GROUP}/v1`;

/** One rule of a Role or ClusterRole (rbac/v1 `PolicyRule`), as plain JSON. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** A binding subject: `User` and `Group` (apiGroup rbac.authorization.k8s.io) or `ServiceAccount`. */
export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | (string & {});
  apiGroup?: string;
  name: string;
  /** ServiceAccount only; when empty in a RoleBinding, the binding's namespace is meant. */
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | (string & {});
  name: string;
}

export interface AggregationRule {
  clusterRoleSelectors?: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  }[];
}

export type Role = KubeObject & { rules?: PolicyRule[] | null };
export type ClusterRole = KubeObject & { rules?: PolicyRule[] | null; aggregationRule?: AggregationRule };
export type RoleBinding = KubeObject & { subjects?: Subject[] | null; roleRef: RoleRef };
export type ClusterRoleBinding = KubeObject & { subjects?: Subject[] | null; roleRef: RoleRef };
