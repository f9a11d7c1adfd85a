// Where kubeadm's cluster-wide values come from when Cluster API renders `kubeadm init` (upstream's
// computeClusterConfigurationAndAdditionalData): the Cluster's name, endpoint and network, the Machine's
// version, and the init configuration's control plane health check timeout (kept in ClusterConfiguration by
// kubeadm v1beta3).
import type { Cluster } from '../../../core/api/v1beta2/index.js';
import type { InitConfiguration } from '../api/index.js';
import type { ClusterConfigurationData } from './kubeadm-conversion.js';

/** Go's net.JoinHostPort: IPv6 hosts in brackets. */
const joinHostPort = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

export interface ClusterConfigurationDataInput {
  cluster: Pick<Cluster, 'metadata' | 'spec'>;
  /** The Machine's `spec.version`. */
  machineVersion?: string;
  initConfiguration?: InitConfiguration;
}

/** The ClusterConfigurationData of the first control plane Machine of `cluster`. */
export function clusterConfigurationData(input: ClusterConfigurationDataInput): ClusterConfigurationData {
  const { cluster, machineVersion, initConfiguration } = input;
  const network = cluster.spec?.clusterNetwork;
  const endpoint = cluster.spec?.controlPlaneEndpoint;
  const services = network?.services?.cidrBlocks ?? [];
  const pods = network?.pods?.cidrBlocks ?? [];
  return {
    clusterName: cluster.metadata?.name,
    kubernetesVersion: machineVersion || undefined,
    dnsDomain: network?.serviceDomain || undefined,
    serviceSubnet: services.length > 0 ? services.join(',') : undefined,
    podSubnet: pods.length > 0 ? pods.join(',') : undefined,
    controlPlaneEndpoint:
      endpoint?.host && endpoint.port ? joinHostPort(endpoint.host, endpoint.port) : undefined,
    controlPlaneComponentHealthCheckSeconds:
      initConfiguration?.timeouts?.controlPlaneComponentHealthCheckSeconds,
  };
}
