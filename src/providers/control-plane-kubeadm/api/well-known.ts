/** API group and version of the kubeadm control plane provider's kinds. */
export const GROUP = 'controlplane.cluster.x-k8s.io';
export const VERSION = 'v1beta2';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Holds a KubeadmControlPlane until its Machines are gone. */
export const KUBEADM_CONTROL_PLANE_FINALIZER = 'kubeadm.controlplane.cluster.x-k8s.io';

/** Annotations the KubeadmControlPlane controller reads or writes. */
export const KubeadmControlPlaneAnnotation = {
  /** On a KubeadmControlPlane: leave CoreDNS alone (for clusters that run another DNS). */
  SkipCoreDNS: 'controlplane.cluster.x-k8s.io/skip-coredns',
  /** On a KubeadmControlPlane: leave kube-proxy alone (for CNIs that replace it). */
  SkipKubeProxy: 'controlplane.cluster.x-k8s.io/skip-kube-proxy',
  /** On a Machine: its ClusterConfiguration as JSON, to detect changes that need a rollout. */
  KubeadmClusterConfiguration: 'controlplane.cluster.x-k8s.io/kubeadm-cluster-configuration',
  /**
   * On a KubeadmControlPlane: set between deleting an unhealthy Machine and creating its replacement, so only
   * one remediation runs at a time and retries are counted.
   */
  RemediationInProgress: 'controlplane.cluster.x-k8s.io/remediation-in-progress',
  /** On a replacement Machine: links it to the first unhealthy Machine of the remediation sequence. */
  RemediationFor: 'controlplane.cluster.x-k8s.io/remediation-for',
  /**
   * On control plane Machines: a pre-terminate hook that lets the controller remove the etcd member last,
   * while the kubelet still runs.
   */
  PreTerminateHookCleanup: 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/kcp-cleanup',
} as const;

/** `spec.remediation.minHealthyPeriodSeconds` when unset: one hour. */
export const DEFAULT_MIN_HEALTHY_PERIOD_SECONDS = 3600;

export const KubeadmControlPlaneRolloutStrategyType = { RollingUpdate: 'RollingUpdate' } as const;

/** Condition types of KubeadmControlPlane `status.conditions`. */
export const KubeadmControlPlaneConditionType = {
  Available: 'Available',
  Initialized: 'Initialized',
  CertificatesAvailable: 'CertificatesAvailable',
  /** Not set with external etcd. */
  EtcdClusterHealthy: 'EtcdClusterHealthy',
  ControlPlaneComponentsHealthy: 'ControlPlaneComponentsHealthy',
  MachinesReady: 'MachinesReady',
  MachinesUpToDate: 'MachinesUpToDate',
  RollingOut: 'RollingOut',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Remediating: 'Remediating',
  Deleting: 'Deleting',
  Paused: 'Paused',
} as const;

/** Reasons of KubeadmControlPlane conditions, grouped by condition type. */
export const KubeadmControlPlaneReason = {
  Available: {
    Available: 'Available',
    NotAvailable: 'NotAvailable',
    InspectionFailed: 'InspectionFailed',
  },
  Initialized: { Initialized: 'Initialized', NotInitialized: 'NotInitialized' },
  CertificatesAvailable: {
    Available: 'Available',
    NotAvailable: 'NotAvailable',
    InternalError: 'InternalError',
  },
  EtcdClusterHealthy: {
    Healthy: 'Healthy',
    NotHealthy: 'NotHealthy',
    HealthUnknown: 'HealthUnknown',
    InspectionFailed: 'InspectionFailed',
    ConnectionDown: 'ConnectionDown',
  },
  ControlPlaneComponentsHealthy: {
    Healthy: 'Healthy',
    NotHealthy: 'NotHealthy',
    HealthUnknown: 'HealthUnknown',
    InspectionFailed: 'InspectionFailed',
    ConnectionDown: 'ConnectionDown',
  },
  MachinesReady: {
    Ready: 'Ready',
    NotReady: 'NotReady',
    ReadyUnknown: 'ReadyUnknown',
    NoReplicas: 'NoReplicas',
    InternalError: 'InternalError',
  },
  MachinesUpToDate: {
    UpToDate: 'UpToDate',
    NotUpToDate: 'NotUpToDate',
    UpToDateUnknown: 'UpToDateUnknown',
    NoReplicas: 'NoReplicas',
    InternalError: 'InternalError',
  },
  RollingOut: { RollingOut: 'RollingOut', NotRollingOut: 'NotRollingOut' },
  ScalingUp: {
    ScalingUp: 'ScalingUp',
    NotScalingUp: 'NotScalingUp',
    WaitingForReplicasSet: 'WaitingForReplicasSet',
  },
  ScalingDown: {
    ScalingDown: 'ScalingDown',
    NotScalingDown: 'NotScalingDown',
    WaitingForReplicasSet: 'WaitingForReplicasSet',
  },
  Remediating: {
    Remediating: 'Remediating',
    NotRemediating: 'NotRemediating',
    InternalError: 'InternalError',
  },
  Deleting: {
    NotDeleting: 'NotDeleting',
    WaitingForWorkersDeletion: 'WaitingForWorkersDeletion',
    WaitingForMachineDeletion: 'WaitingForMachineDeletion',
    DeletionCompleted: 'DeletionCompleted',
    InternalError: 'InternalError',
  },
  Paused: { Paused: 'Paused', NotPaused: 'NotPaused' },
} as const;

/** Conditions the controller sets on the control plane Machines it owns (and adds as their readiness gates). */
export const KubeadmControlPlaneMachineConditionType = {
  /** The Node carries kubeadm's control plane label and, where expected, its NoSchedule taint. */
  NodeKubeadmLabelsAndTaintsSet: 'NodeKubeadmLabelsAndTaintsSet',
  APIServerPodHealthy: 'APIServerPodHealthy',
  ControllerManagerPodHealthy: 'ControllerManagerPodHealthy',
  SchedulerPodHealthy: 'SchedulerPodHealthy',
  /** Only with stacked etcd, like EtcdMemberHealthy. */
  EtcdPodHealthy: 'EtcdPodHealthy',
  EtcdMemberHealthy: 'EtcdMemberHealthy',
} as const;

/** Reasons of the control plane Machine conditions above. */
export const KubeadmControlPlaneMachineReason = {
  Pod: {
    Running: 'Running',
    Provisioning: 'Provisioning',
    DoesNotExist: 'DoesNotExist',
    Failed: 'Failed',
    InspectionFailed: 'InspectionFailed',
    ConnectionDown: 'ConnectionDown',
    Deleting: 'Deleting',
  },
  EtcdMember: {
    Healthy: 'Healthy',
    NotHealthy: 'NotHealthy',
    InspectionFailed: 'InspectionFailed',
    ConnectionDown: 'ConnectionDown',
    Deleting: 'Deleting',
  },
  NodeKubeadmLabelsAndTaints: {
    Set: 'Set',
    NotSet: 'NotSet',
    Deleting: 'Deleting',
    InspectionFailed: 'InspectionFailed',
    ConnectionDown: 'ConnectionDown',
  },
  /** Reasons of the OwnerRemediated condition on a control plane Machine that a MachineHealthCheck flagged. */
  OwnerRemediated: {
    InternalError: 'InternalError',
    CannotBeRemediated: 'CannotBeRemediated',
    RemediationDeferred: 'RemediationDeferred',
    MachineDeleting: 'MachineDeleting',
  },
} as const;
