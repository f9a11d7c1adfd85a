// What kubelets and `kubeadm init` put into a real cluster, built for the simulated ones. Names, labels and
// annotations are kubeadm's and the kubelet's, because the control plane provider and core read them.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { KubeObject } from '../../../../apiserver/registry/resource-definition.js';

export const KUBE_SYSTEM = 'kube-system';
export const CONTROL_PLANE_NODE_LABEL = 'node-role.kubernetes.io/control-plane';
/** Taint CABPK registers nodes with; core removes it once the Node is linked to its Machine. */
export const UNINITIALIZED_TAINT_KEY = 'node.cluster.x-k8s.io/uninitialized';

/** The control plane static Pods kubeadm writes on each control plane node, in start order. */
export const STATIC_POD_COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
] as const;
export type StaticPodComponent = (typeof STATIC_POD_COMPONENTS)[number];

/** The etcd and CoreDNS images kubeadm of a Kubernetes minor deploys (kubeadm's constants, approximately). */
function addonVersions(minor: number): { etcd: string; coredns: string } {
  if (minor >= 34) return { etcd: '3.6.4-0', coredns: 'v1.12.1' };
  if (minor >= 33) return { etcd: '3.5.21-0', coredns: 'v1.12.0' };
  if (minor >= 31) return { etcd: '3.5.15-0', coredns: 'v1.11.3' };
  if (minor >= 29) return { etcd: '3.5.12-0', coredns: 'v1.11.1' };
  return { etcd: '3.5.9-0', coredns: 'v1.10.1' };
}

export function minorOf(version: string | undefined): number {
  const m = /^v?\d+\.(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) : 33;
}

/** The kubeadm configuration API a Kubernetes version's kubeadm writes (v1beta4 from 1.31 on). */
export const kubeadmApiVersion = (version: string | undefined): string =>
  minorOf(version) >= 31 ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3';

export interface NodeFacts {
  name: string;
  providerID: string;
  ip: string;
  /** Kubernetes version of the kubelet (the Machine's spec.version). */
  version: string;
  controlPlane: boolean;
  ready: boolean;
  /** Index of the node in its cluster, for a distinct pod CIDR. */
  index: number;
  /** Registration taints read from the bootstrap data. */
  taints: { key: string; effect: string; value?: string }[];
  now: Date;
}

const stamp = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Deterministic hex of a text, for IDs a real system would randomise (machine-id, container IDs). */
export const hexOf = (text: string, length = 32): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

export function nodeReadyCondition(ready: boolean, now: Date): Record<string, string> {
  return ready
    ? {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: stamp(now),
        lastTransitionTime: stamp(now),
      }
    : {
        type: 'Ready',
        status: 'False',
        reason: 'KubeletNotReady',
        message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady',
        lastHeartbeatTime: stamp(now),
        lastTransitionTime: stamp(now),
      };
}

/** The Node a kubelet registers, and the status it reports. */
export function nodeObject(f: NodeFacts): { node: KubeObject; status: Record<string, unknown> } {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': f.name,
    'kubernetes.io/os': 'linux',
  };
  const taints: Record<string, string>[] = f.taints.map((t) => ({ ...t }));
  if (f.controlPlane) {
    labels[CONTROL_PLANE_NODE_LABEL] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
    if (!taints.some((t) => t.key === CONTROL_PLANE_NODE_LABEL))
      taints.push({ key: CONTROL_PLANE_NODE_LABEL, effect: 'NoSchedule' });
  }
  const podCidr = `10.244.${f.index % 256}.0/24`;
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: f.name,
      labels,
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      providerID: f.providerID,
      podCIDR: podCidr,
      podCIDRs: [podCidr],
      ...(taints.length ? { taints } : {}),
    },
  };
  const now = stamp(f.now);
  const pressure = (type: string, reason: string, message: string): Record<string, string> => ({
    type,
    status: 'False',
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  const capacity = { cpu: '2', 'ephemeral-storage': '104845292Ki', memory: '4030712Ki', pods: '110' };
  const status = {
    conditions: [
      pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      nodeReadyCondition(f.ready, f.now),
    ],
    addresses: [
      { type: 'InternalIP', address: f.ip },
      { type: 'Hostname', address: f.name },
    ],
    capacity,
    allocatable: capacity,
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      architecture: 'amd64',
      bootID: hexOf(`boot/${f.name}/${now}`).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      containerRuntimeVersion: 'containerd://2.0.3',
      kernelVersion: '6.1.0-in-memory',
      kubeProxyVersion: f.version,
      kubeletVersion: f.version,
      machineID: hexOf(`machine/${f.name}`),
      operatingSystem: 'linux',
      osImage: 'Simulated by capi-ts (in-memory)',
      systemUUID: hexOf(`uuid/${f.name}`).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
    },
  };
  return { node, status };
}

