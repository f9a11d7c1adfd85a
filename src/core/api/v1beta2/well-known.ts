// Names Cluster API components agree on without a schema: labels, annotations, finalizers, Secrets, taints,
// condition types and reasons. They are facts of upstream's API (other controllers, clusterctl and users'
// tooling read them), so the values are exactly upstream's.
import { GROUP } from './group.js';

// ---------------------------------------------------------------------------------------------------------
// Labels

export const Label = {
  /** On almost every object of a cluster; Secrets need it to be seen by the controllers' caches. */
  ClusterName: 'cluster.x-k8s.io/cluster-name',
  /** Set (empty value) on control plane Machines. */
  ControlPlane: 'cluster.x-k8s.io/control-plane',
  ControlPlaneName: 'cluster.x-k8s.io/control-plane-name',
  MachineDeploymentName: 'cluster.x-k8s.io/deployment-name',
  /** Hashed when the MachineSet name is longer than a label value may be. */
  MachineSetName: 'cluster.x-k8s.io/set-name',
  MachinePoolName: 'cluster.x-k8s.io/pool-name',
  /** Ties MachineSets and Machines to the template revision of their MachineDeployment. */
  MachineDeploymentUnique: 'machine-template-hash',
  ClusterTopologyOwned: 'topology.cluster.x-k8s.io/owned',
  ClusterTopologyMachineDeploymentName: 'topology.cluster.x-k8s.io/deployment-name',
  ClusterTopologyMachinePoolName: 'topology.cluster.x-k8s.io/pool-name',
  /** Objects a manager started with `--watch-filter=<value>` reconciles. */
  Watch: 'cluster.x-k8s.io/watch-filter',
  /** clusterctl's component label. */
  ProviderName: 'cluster.x-k8s.io/provider',
  /** On Nodes that run on interruptible (spot) instances. */
  Interruptible: 'cluster.x-k8s.io/interruptible',
  /** On Pods: `skip` or `wait-completed` (case-insensitive) overrides MachineDrainRules. */
  PodDrain: 'cluster.x-k8s.io/drain',
  /** ClusterRoles with this label set to "true" are aggregated into the core manager's role. */
  AggregateToManager: 'cluster.x-k8s.io/aggregate-to-manager',
} as const;

/** Node label domains the Machine controller keeps in sync from Machine labels. */
export const NodeLabelDomain = {
  NodeRolePrefix: 'node-role.kubernetes.io',
  NodeRestriction: 'node-restriction.kubernetes.io',
  ManagedNode: 'node.cluster.x-k8s.io',
} as const;

/**
 * The label a provider CRD carries for each contract it implements; the value lists the CRD versions
 * (`v1beta1_v1beta2`). Core resolves ContractVersionedObjectReferences through it.
 */
export const contractLabel = (contract: string): string => `${GROUP}/${contract}`;

/**
 * The contract labels of a provider CRD whose one version, v1beta2, implements contract v1beta2: what every CRD
 * of the providers here carries, so core finds the version to use for a referenced provider kind.
 */
export const CONTRACT_LABELS: Readonly<Record<string, string>> = { [contractLabel('v1beta2')]: 'v1beta2' };

// ---------------------------------------------------------------------------------------------------------
// Annotations

