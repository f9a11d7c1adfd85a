// Builders for the tests of this folder: a KubeadmControlPlane, its Cluster and Machines as the API server would
// return them, with only what each test cares about spelled out.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Condition, ConditionStatus } from '../../../controller-runtime/conditions/index.js';
import type { KubeadmConfigSpec } from '../../bootstrap-kubeadm/api/index.js';
import type { KubeadmControlPlaneSpec } from '../api/index.js';
import type { EtcdMember } from '../etcd/etcd-client.js';
import {
  type ClusterObject,
  ControlPlane,
  type ControlPlaneInput,
  type KcpObject,
  type KubeadmConfigObject,
  type MachineObject,
} from './control-plane.js';

export const NOW = Date.parse('2026-03-01T12:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
export const ago = (ms: number): string => iso(NOW - ms);

export type CondSpec = [
  type: string,
  status: ConditionStatus,
  message?: string,
  sinceMs?: number,
  reason?: string,
];

export function conditions(specs: readonly CondSpec[]): Condition[] {
  return specs.map(([type, status, message = '', sinceMs = HOUR, reason = 'R']) => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: ago(sinceMs),
  }));
}

/** The control plane component conditions of a fully healthy Machine with stacked etcd. */
export const HEALTHY: CondSpec[] = [
  ['APIServerPodHealthy', 'True'],
  ['ControllerManagerPodHealthy', 'True'],
  ['SchedulerPodHealthy', 'True'],
  ['EtcdPodHealthy', 'True'],
  ['EtcdMemberHealthy', 'True'],
];

export const INFRA_REF = {
  apiGroup: 'infrastructure.cluster.x-k8s.io',
  kind: 'DevMachineTemplate',
  name: 'cp-template',
};

export function kcp(
  o: {
    spec?: Partial<KubeadmControlPlaneSpec>;
    initialized?: boolean;
    conditions?: CondSpec[];
    annotations?: Record<string, string>;
    deleting?: boolean;
  } = {},
): KcpObject {
  return {
    apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
    kind: 'KubeadmControlPlane',
    metadata: {
      name: 'kcp',
      namespace: 'default',
      uid: 'kcp-uid',
      generation: 1,
      creationTimestamp: ago(DAY),
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deleting ? { deletionTimestamp: ago(MINUTE) } : {}),
    },
    spec: {
      replicas: 3,
      version: 'v1.33.0',
      machineTemplate: { spec: { infrastructureRef: INFRA_REF } },
      kubeadmConfigSpec: {},
      ...o.spec,
    },
    status: {
      initialization: { controlPlaneInitialized: o.initialized ?? true },
      conditions: conditions(
        o.conditions ?? [
          ['CertificatesAvailable', 'True'],
          ['Initialized', 'True'],
        ],
      ),
    },
  };
}

export function cluster(
  o: { failureDomains?: string[]; topologyVersion?: string; annotations?: Record<string, string> } = {},
): ClusterObject {
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Cluster',
    metadata: {
      name: 'c',
      namespace: 'default',
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      ...(o.topologyVersion ? { topology: { classRef: { name: 'class' }, version: o.topologyVersion } } : {}),
    },
    status: o.failureDomains
      ? { failureDomains: o.failureDomains.map((name) => ({ name, controlPlane: true })) }
      : {},
  };
}

export interface MachineOptions {
  /** Creation time, milliseconds before NOW (default: one day). */
  age?: number;
  fd?: string;
  version?: string;
  /** Node name; default the Machine's name. `false`: no Node yet. */
  node?: string | false;
  providerID?: string | false;
  conditions?: CondSpec[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  deleting?: number;
  owner?: 'kcp' | 'none' | 'other';
  kubeletVersion?: string;
  certificatesExpiry?: string;
  taints?: { key: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
}

export function machine(name: string, o: MachineOptions = {}): MachineObject {
  const owner = o.owner ?? 'kcp';
  const nodeName = o.node === false ? undefined : (o.node ?? name);
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Machine',
    metadata: {
      name,
      namespace: 'default',
      uid: `${name}-uid`,
      creationTimestamp: ago(o.age ?? DAY),
      labels: {
        'cluster.x-k8s.io/cluster-name': 'c',
        'cluster.x-k8s.io/control-plane': '',
        ...o.labels,
      },
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deleting !== undefined ? { deletionTimestamp: ago(o.deleting) } : {}),
      ...(owner === 'none'
        ? {}
        : {
            ownerReferences: [
              owner === 'kcp'
                ? {
                    apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
                    kind: 'KubeadmControlPlane',
                    name: 'kcp',
                    uid: 'kcp-uid',
                    controller: true,
                  }
                : {
                    apiVersion: 'controlplane.example.com/v1',
                    kind: 'OtherControlPlane',
                    name: 'x',
                    uid: 'x',
                    controller: true,
                  },
            ],
          }),
    },
    spec: {
      clusterName: 'c',
      version: o.version ?? 'v1.33.0',
      bootstrap: { configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name } },
      infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name },
      ...(o.fd ? { failureDomain: o.fd } : {}),
      ...(o.providerID === false ? {} : { providerID: o.providerID ?? `dev://${name}` }),
      ...(o.taints ? { taints: o.taints.map((t) => ({ ...t, propagation: 'Always' as const })) } : {}),
    },
    status: {
      ...(nodeName ? { nodeRef: { name: nodeName } } : {}),
      ...(o.kubeletVersion ? { nodeInfo: { kubeletVersion: o.kubeletVersion } } : {}),
      ...(o.certificatesExpiry ? { certificatesExpiryDate: o.certificatesExpiry } : {}),
      conditions: conditions(o.conditions ?? HEALTHY),
    },
  } as MachineObject;
}

