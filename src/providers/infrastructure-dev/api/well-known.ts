// Names the dev provider's controllers, backends and users agree on. Values are upstream's (the finalizers
// still say "docker"), so objects moved from an upstream management cluster keep working.

/** Kept on a DevCluster until its backend released the cluster infrastructure. */
export const DevClusterFinalizer = 'dockercluster.infrastructure.cluster.x-k8s.io';

/** Kept on a DevMachine until its backend released the machine. */
export const DevMachineFinalizer = 'dockermachine.infrastructure.cluster.x-k8s.io';

/** Provider ID of a DevMachine of the in-memory backend: the prefix followed by the DevMachine name. */
export const InMemoryProviderIDPrefix = 'in-memory://';

/** Provider ID of a DevMachine of the docker backend: the prefix followed by the container name. */
export const DockerProviderIDPrefix = 'docker:////';

/** On a control plane DevMachine (docker backend): its weight in the load balancer configuration. */
export const LoadBalancerWeightAnnotation = 'devmachine.infrastructure.cluster.x-k8s.io/weight';

/** On a DevCluster (in-memory backend): which listener of the workload API server multiplexer it owns. */
export const InMemoryListenerAnnotation = 'inmemorycluster.infrastructure.cluster.x-k8s.io/listener';

/** On simulated etcd Pods (in-memory backend): the membership facts a real etcd would report. */
export const InMemoryEtcdAnnotation = {
  ClusterID: 'etcd.inmemory.infrastructure.cluster.x-k8s.io/cluster-id',
  MemberID: 'etcd.inmemory.infrastructure.cluster.x-k8s.io/member-id',
  LeaderFrom: 'etcd.inmemory.infrastructure.cluster.x-k8s.io/leader-from',
  MemberRemoved: 'etcd.inmemory.infrastructure.cluster.x-k8s.io/member-removed',
} as const;

/** Condition types of a DevCluster. LoadBalancerAvailable is set by the docker backend only. */
export const DevClusterConditionType = {
  Ready: 'Ready',
  Paused: 'Paused',
  LoadBalancerAvailable: 'LoadBalancerAvailable',
} as const;

/** Reasons of the DevCluster Ready condition. */
export const DevClusterReadyReason = {
  Ready: 'Ready',
  NotReady: 'NotReady',
  ReadyUnknown: 'ReadyUnknown',
} as const;

/** Reasons of the DevCluster LoadBalancerAvailable condition (docker backend). */
export const DevClusterLoadBalancerAvailableReason = {
  Available: 'Available',
  NotAvailable: 'NotAvailable',
  Deleting: 'Deleting',
} as const;

/** Condition types every DevMachine carries, whatever its backend. */
export const DevMachineConditionType = {
  Ready: 'Ready',
  Paused: 'Paused',
} as const;

/** Reasons of the DevMachine Ready condition. */
export const DevMachineReadyReason = {
  Ready: 'Ready',
  NotReady: 'NotReady',
  ReadyUnknown: 'ReadyUnknown',
} as const;

/** Condition types of a DevMachine of the docker backend, in the order provisioning reaches them. */
export const DevMachineDockerConditionType = {
  ContainerProvisioned: 'ContainerProvisioned',
  CGroupsReady: 'CGroupsReady',
  PreLoadedImagesReady: 'PreLoadedImagesReady',
  BootstrapCompleted: 'BootstrapCompleted',
} as const;

/** Reasons of ContainerProvisioned (docker backend). */
export const DevMachineDockerContainerProvisionedReason = {
  WaitingForClusterInfrastructureReady: 'WaitingForClusterInfrastructureReady',
  WaitingForControlPlaneInitialized: 'WaitingForControlPlaneInitialized',
  WaitingForBootstrapData: 'WaitingForBootstrapData',
  Provisioned: 'Provisioned',
  NotProvisioned: 'NotProvisioned',
  Deleting: 'Deleting',
} as const;

/** Reasons of CGroupsReady (docker backend). */
export const DevMachineDockerCGroupsReadyReason = {
  WaitingForContainer: 'WaitingForContainer',
  Ready: 'Ready',
  NotReady: 'NotReady',
  InternalError: 'InternalError',
} as const;

/** Reasons of PreLoadedImagesReady (docker backend). */
export const DevMachineDockerPreLoadedImagesReadyReason = {
  WaitingForContainer: 'WaitingForContainer',
  WaitingForCGroups: 'WaitingForCGroups',
  Ready: 'Ready',
  NotReady: 'NotReady',
  InternalError: 'InternalError',
} as const;