export interface StaticPodFacts {
  component: StaticPodComponent;
  node: KubeObject;
  ip: string;
  version: string;
  now: Date;
  annotations?: Record<string, string>;
}

/** The mirror Pod the kubelet creates for a control plane static Pod, Running and Ready. */
export function staticPodObject(f: StaticPodFacts): { pod: KubeObject; status: Record<string, unknown> } {
  const nodeName = f.node.metadata!.name!;
  const image =
    f.component === 'etcd'
      ? `registry.k8s.io/etcd:${addonVersions(minorOf(f.version)).etcd}`
      : `registry.k8s.io/${f.component}:${f.version}`;
  const hash = hexOf(`${f.component}/${nodeName}/${image}`);
  const annotations: Record<string, string> = {
    'kubernetes.io/config.hash': hash,
    'kubernetes.io/config.mirror': hash,
    'kubernetes.io/config.seen': stamp(f.now),
    'kubernetes.io/config.source': 'file',
    ...f.annotations,
  };
  if (f.component === 'kube-apiserver')
    annotations['kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint'] = `${f.ip}:6443`;
  if (f.component === 'etcd')
    annotations['kubeadm.kubernetes.io/etcd.advertise-client-urls'] = `https://${f.ip}:2379`;
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${f.component}-${nodeName}`,
      namespace: KUBE_SYSTEM,
      labels: { component: f.component, tier: 'control-plane' },
      annotations,
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Node', name: nodeName, uid: f.node.metadata!.uid!, controller: true },
      ],
    },
    spec: {
      nodeName,
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      priority: 2000001000,
      tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
      containers: [{ name: f.component, image, command: [f.component] }],
    },
  };
  const now = stamp(f.now);
  const condition = (type: string): Record<string, string> => ({
    type,
    status: 'True',
    lastTransitionTime: now,
  });
  const status = {
    phase: 'Running',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
      condition,
    ),
    hostIP: f.ip,
    hostIPs: [{ ip: f.ip }],
    podIP: f.ip,
    podIPs: [{ ip: f.ip }],
    qosClass: 'Burstable',
    startTime: now,
    containerStatuses: [
      {
        name: f.component,
        image,
        imageID: `${image.split(':')[0]}@sha256:${hexOf(image, 64)}`,
        containerID: `containerd://${hexOf(`${hash}/container`, 64)}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      },
    ],
  };
  return { pod, status };
}

export interface ClusterFacts {
  clusterName: string;
  version: string;
  endpoint: { host: string; port: number };
  podSubnet?: string;
  serviceSubnet?: string;
  dnsDomain?: string;
}

