// Why a workload-cluster step of an upgrade cannot go on. Each is a class with a predicate; the reconciler
// reports them (and retries on its next pass), it never matches their text. API failures (not found, conflict,
// forbidden) stay the client's own errors.

/** Why the kubeadm-config ConfigMap's ClusterConfiguration could not be read or rewritten. */
export type KubeadmConfigMapProblem =
  /** The ConfigMap has no `ClusterConfiguration` key. */
  | 'MissingClusterConfiguration'
  /** The key holds no YAML mapping of kind ClusterConfiguration. */
  | 'InvalidClusterConfiguration'
  /** Its apiVersion is not one Cluster API reads (kubeadm.k8s.io/v1beta3 or v1beta4). */
  | 'UnknownKubeadmAPIVersion'
  /** The target Kubernetes version is older than any kubeadm API version Cluster API writes (v1.22). */
  | 'UnsupportedKubernetesVersion';

export class KubeadmConfigMapError extends Error {
  override readonly name = 'KubeadmConfigMapError';
  constructor(
    readonly problem: KubeadmConfigMapProblem,
    message: string,
  ) {
    super(message);
  }
}

export const isKubeadmConfigMapError = (err: unknown): err is KubeadmConfigMapError =>
  err instanceof KubeadmConfigMapError;

/** A container image reference that cannot be parsed, or whose tag cannot be changed (pinned by digest). */
export class ImageReferenceError extends Error {
  override readonly name = 'ImageReferenceError';
  constructor(
    readonly image: string,
    message: string,
  ) {
    super(message);
  }
}

export const isImageReferenceError = (err: unknown): err is ImageReferenceError =>
  err instanceof ImageReferenceError;

/** Why the CoreDNS upgrade was refused. */
export type CoreDNSUpgradeProblem =
  /** The coredns ConfigMap has no `Corefile` key. */
  | 'MissingCorefile'
  /** The coredns Deployment has no container named coredns. */
  | 'MissingContainer'
  /** The current image has no tag, or a tag that is not a version. */
  | 'InvalidImageTag'
  /** The target tag is older than the running one. */
  | 'Downgrade'
  /** The running version is not one the Corefile migration knows, or the target cannot be reached from it. */
  | 'UnsupportedVersion'
  /** The Corefile could not be migrated to the target version. */
  | 'CorefileMigration';

export class CoreDNSUpgradeError extends Error {
  override readonly name = 'CoreDNSUpgradeError';
  constructor(
    readonly problem: CoreDNSUpgradeProblem,
    message: string,
  ) {
    super(message);
  }
}

export const isCoreDNSUpgradeError = (err: unknown): err is CoreDNSUpgradeError =>
  err instanceof CoreDNSUpgradeError;
