/** API group and version of the kubeadm bootstrap provider's kinds. */
export const GROUP = 'bootstrap.cluster.x-k8s.io';
export const VERSION = 'v1beta2';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Output formats of the bootstrap data. */
export const Format = {
  CloudConfig: 'cloud-config',
  Ignition: 'ignition',
} as const;

/** Encodings of a file's content in `spec.files`. */
export const Encoding = {
  Base64: 'base64',
  Gzip: 'gzip',
  GzipBase64: 'gzip+base64',
} as const;

/** Whether a file's content is written as is or rendered as a template first. */
export const FileContentFormat = {
  Raw: 'Raw',
  Template: 'Template',
} as const;

/** Condition types of KubeadmConfig `status.conditions`. */
export const KubeadmConfigConditionType = {
  /** True when the config is not being deleted and DataSecretAvailable and CertificatesAvailable are true. */
  Ready: 'Ready',
  /** True once the bootstrap data Secret exists. */
  DataSecretAvailable: 'DataSecretAvailable',
  /** True when the cluster certificates needed to render the bootstrap data exist. */
  CertificatesAvailable: 'CertificatesAvailable',
  Paused: 'Paused',
} as const;

/** Reasons of KubeadmConfig conditions, grouped by condition type. */
export const KubeadmConfigReason = {
  Ready: { Ready: 'Ready', NotReady: 'NotReady', ReadyUnknown: 'ReadyUnknown' },
  DataSecretAvailable: { Available: 'Available', NotAvailable: 'NotAvailable' },
  CertificatesAvailable: { Available: 'Available', InternalError: 'InternalError' },
  Paused: { Paused: 'Paused', NotPaused: 'NotPaused' },
} as const;

/** Keys of the bootstrap data Secret (named after the KubeadmConfig). */
export const BootstrapDataSecretKey = {
  Value: 'value',
  Format: 'format',
} as const;
