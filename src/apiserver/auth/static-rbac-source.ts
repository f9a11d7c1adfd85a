import type { RbacSource } from './rbac-authorizer.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from './rbac-types.js';

export interface RbacObjects {
  clusterRoles?: readonly ClusterRole[];
  clusterRoleBindings?: readonly ClusterRoleBinding[];
  roles?: readonly Role[];
  roleBindings?: readonly RoleBinding[];
}

/**
 * An RbacSource over fixed arrays (tests, a bootstrap-only server). Namespaced objects are filtered by
 * `metadata.namespace`; the arrays are read on every call, so pushing to them is seen.
 */
export function staticRbacSource(objects: RbacObjects): RbacSource {
  const inNamespace = <T extends Role | RoleBinding>(list: readonly T[] | undefined, ns: string): T[] =>
    (list ?? []).filter((o) => o.metadata?.namespace === ns);
  return {
    clusterRoles: () => objects.clusterRoles ?? [],
    clusterRoleBindings: () => objects.clusterRoleBindings ?? [],
    roles: (ns) => inNamespace(objects.roles, ns),
    roleBindings: (ns) => inNamespace(objects.roleBindings, ns),
  };
}
