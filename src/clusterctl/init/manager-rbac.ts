import type { CustomResourceDefinition } from '../../core/api/openapi/crd.js';
import { CLUSTERCTL_GROUP } from './provider-inventory.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const ALL_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const READ = ['get', 'list', 'watch'];

/** Groups whose kinds core works with without knowing them in advance (provider contracts). */
const PROVIDER_GROUPS = [
  'bootstrap.cluster.x-k8s.io',
  'controlplane.cluster.x-k8s.io',
  'infrastructure.cluster.x-k8s.io',
];

/**
 * The cluster-wide rules the manager's controllers need, derived from what they do:
 *
 * - every kind of core's own groups that capi-ts serves (from `crds`), with `/status` (status writes) and
 *   `/finalizers` (so owner references with blockOwnerDeletion work under OwnerReferencesPermissionEnforcement);
 * - everything in the provider groups: core reads and patches any provider's objects through the contracts,
 *   as upstream's core role grants (`*` there);
 * - Secrets in every namespace, with upstream's verbs (core writes kubeconfig Secrets, CABPK bootstrap data and
 *   tokens, KCP certificates; each deletes or rotates them), and ConfigMaps (CABPK's init lock);
 * - Events, core/v1 (what our recorder writes) and events.k8s.io;
 * - Namespaces and CRDs read-only (contract version lookup through CRD labels).
 *
 * Nothing else: no Pods, Nodes or workloads of the management cluster (workload clusters are reached through
 * their kubeconfig Secrets), no RBAC, no token or access reviews (the metrics endpoint is plain HTTP).
 * Leader election's Lease is granted by a Role in the manager's namespace, not here.
 */
export function managerRules(crds: readonly CustomResourceDefinition[]): PolicyRule[] {
  const ownGroups = new Map<string, string[]>();
  for (const crd of crds) {
    const group = crd.spec.group;
    // clusterctl's inventory is written by `capi init`, never by the manager.
    if (PROVIDER_GROUPS.includes(group) || group === CLUSTERCTL_GROUP || !group.endsWith('cluster.x-k8s.io'))
      continue;
    const plural = crd.spec.names.plural;
    const resources = ownGroups.get(group) ?? [];
    resources.push(plural, `${plural}/status`, `${plural}/finalizers`);
    ownGroups.set(group, resources);
  }
  return [
    ...[...ownGroups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([group, resources]) => ({ apiGroups: [group], resources: resources.sort(), verbs: ALL_VERBS })),
    { apiGroups: PROVIDER_GROUPS, resources: ['*'], verbs: ALL_VERBS },
    { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ALL_VERBS },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'get', 'list', 'patch', 'watch'] },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: [''], resources: ['namespaces'], verbs: READ },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
  ];
}

/** Leader election in the manager's namespace: the Lease, and the Events it records about it. */
export function leaderElectionRules(): PolicyRule[] {
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ALL_VERBS },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  ];
}
