/** Which Secret (and, when one is at fault, which data key) an error is about. */
export interface SecretLocation {
  namespace: string;
  name: string;
  /** `tls.crt`, `tls.key` or `value`; absent when the Secret as a whole is at fault. */
  key?: string;
}

const where = (s: SecretLocation): string =>
  `Secret ${s.namespace}/${s.name}${s.key ? ` key "${s.key}"` : ''}`;

/** Base of the errors this folder throws; each names the Secret (and key) at fault. */
export abstract class ClusterSecretError extends Error {
  readonly namespace: string;
  readonly secretName: string;
  readonly key: string | undefined;

  constructor(location: SecretLocation, detail: string, options?: ErrorOptions) {
    super(`${where(location)}: ${detail}`, options);
    this.namespace = location.namespace;
    this.secretName = location.name;
    this.key = location.key;
  }
}

/**
 * A Secret that must exist does not: one the user supplies (external etcd's CA and client certificate), one a
 * joining machine needs, or the cluster CA a kubeconfig is issued from (upstream's
 * `ErrDependentCertificateNotFound`; callers requeue).
 */
export class MissingClusterSecretError extends ClusterSecretError {
  override readonly name = 'MissingClusterSecretError';
}

/** A Secret exists but its data is unusable: a key missing or empty, PEM that does not parse, a mismatched key. */
export class InvalidClusterSecretError extends ClusterSecretError {
  override readonly name = 'InvalidClusterSecretError';
}

/** A write was asked of a Secret Cluster API did not generate (its type is not `cluster.x-k8s.io/secret`). */
export class UnmanagedSecretError extends ClusterSecretError {
  override readonly name = 'UnmanagedSecretError';
}

export const isClusterSecretError = (err: unknown): err is ClusterSecretError =>
  err instanceof ClusterSecretError;
export const isMissingClusterSecret = (err: unknown): err is MissingClusterSecretError =>
  err instanceof MissingClusterSecretError;
export const isInvalidClusterSecret = (err: unknown): err is InvalidClusterSecretError =>
  err instanceof InvalidClusterSecretError;
export const isUnmanagedSecret = (err: unknown): err is UnmanagedSecretError =>
  err instanceof UnmanagedSecretError;