export const Annotation = {
  Paused: 'cluster.x-k8s.io/paused',
  DeleteMachine: 'cluster.x-k8s.io/delete-machine',
  DisableMachineCreate: 'cluster.x-k8s.io/disable-machine-create',
  MachineSkipRemediation: 'cluster.x-k8s.io/skip-remediation',
  RemediateMachine: 'cluster.x-k8s.io/remediate-machine',
  ExcludeNodeDraining: 'machine.cluster.x-k8s.io/exclude-node-draining',
  ExcludeWaitForNodeVolumeDetach: 'machine.cluster.x-k8s.io/exclude-wait-for-node-volume-detach',
  MachineCertificatesExpiryDate: 'machine.cluster.x-k8s.io/certificates-expiry',
  /** On infrastructure clusters managed by something other than a provider controller. */
  ManagedBy: 'cluster.x-k8s.io/managed-by',
  /** On MachinePools whose replica count an external autoscaler owns. */
  ReplicasManagedBy: 'cluster.x-k8s.io/replicas-managed-by',
  AutoscalerMinSize: 'cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size',
  AutoscalerMaxSize: 'cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size',
  MachineSetSkipPreflightChecks: 'machineset.cluster.x-k8s.io/skip-preflight-checks',
  MachineDeploymentRevision: 'machinedeployment.clusters.x-k8s.io/revision',
  MachineDeploymentDesiredReplicas: 'machinedeployment.clusters.x-k8s.io/desired-replicas',
  MachineDeploymentMaxReplicas: 'machinedeployment.clusters.x-k8s.io/max-replicas',
  TemplateClonedFromName: 'cluster.x-k8s.io/cloned-from-name',
  TemplateClonedFromGroupKind: 'cluster.x-k8s.io/cloned-from-groupkind',
  // Set on Nodes, so a Node can be traced back to its Machine.
  ClusterNameOnNode: 'cluster.x-k8s.io/cluster-name',
  ClusterNamespaceOnNode: 'cluster.x-k8s.io/cluster-namespace',
  MachineOnNode: 'cluster.x-k8s.io/machine',
  OwnerKindOnNode: 'cluster.x-k8s.io/owner-kind',
  OwnerNameOnNode: 'cluster.x-k8s.io/owner-name',
  // Set on Nodes to remember what the Machine controller put there, so it can remove it later.
  LabelsFromMachine: 'cluster.x-k8s.io/labels-from-machine',
  AnnotationsFromMachine: 'cluster.x-k8s.io/annotations-from-machine',
  TaintsFromMachine: 'cluster.x-k8s.io/taints-from-machine',
  // Topology.
  ClusterTopologyDeferUpgrade: 'topology.cluster.x-k8s.io/defer-upgrade',
  ClusterTopologyHoldUpgradeSequence: 'topology.cluster.x-k8s.io/hold-upgrade-sequence',
  ClusterTopologyUpgradeConcurrency: 'topology.cluster.x-k8s.io/upgrade-concurrency',
  ClusterTopologyUpgradeStep: 'topology.internal.cluster.x-k8s.io/upgrade-step',
  ClusterTopologyUnsafeUpdateClassName: 'unsafe.topology.cluster.x-k8s.io/disable-update-class-name-check',
  ClusterTopologyUnsafeUpdateVersion: 'unsafe.topology.cluster.x-k8s.io/disable-update-version-check',
  /** Set only during server-side dry-run applies, so template webhooks can skip immutability checks. */
  TopologyDryRun: 'topology.cluster.x-k8s.io/dry-run',
  // In-place updates (internal to Cluster API controllers).
  UpdateInProgress: 'in-place-updates.internal.cluster.x-k8s.io/update-in-progress',
  PendingAcknowledgeMove: 'in-place-updates.internal.cluster.x-k8s.io/pending-acknowledge-move',
  AcknowledgedMove: 'in-place-updates.internal.cluster.x-k8s.io/acknowledged-move',
  MachineSetMoveMachinesToMachineSet:
    'in-place-updates.internal.cluster.x-k8s.io/move-machines-to-machineset',
  MachineSetReceiveMachinesFromMachineSets:
    'in-place-updates.internal.cluster.x-k8s.io/receive-machines-from-machinesets',
  CRDMigrationObservedGeneration: 'crd-migration.cluster.x-k8s.io/observed-generation',
} as const;

/** Annotation key prefixes: any annotation `<prefix>/<name>` holds the corresponding step back. */
export const AnnotationPrefix = {
  PreDrainDeleteHook: 'pre-drain.delete.hook.machine.cluster.x-k8s.io',
  PreTerminateDeleteHook: 'pre-terminate.delete.hook.machine.cluster.x-k8s.io',
  BeforeClusterUpgradeHook: 'before-upgrade.hook.cluster.cluster.x-k8s.io',
} as const;

/** Values of the `machineset.cluster.x-k8s.io/skip-preflight-checks` annotation (comma-separated). */
export const MachineSetPreflightCheck = {
  All: 'All',
  KubeadmVersionSkew: 'KubeadmVersionSkew',
  KubernetesVersionSkew: 'KubernetesVersionSkew',
  ControlPlaneIsStable: 'ControlPlaneIsStable',
  ControlPlaneVersionSkew: 'ControlPlaneVersionSkew',
} as const;

// ---------------------------------------------------------------------------------------------------------
// Finalizers