/** Reasons of BootstrapCompleted (docker backend). */
export const DevMachineDockerBootstrapCompletedReason = {
  WaitingForContainer: 'WaitingForContainer',
  WaitingForCGroups: 'WaitingForCGroups',
  WaitingForPreloadedImages: 'WaitingForPreloadedImages',
  Completed: 'Completed',
  NotCompleted: 'NotCompleted',
  Failed: 'Failed',
  InternalError: 'InternalError',
} as const;

/** Condition types of a DevMachine of the in-memory backend, in the order the simulation reaches them. */
export const DevMachineInMemoryConditionType = {
  VMProvisioned: 'VMProvisioned',
  NodeProvisioned: 'NodeProvisioned',
  EtcdProvisioned: 'EtcdProvisioned',
  APIServerProvisioned: 'APIServerProvisioned',
} as const;

/** Reasons of VMProvisioned (in-memory backend). */
export const DevMachineInMemoryVMProvisionedReason = {
  WaitingForClusterInfrastructureReady: 'WaitingForClusterInfrastructureReady',
  WaitingForControlPlaneInitialized: 'WaitingForControlPlaneInitialized',
  WaitingForBootstrapData: 'WaitingForBootstrapData',
  WaitingForStartupTimeout: 'WaitingForStartupTimeout',
  Provisioned: 'Provisioned',
  InternalError: 'InternalError',
} as const;

/** Reasons of NodeProvisioned (in-memory backend). */
export const DevMachineInMemoryNodeProvisionedReason = {
  WaitingForVMProvisioned: 'WaitingForVMProvisioned',
  WaitingForStartupTimeout: 'WaitingForStartupTimeout',
  Provisioned: 'Provisioned',
  InternalError: 'InternalError',
} as const;

/** Reasons of EtcdProvisioned (in-memory backend, control plane machines only). */
export const DevMachineInMemoryEtcdProvisionedReason = {
  WaitingForVMProvisioned: 'WaitingForVMProvisioned',
  WaitingForNodeProvisioned: 'WaitingForNodeProvisioned',
  WaitingForStartupTimeout: 'WaitingForStartupTimeout',
  Provisioned: 'Provisioned',
  InternalError: 'InternalError',
} as const;

/** Reasons of APIServerProvisioned (in-memory backend, control plane machines only). */
export const DevMachineInMemoryAPIServerProvisionedReason = {
  WaitingForVMProvisioned: 'WaitingForVMProvisioned',
  WaitingForNodeProvisioned: 'WaitingForNodeProvisioned',
  WaitingForStartupTimeout: 'WaitingForStartupTimeout',
  Provisioned: 'Provisioned',
  InternalError: 'InternalError',
} as const;

/**
 * Knobs of the in-memory backend set as annotations (ours, not upstream's): failure domains a DevCluster
 * reports, and fault injection for tests and demos. See backends/in-memory/README.md.
 */
export const InMemoryAnnotation = {
  /** DevCluster: comma-separated failure domain names (all eligible for control plane); "" reports none. */
  FailureDomains: 'inmemory.capi-ts.io/failure-domains',
  /** DevCluster or DevMachine: share (0..1) of reconciles that fail with a simulated provider API error. */
  ApiErrorRate: 'inmemory.capi-ts.io/api-error-rate',
  /**
   * DevCluster or DevMachine: the HTTP-style status (400..599) of the errors `api-error-rate` injects, e.g. "429"
   * for throttling; 500 when unset.
   */
  ApiErrorCode: 'inmemory.capi-ts.io/api-error-code',
  /** DevCluster: "true" makes the workload API endpoint drop every connection. */
  Unreachable: 'inmemory.capi-ts.io/unreachable',
  /** DevMachine: the provisioning step that fails (vm, node, etcd, apiServer) until the annotation is removed. */
  FailAtStep: 'inmemory.capi-ts.io/fail-at-step',
  /** DevMachine: "true" registers the Node with Ready=False (a kubelet whose network never comes up). */
  NodeNeverReady: 'inmemory.capi-ts.io/node-never-ready',
  /** DevMachine: a Go duration after which the Ready Node turns NotReady (a kubelet that stops reporting). */
  NodeNotReadyAfter: 'inmemory.capi-ts.io/node-not-ready-after',
  /**
   * Pod in a workload cluster: a Go duration its containers take to stop once it is deleted (default 1s, capped
   * by the grace period); e.g. "10m" for a process that ignores SIGTERM and is killed when the grace period ends.
   */
  PodStopAfter: 'inmemory.capi-ts.io/stop-after',
} as const;
