/** What went wrong, as a value callers can switch on instead of matching message text. */
export type PkiErrorCode =
  | 'InvalidPem'
  | 'UnsupportedKey'
  | 'KeyMismatch'
  | 'NotCertificateAuthority'
  | 'InvalidCertificateRequest'
  | 'InvalidKubeconfig';

/** Base of every error this folder throws. */
export abstract class PkiError extends Error {
  abstract readonly code: PkiErrorCode;
}

/** The text is not PEM, holds no block of the expected kind, or the block does not decode. */
export class InvalidPemError extends PkiError {
  readonly code = 'InvalidPem';
  /** The kind of object that was expected, e.g. `certificate` or `private key`. */
  readonly expected: string;
  constructor(expected: string, detail: string, options?: ErrorOptions) {
    super(`invalid ${expected} PEM: ${detail}`, options);
    this.name = 'InvalidPemError';
    this.expected = expected;
  }
}

/** A key of a type, size or curve outside kubeadm's `encryptionAlgorithm` set, or an encrypted key. */
export class UnsupportedKeyError extends PkiError {
  readonly code = 'UnsupportedKey';
  constructor(detail: string) {
    super(`unsupported key: ${detail}`);
    this.name = 'UnsupportedKeyError';
  }
}

/** A private key that does not belong to the certificate it was paired with. */
export class KeyMismatchError extends PkiError {
  readonly code = 'KeyMismatch';
  constructor(detail: string) {
    super(detail);
    this.name = 'KeyMismatchError';
  }
}

/** A certificate used as a CA whose basic constraints do not say CA:TRUE. */
export class NotCertificateAuthorityError extends PkiError {
  readonly code = 'NotCertificateAuthority';
  readonly subject: string;
  constructor(subject: string) {
    super(`certificate "${subject}" is not a certificate authority (basicConstraints CA:FALSE or absent)`);
    this.name = 'NotCertificateAuthorityError';
    this.subject = subject;
  }
}

/** A certificate request that cannot be issued: empty common name, bad SAN, no usage, bad validity. */
export class InvalidCertificateRequestError extends PkiError {
  readonly code = 'InvalidCertificateRequest';
  /** The option at fault, e.g. `dnsNames[1]`. */
  readonly field: string;
  constructor(field: string, detail: string) {
    super(`invalid certificate request: ${field}: ${detail}`);
    this.name = 'InvalidCertificateRequestError';
    this.field = field;
  }
}

/** A kubeconfig that cannot be built, parsed or resolved. */
export class InvalidKubeconfigError extends PkiError {
  readonly code = 'InvalidKubeconfig';
  readonly field: string;
  constructor(field: string, detail: string, options?: ErrorOptions) {
    super(`invalid kubeconfig: ${field}: ${detail}`, options);
    this.name = 'InvalidKubeconfigError';
    this.field = field;
  }
}

export function isPkiError(err: unknown): err is PkiError {
  return err instanceof PkiError;
}
