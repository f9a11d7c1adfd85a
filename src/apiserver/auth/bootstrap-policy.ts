import {
  type ClusterRole,
  type ClusterRoleBinding,
  type PolicyRule,
  RBAC_API_VERSION,
  RBAC_GROUP,
  type Subject,
} from './rbac-types.js';
import { wellKnownUsers } from './user-info.js';

/** The label and annotation kube-apiserver puts on every object of its default policy. */
export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
export const AUTOUPDATE_ANNOTATION = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } as const;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];

const CORE = '';
const AUTHORIZATION = 'authorization.k8s.io';
const COORDINATION = 'coordination.k8s.io';
const EVENTS = 'events.k8s.io';
const POLICY = 'policy';

function rule(verbs: string[], groups: string[], resources: string[]): PolicyRule {
  return { verbs: [...verbs], apiGroups: [...groups], resources: [...resources] };
}

function urlRule(verbs: string[], urls: string[]): PolicyRule {
  return { verbs: [...verbs], nonResourceURLs: [...urls] };
}

// Upstream's aggregate-to-view, cut down to the resources this server serves.
function viewRules(): PolicyRule[] {
  return [
    rule(READ, [CORE], ['configmaps', 'endpoints', 'pods', 'serviceaccounts', 'services', 'services/status']),
    rule(READ, [CORE], ['events', 'pods/log', 'pods/status', 'resourcequotas', 'resourcequotas/status']),
    // Reading namespaces from a RoleBinding means reading *this* namespace.
    rule(READ, [CORE], ['namespaces', 'namespaces/status']),
    rule(READ, [EVENTS], ['events']),
    rule(READ, [COORDINATION], ['leases']),
    rule(READ, [POLICY], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  ];
}

// Upstream's aggregate-to-edit (escalating reads, writes, service-account impersonation), same cut.
function editRules(): PolicyRule[] {
  return [
    rule(
      READ,
      [CORE],
      ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'],
    ),
    rule(['impersonate'], [CORE], ['serviceaccounts']),
    rule(WRITE, [CORE], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
    rule(['create'], [CORE], ['pods/eviction']),
    rule(
      WRITE,
      [CORE],
      ['configmaps', 'endpoints', 'secrets', 'serviceaccounts', 'services', 'services/proxy'],
    ),
    rule(['create'], [CORE], ['serviceaccounts/token']),
    rule(READ_WRITE, [COORDINATION], ['leases']),
    rule(WRITE, [POLICY], ['poddisruptionbudgets']),
  ];
}

// Upstream's aggregate-to-admin: granting within the namespace.
function adminRules(): PolicyRule[] {
  return [
    rule(['create'], [AUTHORIZATION], ['localsubjectaccessreviews']),
    rule(READ_WRITE, [RBAC_GROUP], ['rolebindings', 'roles']),
  ];
}

export interface BootstrapPolicyOptions {
  /**
   * Rules appended to the user-facing roles, e.g. for served CRDs. Without an aggregation controller these
   * stand in for `aggregate-to-*` labels: `view` rules also go to edit and admin, `edit` rules to admin.
   */
  extraRules?: { view?: PolicyRule[]; edit?: PolicyRule[]; admin?: PolicyRule[] };
}

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}): ClusterRole {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...labels, ...BOOTSTRAP_LABEL }, annotations: { ...AUTOUPDATE_ANNOTATION } },
    rules,
  };
}

function groupSubject(name: string): Subject {
  return { kind: 'Group', apiGroup: RBAC_GROUP, name };
}

function clusterRoleBinding(roleName: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: { name: roleName, labels: { ...BOOTSTRAP_LABEL }, annotations: { ...AUTOUPDATE_ANNOTATION } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
    subjects,
  };
}

/**
 * kube-apiserver's default ClusterRoles (bootstrappolicy/policy.go) that matter here, as fresh plain objects
 * to seed into an empty store. `admin`, `edit` and `view` carry their rules directly instead of an
 * aggregationRule, since no aggregation controller runs. URL lists are sorted, as upstream stores them.
 */
export function bootstrapClusterRoles(options: BootstrapPolicyOptions = {}): ClusterRole[] {
  const extra = options.extraRules ?? {};
  const view = [...viewRules(), ...(extra.view ?? [])];
  const edit = [...editRules(), ...(extra.edit ?? []), ...view];
  const admin = [...adminRules(), ...(extra.admin ?? []), ...edit];
  return [
    // The root role: everything, resources and paths.
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urlRule(['*'], ['*'])]),
    // Enough to learn whether the server is up and which APIs it serves.
    clusterRole('system:discovery', [
      urlRule(
        ['get'],
        [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
      ),
    ]),
    // Enough for a user to learn about themselves.
    clusterRole('system:basic-user', [
      rule(['create'], [AUTHORIZATION], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    // Insensitive cluster information, open even to anonymous users.
    clusterRole('system:public-info-viewer', [
      urlRule(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/']),
    ]),
    clusterRole('admin', admin),
    clusterRole('edit', edit, { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }),
    clusterRole('view', view, { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }),
  ];
}

/** The default ClusterRoleBindings (each named after its ClusterRole, as upstream). */
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding('cluster-admin', [groupSubject(wellKnownUsers.mastersGroup)]),
    clusterRoleBinding('system:discovery', [groupSubject(wellKnownUsers.allAuthenticated)]),
    clusterRoleBinding('system:basic-user', [groupSubject(wellKnownUsers.allAuthenticated)]),
    clusterRoleBinding('system:public-info-viewer', [
      groupSubject(wellKnownUsers.allAuthenticated),
      groupSubject(wellKnownUsers.allUnauthenticated),
    ]),
  ];
}

/** Both lists at once. */
export function bootstrapPolicy(options: BootstrapPolicyOptions = {}): {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
} {
  return {
    clusterRoles: bootstrapClusterRoles(options),
    clusterRoleBindings: bootstrapClusterRoleBindings(),
  };
}
