// The kubeadm configuration files Cluster API writes onto a machine, as YAML: one document per kubeadm API
// object, in the API version the machine's kubeadm reads (see kubeadm-api-version.ts).
import { stringify } from 'yaml';
import type { ClusterConfiguration, InitConfiguration, JoinConfiguration } from '../api/index.js';
import { kubeadmAPIVersionFor } from './kubeadm-api-version.js';
import {
  type ClusterConfigurationData,
  type KubeadmDocument,
  toKubeadmClusterConfiguration,
  toKubeadmInitConfiguration,
  toKubeadmJoinConfiguration,
} from './kubeadm-conversion.js';

/**
 * One kubeadm API object as a YAML document ending in a newline. Keys are sorted, as Go's YAML encoding of the
 * kubeadm types sorts them. Scalars are quoted by YAML 1.1 rules because kubeadm's reader (go-yaml) follows
 * them: a plain `yes` or `0640` there is a boolean or an octal number, not the string Cluster API meant.
 */
export function stringifyKubeadmDocument(doc: KubeadmDocument): string {
  return stringify(doc, {
    version: '1.1',
    sortMapEntries: true,
    lineWidth: 0,
    indentSeq: false,
    aliasDuplicateObjects: false,
  });
}

/**
 * The kubeadm `ClusterConfiguration` for a machine running `kubernetesVersion`, with the values Cluster API
 * keeps outside it (cluster name, network, version) from `data`. Throws `UnsupportedKubernetesVersionError`
 * below v1.22 and `InvalidKubernetesVersionError` when the version does not parse.
 */
export function marshalClusterConfiguration(
  clusterConfiguration: ClusterConfiguration | undefined,
  kubernetesVersion: string,
  data?: ClusterConfigurationData,
): string {
  const v = kubeadmAPIVersionFor(kubernetesVersion);
  return stringifyKubeadmDocument(toKubeadmClusterConfiguration(clusterConfiguration, v, data));
}

/** The kubeadm `InitConfiguration` for a machine running `kubernetesVersion`. */
export function marshalInitConfiguration(
  initConfiguration: InitConfiguration | undefined,
  kubernetesVersion: string,
): string {
  return stringifyKubeadmDocument(
    toKubeadmInitConfiguration(initConfiguration, kubeadmAPIVersionFor(kubernetesVersion)),
  );
}

/** The kubeadm `JoinConfiguration` for a machine running `kubernetesVersion`. */
export function marshalJoinConfiguration(
  joinConfiguration: JoinConfiguration | undefined,
  kubernetesVersion: string,
): string {
  return stringifyKubeadmDocument(
    toKubeadmJoinConfiguration(joinConfiguration, kubeadmAPIVersionFor(kubernetesVersion)),
  );
}
