// RBAC that a newer kubeadm creates during `kubeadm init`/`upgrade`, which KCP creates itself before rolling out
// Machines of that version because it never runs `kubeadm upgrade` (upstream `Workload.EnsureKubeadmPermissions`,
// as of Cluster API 1.14/main). Kubernetes 1.37's kubeadm binds the API server's kubelet client certificate to
// `system:kubelet-api-admin` through `kubeadm:apiserver-kubelet-client` instead of relying on a broader group; the
// binding is created for every target below 1.38 (harmless before 1.37, and kept working if kubeadm backports the
// change), and no longer from 1.38, where every supported starting version already has it.
//
// Earlier upstream releases also created `kubeadm:get-nodes` (bootstrap tokens reading Nodes; removed in June
// 2025 with the handling of unsupported Kubernetes versions, #12303) and the `kubeadm:cluster-admins` binding
// (kubeadm 1.29's; removed in August 2026): kubeadm init creates both on every version KCP still supports.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { objectKeyOf, typeRefOf } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isAlreadyExists, isNotFound } from '../../../controller-runtime/client/errors.js';
import { compareVersions, type SemVer } from '../../../core/api/version.js';
import {
  parseKubernetesVersion,
  type WorkloadCallOptions,
  type WorkloadStepResult,
} from './kubeadm-config-map.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** The ClusterRoleBinding kubeadm 1.37 creates for the API server's kubelet client certificate. */
export const KUBELET_API_ADMIN_CLUSTER_ROLE_BINDING = 'kubeadm:apiserver-kubelet-client';
/** The built-in ClusterRole for full kubelet API access. */
export const KUBELET_API_ADMIN_CLUSTER_ROLE = 'system:kubelet-api-admin';
/** The common name of the kubelet client certificate kubeadm issues to the API server. */
export const APISERVER_KUBELET_CLIENT_CERT_COMMON_NAME = 'kube-apiserver-kubelet-client';

const UNTIL: SemVer = { major: 1, minor: 38, patch: 0, pre: [], build: [] };

/** The RBAC objects KCP makes sure exist before rolling out Machines of `version`. */
export function kubeadmPermissionsFor(version: SemVer): KubeObject[] {
  if (compareVersions(version, UNTIL, { withoutPreReleases: true }) >= 0) return [];
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: KUBELET_API_ADMIN_CLUSTER_ROLE_BINDING },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: KUBELET_API_ADMIN_CLUSTER_ROLE },
      subjects: [{ apiGroup: RBAC_GROUP, kind: 'User', name: APISERVER_KUBELET_CLIENT_CERT_COMMON_NAME }],
    },
  ];
}

/**
 * Creates `obj` unless an object of that name exists (whatever it holds: kubeadm or an admin may have
 * adjusted it, as upstream's `EnsureResource` leaves it). Returns whether it created it.
 */
export async function ensureResource(
  client: Client,
  obj: KubeObject,
  options: WorkloadCallOptions = {},
): Promise<boolean> {
  try {
    await client.get(typeRefOf(obj), objectKeyOf(obj), options);
    return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await client.create(obj, { signal: options.signal });
    return true;
  } catch (err) {
    if (isAlreadyExists(err)) return false;
    throw err;
  }
}

/** Creates the RBAC kubeadm of the target version (the KCP's `spec.version`) expects and KCP must provide. */
export async function ensureKubeadmPermissions(
  client: Client,
  version: string,
  options: WorkloadCallOptions = {},
): Promise<WorkloadStepResult> {
  let changed = false;
  for (const obj of kubeadmPermissionsFor(parseKubernetesVersion(version))) {
    if (await ensureResource(client, obj, options)) changed = true;
  }
  return { changed };
}
