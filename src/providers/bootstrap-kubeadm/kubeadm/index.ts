// The folder's surface: kubeadm configuration files for a Kubernetes version, and the CA pins of discovery.
export { caCertHash, caCertHashes } from './ca-cert-hash.js';
export {
  clusterConfigurationData,
  type ClusterConfigurationDataInput,
} from './cluster-configuration-data.js';
export {
  KUBEADM_GROUP,
  KubeadmAPIVersion,
  kubeadmAPIVersionFor,
  MINIMUM_KUBERNETES_VERSION,
  parseKubernetesVersion,
} from './kubeadm-api-version.js';
export {
  type ClusterConfigurationData,
  type KubeadmDocument,
  toKubeadmClusterConfiguration,
  toKubeadmInitConfiguration,
  toKubeadmJoinConfiguration,
} from './kubeadm-conversion.js';
export {
  InvalidKubernetesVersionError,
  isInvalidKubernetesVersion,
  isUnsupportedKubernetesVersion,
  UnsupportedKubernetesVersionError,
} from './kubeadm-errors.js';
export {
  marshalClusterConfiguration,
  marshalInitConfiguration,
  marshalJoinConfiguration,
  stringifyKubeadmDocument,
} from './kubeadm-yaml.js';