/** The KubeadmConfig KCP would have created for the Machine: join by default, init with `init: true`. */
export function kubeadmConfig(name: string, spec: KubeadmConfigSpec, init = false): KubeadmConfigObject {
  const full: KubeadmConfigSpec = init
    ? { ...spec, joinConfiguration: undefined }
    : {
        ...spec,
        initConfiguration: undefined,
        joinConfiguration: {
          ...spec.joinConfiguration,
          controlPlane: spec.joinConfiguration?.controlPlane ?? {},
        },
      };
  if (full.joinConfiguration === undefined) delete full.joinConfiguration;
  if (full.initConfiguration === undefined) delete full.initConfiguration;
  return {
    apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
    kind: 'KubeadmConfig',
    metadata: { name, namespace: 'default' },
    spec: full,
  };
}

export function infraMachine(name: string, clonedFrom?: { name: string; groupKind: string }): KubeObject {
  return {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
    kind: 'DevMachine',
    metadata: {
      name,
      namespace: 'default',
      ...(clonedFrom
        ? {
            annotations: {
              'cluster.x-k8s.io/cloned-from-name': clonedFrom.name,
              'cluster.x-k8s.io/cloned-from-groupkind': clonedFrom.groupKind,
            },
          }
        : {}),
    },
    spec: { providerID: `dev://${name}` },
  };
}

export const member = (name: string, id = `${name}-id`, isLearner = false): EtcdMember => ({
  id,
  name,
  peerURLs: [],
  clientURLs: [],
  isLearner,
});

export function node(
  name: string,
  o: {
    label?: boolean;
    taints?: { key: string; effect: string }[];
    ready?: 'True' | 'False' | 'Unknown';
    age?: number;
    providerID?: string;
  } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      creationTimestamp: ago(o.age ?? DAY),
      labels: o.label === false ? {} : { 'node-role.kubernetes.io/control-plane': '' },
    },
    spec: {
      taints: o.taints ?? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      providerID: o.providerID ?? `dev://${name}`,
    },
    status: { conditions: [{ type: 'Ready', status: o.ready ?? 'True' }] },
  };
}

export function pod(
  name: string,
  o: {
    phase?: string;
    ready?: boolean;
    conditions?: Record<string, string>;
    containers?: {
      waiting?: string;
      terminated?: string;
      lastExitCode?: number;
    }[];
  } = {},
): Pod {
  const podConditions = {
    PodScheduled: 'True',
    Initialized: 'True',
    Ready: o.ready === false ? 'False' : 'True',
    ...o.conditions,
  };
  return {
    metadata: { name, namespace: 'kube-system' },
    status: {
      phase: o.phase ?? 'Running',
      conditions: Object.entries(podConditions).map(([type, status]) => ({ type, status })),
      containerStatuses: (o.containers ?? []).map((c, i) => ({
        name: `c${i}`,
        image: 'img',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: {
          ...(c.waiting ? { waiting: { reason: c.waiting } } : {}),
          ...(c.terminated ? { terminated: { reason: c.terminated, exitCode: 1 } } : {}),
        },
        ...(c.lastExitCode !== undefined ? { lastState: { terminated: { exitCode: c.lastExitCode } } } : {}),
      })),
    },
  };
}

/** Healthy static Pods for each node name. */
export function healthyPods(nodeNames: readonly string[]): Map<string, Pod> {
  const pods = new Map<string, Pod>();
  for (const n of nodeNames) {
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) {
      pods.set(`${c}-${n}`, pod(`${c}-${n}`));
    }
  }
  return pods;
}

export function controlPlane(
  o: Partial<Omit<ControlPlaneInput, 'now'>> & {
    machines?: MachineObject[];
    members?: EtcdMember[];
    leader?: string;
  } = {},
): ControlPlane {
  const cp = new ControlPlane({
    kcp: o.kcp ?? kcp(),
    cluster: o.cluster ?? cluster(),
    machines: o.machines ?? [],
    now: NOW,
    ...(o.kubeadmConfigs ? { kubeadmConfigs: o.kubeadmConfigs } : {}),
    ...(o.infraMachines ? { infraMachines: o.infraMachines } : {}),
    ...(o.featureGates ? { featureGates: o.featureGates } : {}),
    ...(o.infraMachineTemplateNotFound !== undefined
      ? { infraMachineTemplateNotFound: o.infraMachineTemplateNotFound }
      : {}),
  });
  if (o.members) {
    cp.workload.etcdMembers = o.members;
    cp.workload.etcdMembersAndMachinesAreMatching = true;
    const leader = o.members.find((m) => m.name === (o.leader ?? o.members?.[0]?.name));
    if (leader) cp.workload.etcdLeader = leader;
  }
  return cp;
}

/** Machines as a name -> machine lookup, for terse assertions. */
export const namesOf = (ms: readonly KubeObject[] | undefined): string[] =>
  (ms ?? []).map((m) => m.metadata.name ?? '');
