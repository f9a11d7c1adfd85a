// The folder's surface: key pairs, CAs and the certificates they issue, inspection, kubeconfig files.
export { createAdminKubeconfig, type AdminKubeconfigOptions } from './admin-kubeconfig.js';
export { writeFileAtomic, type WriteFileAtomicOptions } from './atomic-file.js';
export {
  CA_CERTIFICATE_VALIDITY_MS,
  CERTIFICATE_BACKDATE_MS,
  CERTIFICATE_VALIDITY_MS,
  CertificateAuthority,
  type CertificateAuthorityOptions,
  type CertificateAuthorityPem,
  type IssueCertificateOptions,
  type IssuedCertificate,
  type SignCertificateOptions,
  type SignedCertificate,
} from './certificate-authority.js';
export { isIssuedBy, keyMatchesCertificate } from './certificate-checks.js';
export { type CertificateInfo, inspectCertificate } from './certificate-info.js';
export { type CertificateInput, parseCertificatePem } from './certificate-pem.js';
export type { CertificateRequest, CertificateUsage } from './certificate-request.js';
export {
  DEFAULT_KEY_ALGORITHM,
  isKeyAlgorithm,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  keyAlgorithmOf,
} from './key-algorithm.js';
export { KeyPair, type PrivateKeyPemFormat } from './key-pair.js';
export {
  buildKubeconfig,
  type BuildKubeconfigOptions,
  type Kubeconfig,
  type KubeconfigCluster,
  type KubeconfigContext,
  type KubeconfigCredentials,
  kubeconfigNames,
  type KubeconfigUser,
} from './kubeconfig.js';
export { readKubeconfigFile, writeKubeconfigFile } from './kubeconfig-file.js';
export { resolveKubeconfig, type ResolvedKubeconfig } from './kubeconfig-resolve.js';
export { parseKubeconfig, stringifyKubeconfig } from './kubeconfig-yaml.js';
export {
  InvalidCertificateRequestError,
  InvalidKubeconfigError,
  InvalidPemError,
  isPkiError,
  KeyMismatchError,
  NotCertificateAuthorityError,
  PkiError,
  type PkiErrorCode,
  UnsupportedKeyError,
} from './pki-errors.js';
