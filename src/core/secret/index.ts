// The folder's surface: a cluster's certificate Secrets and its admin kubeconfig Secret, shared by core's
// Cluster controller and the kubeadm bootstrap and control plane providers (ADR 0009).
export {
  type AdminKubeconfigSecretOptions,
  type AdminKubeconfigSecretResult,
  CLUSTER_CA_REQUEUE_MS,
  type ControlPlaneEndpoint,
  createAdminKubeconfigSecret,
  endpointUrl,
  KUBECONFIG_ROTATION_THRESHOLD_MS,
  kubeconfigNeedsRotation,
  reconcileAdminKubeconfigSecret,
  regenerateAdminKubeconfigSecret,
} from './admin-kubeconfig-secret.js';
export {
  type CAPurpose,
  type CertificatePurpose,
  type CertificateSettingsSource,
  certificateSettingsFrom,
  type ClusterCertificate,
  ClusterCertificates,
  type ClusterCertificatesOptions,
  DEFAULT_CA_VALIDITY_DAYS,
  type GenerateClusterCertificatesOptions,
  GENERATED_CA_COMMON_NAME,
} from './cluster-certificates.js';
export {
  adoptClusterSecret,
  type ClusterKey,
  type ClusterSecret,
  isGeneratedSecret,
  secretText,
} from './cluster-secret.js';
export {
  ClusterSecretError,
  InvalidClusterSecretError,
  isClusterSecretError,
  isInvalidClusterSecret,
  isMissingClusterSecret,
  isUnmanagedSecret,
  MissingClusterSecretError,
  type SecretLocation,
  UnmanagedSecretError,
} from './cluster-secret-errors.js';
