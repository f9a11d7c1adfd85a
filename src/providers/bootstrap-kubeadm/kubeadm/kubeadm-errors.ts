/** The Kubernetes version given to pick the kubeadm API is not a version at all. */
export class InvalidKubernetesVersionError extends Error {
  override readonly name = 'InvalidKubernetesVersionError';
  readonly version: string;
  constructor(version: string, reason: string) {
    super(`invalid Kubernetes version ${JSON.stringify(version)}: ${reason}`);
    this.version = version;
  }
}
export const isInvalidKubernetesVersion = (err: unknown): err is InvalidKubernetesVersionError =>
  err instanceof InvalidKubernetesVersionError;

/**
 * The Kubernetes version is older than any kubeadm API version Cluster API can write (below v1.22, whose
 * kubeadm reads only v1beta2 and older). Terminal: retrying does not help until the version changes.
 */
export class UnsupportedKubernetesVersionError extends Error {
  override readonly name = 'UnsupportedKubernetesVersionError';
  readonly version: string;
  constructor(version: string, minimum: string) {
    super(
      `the bootstrap provider for kubeadm does not support Kubernetes ${version}: the minimum is ${minimum}`,
    );
    this.version = version;
  }
}
export const isUnsupportedKubernetesVersion = (err: unknown): err is UnsupportedKubernetesVersionError =>
  err instanceof UnsupportedKubernetesVersionError;
