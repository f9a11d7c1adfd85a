// Builders for this folder's tests (not built into dist): a KubeadmControlPlane, and the kube-system objects
// `kubeadm init` leaves in a cluster, shaped like the in-memory backend's (see test/providers/control-plane-kubeadm
// for the same functions against those very objects on a real API server).
import { stringify } from 'yaml';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { KubeadmConfigSpec } from '../../bootstrap-kubeadm/api/index.js';
import { API_VERSION, type KubeadmControlPlane } from '../api/index.js';

export function kcp(
  version: string,
  kubeadmConfigSpec?: KubeadmConfigSpec,
  annotations?: Record<string, string>,
): KubeadmControlPlane {
  return {
    apiVersion: API_VERSION,
    kind: 'KubeadmControlPlane',
    metadata: { namespace: 'ns', name: 'cp', ...(annotations ? { annotations } : {}) },
    spec: {
      version,
      machineTemplate: {
        spec: {
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: 't',
          },
        },
      },
      ...(kubeadmConfigSpec ? { kubeadmConfigSpec } : {}),
    },
  };
}

const meta = (name: string, labels?: Record<string, string>) => ({
  name,
  namespace: 'kube-system',
  ...(labels ? { labels } : {}),
});

export function kubeadmConfigMap(version: string, extra: Record<string, unknown> = {}): KubeObject {
  const minor = Number(/^v?\d+\.(\d+)/.exec(version)?.[1] ?? 0);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('kubeadm-config'),
    data: {
      ClusterConfiguration: stringify({
        apiVersion: minor >= 31 ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3',
        kind: 'ClusterConfiguration',
        clusterName: 'c1',
        kubernetesVersion: version,
        controlPlaneEndpoint: '127.0.0.1:6443',
        certificatesDir: '/etc/kubernetes/pki',
        imageRepository: 'registry.k8s.io',
        etcd: { local: { dataDir: '/var/lib/etcd' } },
        networking: { dnsDomain: 'cluster.local', serviceSubnet: '10.96.0.0/12' },
        apiServer: {},
        controllerManager: {},
        scheduler: {},
        dns: {},
        ...extra,
      }),
    },
  };
}

export function kubeProxyDaemonSet(image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta('kube-proxy', { 'k8s-app': 'kube-proxy' }),
    spec: {
      selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-proxy' } },
        spec: { containers: [{ name: 'kube-proxy', image }], hostNetwork: true },
      },
    },
  };
}

export const COREFILE =
  '.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n    }\n    forward . /etc/resolv.conf\n}\n';

export function coreDNSConfigMap(corefile = COREFILE): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('coredns'), data: { Corefile: corefile } };
}

/** kubeadm's CoreDNS Deployment; `withVolume` adds its config-volume (the in-memory backend's has none). */
export function coreDNSDeployment(image: string, withVolume = true): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('coredns', { 'k8s-app': 'kube-dns' }),
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          containers: [{ name: 'coredns', image }],
          ...(withVolume
            ? {
                volumes: [
                  {
                    name: 'config-volume',
                    configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] },
                  },
                ],
              }
            : {}),
        },
      },
    },
  };
}