export const Finalizer = {
  Cluster: 'cluster.cluster.x-k8s.io',
  Machine: 'machine.cluster.x-k8s.io',
  MachineSet: 'cluster.x-k8s.io/machineset',
  MachineSetTopology: 'machineset.topology.cluster.x-k8s.io',
  MachineDeployment: 'cluster.x-k8s.io/machinedeployment',
  MachineDeploymentTopology: 'machinedeployment.topology.cluster.x-k8s.io',
  MachinePool: 'machinepool.cluster.x-k8s.io',
} as const;

// ---------------------------------------------------------------------------------------------------------
// Secrets

/** The type of Secrets Cluster API controllers create; user-supplied certificates have other types. */
export const CLUSTER_SECRET_TYPE = 'cluster.x-k8s.io/secret';

/** The suffixes of a cluster's Secrets: `<cluster>-<purpose>`. */
export const SecretPurpose = {
  Kubeconfig: 'kubeconfig',
  ClusterCA: 'ca',
  EtcdCA: 'etcd',
  FrontProxyCA: 'proxy',
  ServiceAccount: 'sa',
  APIServerEtcdClient: 'apiserver-etcd-client',
} as const;
export type SecretPurpose = (typeof SecretPurpose)[keyof typeof SecretPurpose];

/** Keys of the data in those Secrets. */
export const SecretDataKey = {
  /** The kubeconfig in `<cluster>-kubeconfig`, and the bootstrap data in bootstrap Secrets. */
  Value: 'value',
  /** The bootstrap data format (cloud-config or ignition) in bootstrap Secrets. */
  Format: 'format',
  TLSCrt: 'tls.crt',
  TLSKey: 'tls.key',
} as const;

export const secretName = (clusterName: string, purpose: SecretPurpose): string =>
  `${clusterName}-${purpose}`;
export const kubeconfigSecretName = (clusterName: string): string =>
  secretName(clusterName, SecretPurpose.Kubeconfig);
export const clusterCASecretName = (clusterName: string): string =>
  secretName(clusterName, SecretPurpose.ClusterCA);
export const etcdCASecretName = (clusterName: string): string =>
  secretName(clusterName, SecretPurpose.EtcdCA);
export const frontProxyCASecretName = (clusterName: string): string =>
  secretName(clusterName, SecretPurpose.FrontProxyCA);
export const serviceAccountSecretName = (clusterName: string): string =>
  secretName(clusterName, SecretPurpose.ServiceAccount);

// ---------------------------------------------------------------------------------------------------------
// Taints

export const Taint = {
  /** Put on Nodes at join by the bootstrap provider; removed once Machine labels are on the Node. */
  NodeUninitialized: { key: 'node.cluster.x-k8s.io/uninitialized', effect: 'NoSchedule' },
  /** Put on Nodes of outdated MachineSets during rollouts, so Pods do not land where they will be evicted. */
  NodeOutdatedRevision: { key: 'node.cluster.x-k8s.io/outdated-revision', effect: 'PreferNoSchedule' },
} as const;

// ---------------------------------------------------------------------------------------------------------
// Condition types and reasons (status.conditions, metav1.Condition). Per kind, keys follow upstream's Go
// constant names without the kind prefix and the Condition/Reason suffix, so both are easy to find.

export const CommonCondition = {
  Available: 'Available',
  Ready: 'Ready',
  BootstrapConfigReady: 'BootstrapConfigReady',
  InfrastructureReady: 'InfrastructureReady',
  MachinesReady: 'MachinesReady',
  MachinesUpToDate: 'MachinesUpToDate',
  RollingOut: 'RollingOut',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Remediating: 'Remediating',
  Deleting: 'Deleting',
  Paused: 'Paused',
} as const;

