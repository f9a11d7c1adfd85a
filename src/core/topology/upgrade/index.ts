// The folder's surface: upgrade sequencing of a Cluster with managed topology.
export {
  decideUpgrade,
  isMachineDeploymentUpgrading,
  isUpgradeDeferred,
  upgradeConcurrency,
  type ControlPlaneUpgradeDecision,
  type ControlPlaneUpgradeState,
  type MachineDeploymentUpgradeState,
  type MachineDeploymentsUpgradeDecision,
  type UpgradeDecision,
  type UpgradeInput,
} from './decide-upgrade.js';
export {
  InvalidVersionError,
  UpgradePlanError,
  isInvalidVersionError,
  isUpgradePlanError,
} from './errors.js';
export { isUpgradeInProgress, nameList, topologyReconciledProgress } from './topology-reconciled-progress.js';
export {
  MAX_WORKER_MINOR_SKEW,
  computeUpgradePlans,
  defaultAndValidateUpgradePlans,
  planFromKubernetesVersions,
  planOneMinor,
  type ComputeUpgradePlansInput,
  type UpgradePlans,
  type ValidateUpgradePlansInput,
  type WorkerVersion,
} from './upgrade-plan.js';
