// Fixtures for the describe tests: plain objects shaped like what the API server returns.
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Condition, ConditionStatus } from '../../controller-runtime/conditions/condition.js';
import type { ClusterObjects } from './describe-tree.js';

export const NOW = new Date('2026-03-01T12:00:00Z');
export const NAMESPACE = 'default';

const CORE = 'cluster.x-k8s.io/v1beta2';
const INFRA_GROUP = 'infrastructure.cluster.x-k8s.io';
const CP_GROUP = 'controlplane.cluster.x-k8s.io';
const BOOTSTRAP_GROUP = 'bootstrap.cluster.x-k8s.io';

/** A condition that last changed `ageSeconds` before NOW. */
export function cond(
  type: string,
  status: ConditionStatus,
  reason: string,
  options: { message?: string; ageSeconds?: number } = {},
): Condition {
  const at = new Date(NOW.getTime() - (options.ageSeconds ?? 300) * 1000);
  return {
    type,
    status,
    reason,
    message: options.message ?? '',
    lastTransitionTime: at.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

const healthyMachineConditions = (ageSeconds: number): Condition[] => [
  cond('Available', 'True', 'Available', { ageSeconds }),
  cond('Ready', 'True', 'Ready', { ageSeconds }),
  cond('UpToDate', 'True', 'UpToDate', { ageSeconds }),
  cond('BootstrapConfigReady', 'True', 'Ready', { ageSeconds }),
  cond('InfrastructureReady', 'True', 'Ready', { ageSeconds }),
  cond('NodeHealthy', 'True', 'NodeHealthy', { ageSeconds }),
  cond('Deleting', 'False', 'NotDeleting', { ageSeconds }),
  cond('Paused', 'False', 'NotPaused', { ageSeconds }),
];

const meta = (name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject['metadata'] => ({
  name,
  namespace: NAMESPACE,
  uid: `uid-${name}`,
  ...extra,
});

const owner = (kind: string, name: string) => ({
  apiVersion: kind === 'KubeadmControlPlane' ? `${CP_GROUP}/v1beta2` : CORE,
  kind,
  name,
  uid: `uid-${name}`,
  controller: true,
});

/** A Machine with its DevMachine and KubeadmConfig, all healthy unless conditions are given. */
export function machine(
  name: string,
  options: { controlPlane?: boolean; owner: { kind: string; name: string }; conditions?: Condition[] },
): { machine: KubeObject; infra: KubeObject; bootstrap: KubeObject } {
  const labels: Record<string, string> = { 'cluster.x-k8s.io/cluster-name': 'demo' };
  if (options.controlPlane) labels['cluster.x-k8s.io/control-plane'] = '';
  return {
    machine: {
      apiVersion: CORE,
      kind: 'Machine',
      metadata: meta(name, { labels, ownerReferences: [owner(options.owner.kind, options.owner.name)] }),
      spec: {
        clusterName: 'demo',
        version: 'v1.31.0',
        bootstrap: { configRef: { apiGroup: BOOTSTRAP_GROUP, kind: 'KubeadmConfig', name } },
        infrastructureRef: { apiGroup: INFRA_GROUP, kind: 'DevMachine', name },
      },
      status: { conditions: options.conditions ?? healthyMachineConditions(600) },
    },
    infra: {
      apiVersion: `${INFRA_GROUP}/v1beta2`,
      kind: 'DevMachine',
      metadata: meta(name),
      status: { conditions: [cond('Ready', 'True', 'Ready', { ageSeconds: 620 })] },
    },
    bootstrap: {
      apiVersion: `${BOOTSTRAP_GROUP}/v1beta2`,
      kind: 'KubeadmConfig',
      metadata: meta(name),
      status: { conditions: [cond('Ready', 'True', 'Ready', { ageSeconds: 640 })] },
    },
  };
}

/**
 * The cluster `demo`: a DevCluster, a KubeadmControlPlane of 3 and a MachineDeployment of 2, all healthy.
 * `patch` changes the parts before they are assembled.
 */
export function healthyCluster(
  patch: (parts: {
    machines: ReturnType<typeof machine>[];
    cluster: KubeObject;
    extra: KubeObject[];
  }) => void = () => {},
): ClusterObjects {
  const cluster: KubeObject = {
    apiVersion: CORE,
    kind: 'Cluster',
    metadata: meta('demo'),
    spec: {
      infrastructureRef: { apiGroup: INFRA_GROUP, kind: 'DevCluster', name: 'demo' },
      controlPlaneRef: { apiGroup: CP_GROUP, kind: 'KubeadmControlPlane', name: 'demo-cp' },
    },
    status: {
      controlPlane: {
        desiredReplicas: 3,
        replicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        upToDateReplicas: 3,
      },
      workers: {
        desiredReplicas: 2,
        replicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
        upToDateReplicas: 2,
      },
      conditions: [
        cond('Available', 'True', 'Available', { ageSeconds: 240 }),
        cond('InfrastructureReady', 'True', 'Ready', { ageSeconds: 900 }),
        cond('ControlPlaneAvailable', 'True', 'Available', { ageSeconds: 500 }),
        cond('WorkersAvailable', 'True', 'Available', { ageSeconds: 240 }),
        cond('RemoteConnectionProbe', 'True', 'ProbeSucceeded', { ageSeconds: 500 }),
        cond('ScalingUp', 'False', 'NotScalingUp', { ageSeconds: 240 }),
        cond('Paused', 'False', 'NotPaused', { ageSeconds: 900 }),
      ],
    },
  };
  const devCluster: KubeObject = {
    apiVersion: `${INFRA_GROUP}/v1beta2`,
    kind: 'DevCluster',
    metadata: meta('demo'),
    status: { conditions: [cond('Ready', 'True', 'Ready', { ageSeconds: 900 })] },
  };
  const kcp: KubeObject = {
    apiVersion: `${CP_GROUP}/v1beta2`,
    kind: 'KubeadmControlPlane',
    metadata: meta('demo-cp'),
    spec: { replicas: 3, version: 'v1.31.0' },
    status: {
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      upToDateReplicas: 3,
      conditions: [
        cond('Available', 'True', 'Available', { ageSeconds: 500 }),
        cond('Initialized', 'True', 'Initialized', { ageSeconds: 800 }),
        cond('EtcdClusterHealthy', 'True', 'Healthy', { ageSeconds: 500 }),
      ],
    },
  };
  const md: KubeObject = {
    apiVersion: CORE,
    kind: 'MachineDeployment',
    metadata: meta('demo-md-0', { labels: { 'cluster.x-k8s.io/cluster-name': 'demo' } }),
    spec: { clusterName: 'demo', replicas: 2, template: { spec: { version: 'v1.31.0' } } },
    status: {
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      upToDateReplicas: 2,
      conditions: [cond('Available', 'True', 'Available', { ageSeconds: 240 })],
    },
  };
  const ms: KubeObject = {
    apiVersion: CORE,
    kind: 'MachineSet',
    metadata: meta('demo-md-0-x7k2p', {
      labels: { 'cluster.x-k8s.io/cluster-name': 'demo' },
      ownerReferences: [owner('MachineDeployment', 'demo-md-0')],
    }),
    spec: { clusterName: 'demo', replicas: 2, template: { spec: { version: 'v1.31.0' } } },
    status: { replicas: 2, readyReplicas: 2, availableReplicas: 2, upToDateReplicas: 2 },
  };
  const machines = [
    ...['demo-cp-4fxgm', 'demo-cp-9zq2v', 'demo-cp-tt6rl'].map((name) =>
      machine(name, { controlPlane: true, owner: { kind: 'KubeadmControlPlane', name: 'demo-cp' } }),
    ),
    ...['demo-md-0-x7k2p-bq8wn', 'demo-md-0-x7k2p-lz5dd'].map((name) =>
      machine(name, { owner: { kind: 'MachineSet', name: 'demo-md-0-x7k2p' } }),
    ),
  ];
  const extra: KubeObject[] = [devCluster, kcp];
  patch({ machines, cluster, extra });
  return {
    cluster,
    machines: machines.map((m) => m.machine),
    machineSets: [ms],
    machineDeployments: [md],
    machinePools: [],
    referenced: [...extra, ...machines.flatMap((m) => [m.infra, m.bootstrap])],
  };
}

export const stuckMachineConditions = (): Condition[] => [
  cond('Available', 'False', 'NotReady', { ageSeconds: 95 }),
  cond('Ready', 'False', 'NotReady', {
    ageSeconds: 95,
    message:
      '* InfrastructureReady: VM is starting\n* NodeHealthy: Waiting for a Node with spec.providerID dev://demo/demo-md-0-x7k2p-lz5dd to exist',
  }),
  cond('UpToDate', 'True', 'UpToDate', { ageSeconds: 95 }),
  cond('InfrastructureReady', 'False', 'NotReady', { ageSeconds: 95, message: 'VM is starting' }),
  cond('NodeHealthy', 'False', 'NodeDoesNotExist', { ageSeconds: 95 }),
];