export const CommonReason = {
  Available: 'Available',
  NotAvailable: 'NotAvailable',
  AvailableUnknown: 'AvailableUnknown',
  Ready: 'Ready',
  NotReady: 'NotReady',
  ReadyUnknown: 'ReadyUnknown',
  UpToDate: 'UpToDate',
  NotUpToDate: 'NotUpToDate',
  UpToDateUnknown: 'UpToDateUnknown',
  RollingOut: 'RollingOut',
  NotRollingOut: 'NotRollingOut',
  ScalingUp: 'ScalingUp',
  NotScalingUp: 'NotScalingUp',
  ScalingDown: 'ScalingDown',
  NotScalingDown: 'NotScalingDown',
  Remediating: 'Remediating',
  NotRemediating: 'NotRemediating',
  NoReplicas: 'NoReplicas',
  WaitingForReplicasSet: 'WaitingForReplicasSet',
  InvalidConditionReported: 'InvalidConditionReported',
  InternalError: 'InternalError',
  ObjectDoesNotExist: 'ObjectDoesNotExist',
  ObjectDeleted: 'ObjectDeleted',
  NotPaused: 'NotPaused',
  Paused: 'Paused',
  ConnectionDown: 'ConnectionDown',
  NotDeleting: 'NotDeleting',
  Deleting: 'Deleting',
  DeletionCompleted: 'DeletionCompleted',
  InspectionFailed: 'InspectionFailed',
  WaitingForClusterInfrastructureReady: 'WaitingForClusterInfrastructureReady',
  WaitingForControlPlaneInitialized: 'WaitingForControlPlaneInitialized',
  WaitingForBootstrapData: 'WaitingForBootstrapData',
  Provisioned: 'Provisioned',
  NotProvisioned: 'NotProvisioned',
} as const;

export const ClusterCondition = {
  Available: 'Available',
  TopologyReconciled: 'TopologyReconciled',
  InfrastructureReady: 'InfrastructureReady',
  ControlPlaneInitialized: 'ControlPlaneInitialized',
  ControlPlaneAvailable: 'ControlPlaneAvailable',
  WorkersAvailable: 'WorkersAvailable',
  ControlPlaneMachinesReady: 'ControlPlaneMachinesReady',
  WorkerMachinesReady: 'WorkerMachinesReady',
  ControlPlaneMachinesUpToDate: 'ControlPlaneMachinesUpToDate',
  WorkerMachinesUpToDate: 'WorkerMachinesUpToDate',
  RemoteConnectionProbe: 'RemoteConnectionProbe',
  RollingOut: 'RollingOut',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Remediating: 'Remediating',
  Deleting: 'Deleting',
  Paused: 'Paused',
} as const;