/** What `kubeadm init` uploads and deploys once: configuration, RBAC, kube-proxy and CoreDNS. */
export function kubeadmObjects(f: ClusterFacts): { kind: KubeadmObjectKind; obj: KubeObject }[] {
  const minor = minorOf(f.version);
  const versions = addonVersions(minor);
  const apiVersion = kubeadmApiVersion(f.version);
  const clusterConfiguration = {
    apiVersion,
    kind: 'ClusterConfiguration',
    clusterName: f.clusterName,
    kubernetesVersion: f.version,
    controlPlaneEndpoint: `${f.endpoint.host}:${f.endpoint.port}`,
    certificatesDir: '/etc/kubernetes/pki',
    imageRepository: 'registry.k8s.io',
    etcd: { local: { dataDir: '/var/lib/etcd' } },
    networking: {
      dnsDomain: f.dnsDomain ?? 'cluster.local',
      serviceSubnet: f.serviceSubnet ?? '10.96.0.0/12',
      ...(f.podSubnet ? { podSubnet: f.podSubnet } : {}),
    },
    apiServer: {},
    controllerManager: {},
    scheduler: {},
    dns: {},
  };
  const meta = (name: string, labels?: Record<string, string>) => ({
    name,
    namespace: KUBE_SYSTEM,
    ...(labels ? { labels } : {}),
  });
  const podTemplate = (app: string, image: string, extra: Record<string, unknown> = {}) => ({
    metadata: { labels: { 'k8s-app': app } },
    spec: { priorityClassName: 'system-node-critical', containers: [{ name: app, image }], ...extra },
  });
  return [
    {
      kind: 'ConfigMap',
      obj: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta('kubeadm-config'),
        data: { ClusterConfiguration: stringify(clusterConfiguration) },
      },
    },
    {
      kind: 'ConfigMap',
      obj: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta('kubelet-config'),
        data: {
          kubelet: stringify({
            apiVersion: 'kubelet.config.k8s.io/v1beta1',
            kind: 'KubeletConfiguration',
            cgroupDriver: 'systemd',
            clusterDNS: ['10.96.0.10'],
            clusterDomain: f.dnsDomain ?? 'cluster.local',
          }),
        },
      },
    },
    {
      kind: 'ClusterRole',
      obj: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'kubeadm:get-nodes' },
        rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
      },
    },
    {
      kind: 'ClusterRoleBinding',
      obj: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'kubeadm:get-nodes' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeadm:get-nodes' },
        subjects: [
          {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'Group',
            name: 'system:bootstrappers:kubeadm:default-node-token',
          },
        ],
      },
    },
    {
      kind: 'ConfigMap',
      obj: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta('kube-proxy', { app: 'kube-proxy' }),
        data: {
          'config.conf': stringify({
            apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
            kind: 'KubeProxyConfiguration',
            mode: 'iptables',
            ...(f.podSubnet ? { clusterCIDR: f.podSubnet } : {}),
          }),
        },
      },
    },
    {
      kind: 'DaemonSet',
      obj: {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: meta('kube-proxy', { 'k8s-app': 'kube-proxy' }),
        spec: {
          selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
          template: podTemplate('kube-proxy', `registry.k8s.io/kube-proxy:${f.version}`, {
            hostNetwork: true,
            tolerations: [{ operator: 'Exists' }],
          }),
        },
      },
    },
    {
      kind: 'ConfigMap',
      obj: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta('coredns'),
        data: {
          Corefile: [
            '.:53 {',
            '    errors',
            '    health {',
            '       lameduck 5s',
            '    }',
            '    ready',
            `    kubernetes ${f.dnsDomain ?? 'cluster.local'} in-addr.arpa ip6.arpa {`,
            '       pods insecure',
            '       fallthrough in-addr.arpa ip6.arpa',
            '       ttl 30',
            '    }',
            '    prometheus :9153',
            '    forward . /etc/resolv.conf {',
            '       max_concurrent 1000',
            '    }',
            '    cache 30',
            '    loop',
            '    reload',
            '    loadbalance',
            '}',
            '',
          ].join('\n'),
        },
      },
    },
    {
      kind: 'Deployment',
      obj: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta('coredns', { 'k8s-app': 'kube-dns' }),
        spec: {
          replicas: 2,
          selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          template: {
            metadata: { labels: { 'k8s-app': 'kube-dns' } },
            spec: {
              priorityClassName: 'system-cluster-critical',
              tolerations: [
                { key: 'CriticalAddonsOnly', operator: 'Exists' },
                { key: CONTROL_PLANE_NODE_LABEL, effect: 'NoSchedule' },
              ],
              containers: [{ name: 'coredns', image: `registry.k8s.io/coredns/coredns:${versions.coredns}` }],
            },
          },
        },
      },
    },
  ];
}

type KubeadmObjectKind = 'ConfigMap' | 'ClusterRole' | 'ClusterRoleBinding' | 'DaemonSet' | 'Deployment';

/**
 * Registration taints a kubelet would take from the bootstrap data (kubeadm's `nodeRegistration.taints`,
 * passed on as `--register-with-taints`). The data is only read: CABPK's uninitialized taint is what core
 * waits to remove, so it is the one looked for.
 */
export function registrationTaints(bootstrapData: string): { key: string; effect: string }[] {
  return bootstrapData.includes(UNINITIALIZED_TAINT_KEY)
    ? [{ key: UNINITIALIZED_TAINT_KEY, effect: 'NoSchedule' }]
    : [];
}
