// Which kubeadm API a node's kubeadm reads, by Kubernetes version (upstream's
// KubeVersionToKubeadmAPIGroupVersion): v1beta3 from v1.22, v1beta4 from v1.31 on, nothing older. Pre-releases
// count as their release, so v1.31.0-alpha.1 already gets v1beta4.
import {
  compareVersions,
  isSemverError,
  parseSemverTolerant,
  type SemVer,
} from '../../../core/api/version.js';
import { InvalidKubernetesVersionError, UnsupportedKubernetesVersionError } from './kubeadm-errors.js';

export const KUBEADM_GROUP = 'kubeadm.k8s.io';

/** The kubeadm API versions Cluster API writes, oldest first. */
export const KubeadmAPIVersion = {
  V1Beta3: `${KUBEADM_GROUP}/v1beta3`,
  V1Beta4: `${KUBEADM_GROUP}/v1beta4`,
} as const;
export type KubeadmAPIVersion = (typeof KubeadmAPIVersion)[keyof typeof KubeadmAPIVersion];

/** The oldest Kubernetes version any supported kubeadm API version works with. */
export const MINIMUM_KUBERNETES_VERSION = 'v1.22.0';
const V1BETA3_FROM: SemVer = { major: 1, minor: 22, patch: 0, pre: [], build: [] };
const V1BETA4_FROM: SemVer = { major: 1, minor: 31, patch: 0, pre: [], build: [] };

/** Parses a Kubernetes version the tolerant way upstream does (`v1.33.1`, `1.33`, `v1.34.0-rc.1`). */
export function parseKubernetesVersion(version: string): SemVer {
  const parsed = parseSemverTolerant(version);
  if (isSemverError(parsed)) throw new InvalidKubernetesVersionError(version, parsed.error);
  return parsed;
}

/**
 * The kubeadm API version to write for a node running `kubernetesVersion`. Versions newer than the newest known
 * mapping get v1beta4, as upstream assumes until kubeadm introduces a new API version.
 */
export function kubeadmAPIVersionFor(kubernetesVersion: string): KubeadmAPIVersion {
  const v = parseKubernetesVersion(kubernetesVersion);
  if (compareVersions(v, V1BETA3_FROM, { withoutPreReleases: true }) < 0) {
    throw new UnsupportedKubernetesVersionError(kubernetesVersion, MINIMUM_KUBERNETES_VERSION);
  }
  if (compareVersions(v, V1BETA4_FROM, { withoutPreReleases: true }) < 0) return KubeadmAPIVersion.V1Beta3;
  return KubeadmAPIVersion.V1Beta4;
}