export const ClusterReason = {
  Available: 'Available',
  NotAvailable: 'NotAvailable',
  AvailableUnknown: 'AvailableUnknown',
  AvailableInternalError: 'InternalError',
  TopologyReconcileSucceeded: 'ReconcileSucceeded',
  TopologyReconciledFailed: 'ReconcileFailed',
  TopologyReconciledClusterCreating: 'ClusterCreating',
  TopologyReconciledControlPlaneUpgradePending: 'ControlPlaneUpgradePending',
  TopologyReconciledMachineDeploymentsCreatePending: 'MachineDeploymentsCreatePending',
  TopologyReconciledMachineDeploymentsUpgradePending: 'MachineDeploymentsUpgradePending',
  TopologyReconciledMachineDeploymentsUpgradeDeferred: 'MachineDeploymentsUpgradeDeferred',
  TopologyReconciledMachinePoolsUpgradePending: 'MachinePoolsUpgradePending',
  TopologyReconciledMachinePoolsCreatePending: 'MachinePoolsCreatePending',
  TopologyReconciledMachinePoolsUpgradeDeferred: 'MachinePoolsUpgradeDeferred',
  TopologyReconciledHookBlocking: 'LifecycleHookBlocking',
  TopologyReconciledClusterUpgrading: 'ClusterUpgrading',
  TopologyReconciledClusterClassNotReconciled: 'ClusterClassNotReconciled',
  TopologyReconciledDeleting: 'Deleting',
  TopologyReconcilePaused: 'Paused',
  InfrastructureReady: 'Ready',
  InfrastructureNotReady: 'NotReady',
  InfrastructureInvalidConditionReported: 'InvalidConditionReported',
  InfrastructureInternalError: 'InternalError',
  InfrastructureDoesNotExist: 'ObjectDoesNotExist',
  InfrastructureDeleted: 'ObjectDeleted',
  ControlPlaneInitialized: 'Initialized',
  ControlPlaneNotInitialized: 'NotInitialized',
  ControlPlaneInitializedInternalError: 'InternalError',
  ControlPlaneAvailable: 'Available',
  ControlPlaneNotAvailable: 'NotAvailable',
  ControlPlaneInvalidConditionReported: 'InvalidConditionReported',
  ControlPlaneInternalError: 'InternalError',
  ControlPlaneDoesNotExist: 'ObjectDoesNotExist',
  ControlPlaneDeleted: 'ObjectDeleted',
  WorkersAvailable: 'Available',
  WorkersNotAvailable: 'NotAvailable',
  WorkersAvailableUnknown: 'AvailableUnknown',
  WorkersAvailableNoWorkers: 'NoWorkers',
  WorkersAvailableInternalError: 'InternalError',
  ControlPlaneMachinesReady: 'Ready',
  ControlPlaneMachinesNotReady: 'NotReady',
  ControlPlaneMachinesReadyUnknown: 'ReadyUnknown',
  ControlPlaneMachinesReadyNoReplicas: 'NoReplicas',
  ControlPlaneMachinesReadyInternalError: 'InternalError',
  WorkerMachinesReady: 'Ready',
  WorkerMachinesNotReady: 'NotReady',
  WorkerMachinesReadyUnknown: 'ReadyUnknown',
  WorkerMachinesReadyNoReplicas: 'NoReplicas',
  WorkerMachinesReadyInternalError: 'InternalError',
  ControlPlaneMachinesUpToDate: 'UpToDate',
  ControlPlaneMachinesNotUpToDate: 'NotUpToDate',
  ControlPlaneMachinesUpToDateUnknown: 'UpToDateUnknown',
  ControlPlaneMachinesUpToDateNoReplicas: 'NoReplicas',
  ControlPlaneMachinesUpToDateInternalError: 'InternalError',
  WorkerMachinesUpToDate: 'UpToDate',
  WorkerMachinesNotUpToDate: 'NotUpToDate',
  WorkerMachinesUpToDateUnknown: 'UpToDateUnknown',
  WorkerMachinesUpToDateNoReplicas: 'NoReplicas',
  WorkerMachinesUpToDateInternalError: 'InternalError',
  RemoteConnectionProbeFailed: 'ProbeFailed',
  RemoteConnectionProbeSucceeded: 'ProbeSucceeded',
  RollingOut: 'RollingOut',
  NotRollingOut: 'NotRollingOut',
  RollingOutUnknown: 'RollingOutUnknown',
  RollingOutInternalError: 'InternalError',
  ScalingUp: 'ScalingUp',
  NotScalingUp: 'NotScalingUp',
  ScalingUpUnknown: 'ScalingUpUnknown',
  ScalingUpInternalError: 'InternalError',
  ScalingDown: 'ScalingDown',
  NotScalingDown: 'NotScalingDown',
  ScalingDownUnknown: 'ScalingDownUnknown',
  ScalingDownInternalError: 'InternalError',
  Remediating: 'Remediating',
  NotRemediating: 'NotRemediating',
  RemediatingInternalError: 'InternalError',
  NotDeleting: 'NotDeleting',
  DeletingWaitingForBeforeDeleteHook: 'WaitingForBeforeDeleteHook',
  DeletingWaitingForWorkersDeletion: 'WaitingForWorkersDeletion',
  DeletingWaitingForControlPlaneDeletion: 'WaitingForControlPlaneDeletion',
  DeletingWaitingForInfrastructureDeletion: 'WaitingForInfrastructureDeletion',
  DeletingDeletionCompleted: 'DeletionCompleted',
  DeletingInternalError: 'InternalError',
} as const;

export const ClusterClassCondition = {
  VariablesReady: 'VariablesReady',
  RefVersionsUpToDate: 'RefVersionsUpToDate',
  Paused: 'Paused',
} as const;

export const ClusterClassReason = {
  VariablesReady: 'VariablesReady',
  VariablesReadyVariableDiscoveryFailed: 'VariableDiscoveryFailed',
  RefVersionsUpToDate: 'RefVersionsUpToDate',
  RefVersionsNotUpToDate: 'RefVersionsNotUpToDate',
  RefVersionsUpToDateInternalError: 'InternalError',
} as const;

