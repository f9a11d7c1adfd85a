// The folder's surface: cloud-config bootstrap data for kubeadm init, control plane join and worker join, and
// the preparation of its inputs (certificate files, resolved files and users).
export {
  certificateFiles,
  type CertificateKeyPairPem,
  type ClusterCertificatePems,
  DEFAULT_CERTIFICATES_DIR,
} from './certificate-files.js';
export {
  BOOTSTRAP_SENTINEL_PATH,
  CLOUD_CONFIG_HEADER,
  type CloudConfigInput,
  type ControlPlaneInitInput,
  type ControlPlaneJoinInput,
  KUBEADM_INIT_CONFIG_PATH,
  KUBEADM_JOIN_CONFIG_PATH,
  kubeadmInitCommand,
  kubeadmJoinCommand,
  PLACEHOLDER_PATH,
  renderControlPlaneInitCloudConfig,
  renderControlPlaneJoinCloudConfig,
  renderWorkerJoinCloudConfig,
  type WorkerJoinInput,
} from './cloud-config.js';
export {
  FileTemplateError,
  isFileTemplateError,
  isUnresolvedSecretReference,
  UnresolvedSecretReferenceError,
} from './cloudinit-errors.js';
export {
  type CloudInitFile,
  type CloudInitUser,
  resolveFiles,
  type ResolveFilesOptions,
  resolveUsers,
  type SecretValueLookup,
} from './file-resolution.js';
export {
  fileTemplateData,
  MAX_RENDERED_TEMPLATE_BYTES,
  renderFileTemplate,
  type TemplateData,
} from './file-template.js';