export const MachineCondition = {
  Available: 'Available',
  Ready: 'Ready',
  UpToDate: 'UpToDate',
  Updating: 'Updating',
  BootstrapConfigReady: 'BootstrapConfigReady',
  InfrastructureReady: 'InfrastructureReady',
  NodeHealthy: 'NodeHealthy',
  NodeReady: 'NodeReady',
  HealthCheckSucceeded: 'HealthCheckSucceeded',
  OwnerRemediated: 'OwnerRemediated',
  ExternallyRemediated: 'ExternallyRemediated',
  Deleting: 'Deleting',
  Paused: 'Paused',
} as const;

export const MachineReason = {
  WaitingForMinReadySeconds: 'WaitingForMinReadySeconds',
  Available: 'Available',
  AvailableInternalError: 'InternalError',
  Ready: 'Ready',
  NotReady: 'NotReady',
  ReadyUnknown: 'ReadyUnknown',
  ReadyInternalError: 'InternalError',
  UpToDate: 'UpToDate',
  NotUpToDate: 'NotUpToDate',
  UpToDateUpdating: 'Updating',
  NotUpdating: 'NotUpdating',
  InPlaceUpdating: 'InPlaceUpdating',
  InPlaceUpdateFailed: 'InPlaceUpdateFailed',
  BootstrapDataSecretProvided: 'DataSecretProvided',
  BootstrapConfigReady: 'Ready',
  BootstrapConfigNotReady: 'NotReady',
  BootstrapConfigInvalidConditionReported: 'InvalidConditionReported',
  BootstrapConfigInternalError: 'InternalError',
  BootstrapConfigDoesNotExist: 'ObjectDoesNotExist',
  BootstrapConfigDeleted: 'ObjectDeleted',
  InfrastructureReady: 'Ready',
  InfrastructureNotReady: 'NotReady',
  InfrastructureInvalidConditionReported: 'InvalidConditionReported',
  InfrastructureInternalError: 'InternalError',
  InfrastructureDoesNotExist: 'ObjectDoesNotExist',
  InfrastructureDeleted: 'ObjectDeleted',
  NodeReady: 'NodeReady',
  NodeNotReady: 'NodeNotReady',
  NodeReadyUnknown: 'NodeReadyUnknown',
  NodeHealthy: 'NodeHealthy',
  NodeNotHealthy: 'NodeNotHealthy',
  NodeHealthUnknown: 'NodeHealthyUnknown',
  NodeInternalError: 'InternalError',
  NodeDoesNotExist: 'NodeDoesNotExist',
  NodeDeleted: 'NodeDeleted',
  NodeInspectionFailed: 'InspectionFailed',
  NodeConnectionDown: 'ConnectionDown',
  HealthCheckSucceeded: 'HealthCheckSucceeded',
  HealthCheckUnhealthyNode: 'UnhealthyNode',
  HealthCheckUnhealthyMachine: 'UnhealthyMachine',
  HealthCheckNodeStartupTimeout: 'NodeStartupTimeout',
  HealthCheckNodeDeleted: 'NodeDeleted',
  HealthCheckHasRemediateAnnotation: 'HasRemediateAnnotation',
  OwnerRemediatedWaitingForRemediation: 'WaitingForRemediation',
  ExternallyRemediatedWaitingForRemediation: 'WaitingForRemediation',
  ExternallyRemediatedRemediationTemplateNotFound: 'RemediationTemplateNotFound',
  ExternallyRemediatedRemediationRequestCreationFailed: 'RemediationRequestCreationFailed',
  NotDeleting: 'NotDeleting',
  Deleting: 'Deleting',
  DeletingInternalError: 'InternalError',
  DeletingWaitingForPreDrainHook: 'WaitingForPreDrainHook',
  DeletingDrainingNode: 'DrainingNode',
  DeletingWaitingForVolumeDetach: 'WaitingForVolumeDetach',
  DeletingWaitingForPreTerminateHook: 'WaitingForPreTerminateHook',
  DeletingWaitingForInfrastructureDeletion: 'WaitingForInfrastructureDeletion',
  DeletingWaitingForBootstrapDeletion: 'WaitingForBootstrapDeletion',
  DeletingDeletingNode: 'DeletingNode',
  DeletingDeletionCompleted: 'DeletionCompleted',
} as const;

export const MachineDeploymentCondition = {
  Available: 'Available',
  MachinesReady: 'MachinesReady',
  MachinesUpToDate: 'MachinesUpToDate',
  RollingOut: 'RollingOut',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Remediating: 'Remediating',
  Deleting: 'Deleting',
  Paused: 'Paused',
} as const;

export const MachineDeploymentReason = {
  AvailableWaitingForReplicasSet: 'WaitingForReplicasSet',
  AvailableWaitingForAvailableReplicasSet: 'WaitingForAvailableReplicasSet',
  Available: 'Available',
  NotAvailable: 'NotAvailable',
  AvailableInternalError: 'InternalError',
  MachinesReady: 'Ready',
  MachinesNotReady: 'NotReady',
  MachinesReadyUnknown: 'ReadyUnknown',
  MachinesReadyNoReplicas: 'NoReplicas',
  MachinesReadyInternalError: 'InternalError',
  MachinesUpToDate: 'UpToDate',
  MachinesNotUpToDate: 'NotUpToDate',
  MachinesUpToDateUnknown: 'UpToDateUnknown',
  MachinesUpToDateNoReplicas: 'NoReplicas',
  MachinesUpToDateInternalError: 'InternalError',
  RollingOut: 'RollingOut',
  NotRollingOut: 'NotRollingOut',
  RollingOutInternalError: 'InternalError',
  ScalingUp: 'ScalingUp',
  NotScalingUp: 'NotScalingUp',
  ScalingUpInternalError: 'InternalError',
  ScalingUpWaitingForReplicasSet: 'WaitingForReplicasSet',
  ScalingDown: 'ScalingDown',
  NotScalingDown: 'NotScalingDown',
  ScalingDownInternalError: 'InternalError',
  ScalingDownWaitingForReplicasSet: 'WaitingForReplicasSet',
  Remediating: 'Remediating',
  NotRemediating: 'NotRemediating',
  RemediatingInternalError: 'InternalError',
  NotDeleting: 'NotDeleting',
  Deleting: 'Deleting',
  DeletingInternalError: 'InternalError',
} as const;

export const MachineHealthCheckCondition = {
  RemediationAllowed: 'RemediationAllowed',
  Paused: 'Paused',
} as const;

export const MachineHealthCheckReason = {
  TooManyUnhealthy: 'TooManyUnhealthy',
  RemediationAllowed: 'RemediationAllowed',
} as const;

export const MachinePoolCondition = {
  Available: 'Available',
  BootstrapConfigReady: 'BootstrapConfigReady',
  InfrastructureReady: 'InfrastructureReady',
  MachinesReady: 'MachinesReady',
  MachinesUpToDate: 'MachinesUpToDate',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Remediating: 'Remediating',
  Deleting: 'Deleting',
  Paused: 'Paused',
} as const;

export const MachineSetCondition = {
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  MachinesReady: 'MachinesReady',
  MachinesUpToDate: 'MachinesUpToDate',
  Remediating: 'Remediating',
  Deleting: 'Deleting',
  Paused: 'Paused',
} as const;

export const MachineSetReason = {
  ScalingUp: 'ScalingUp',
  NotScalingUp: 'NotScalingUp',
  ScalingUpInternalError: 'InternalError',
  ScalingUpWaitingForReplicasSet: 'WaitingForReplicasSet',
  ScalingDown: 'ScalingDown',
  NotScalingDown: 'NotScalingDown',
  ScalingDownInternalError: 'InternalError',
  ScalingDownWaitingForReplicasSet: 'WaitingForReplicasSet',
  MachinesReady: 'Ready',
  MachinesNotReady: 'NotReady',
  MachinesReadyUnknown: 'ReadyUnknown',
  MachinesReadyNoReplicas: 'NoReplicas',
  MachinesReadyInternalError: 'InternalError',
  MachinesUpToDate: 'UpToDate',
  MachinesNotUpToDate: 'NotUpToDate',
  MachinesUpToDateUnknown: 'UpToDateUnknown',
  MachinesUpToDateNoReplicas: 'NoReplicas',
  MachinesUpToDateInternalError: 'InternalError',
  Remediating: 'Remediating',
  NotRemediating: 'NotRemediating',
  RemediatingInternalError: 'InternalError',
  MachineCannotBeRemediated: 'CannotBeRemediated',
  MachineRemediationDeferred: 'RemediationDeferred',
  MachineRemediationMachineDeleting: 'MachineDeleting',
  NotDeleting: 'NotDeleting',
  Deleting: 'Deleting',
  DeletingInternalError: 'InternalError',
} as const;
