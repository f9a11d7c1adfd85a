/**
 * The Cluster API feature gates that admission consults. Upstream keeps one process-wide set
 * (`feature.Gates`) that core and every provider read, so here too one set serves all webhooks.
 */
export interface FeatureGates {
  /** Alpha upstream: ClusterClass topologies (Cluster `spec.topology`, the `*Template` kinds of ClusterClasses). */
  ClusterTopology: boolean;
  /** Alpha upstream: KubeadmConfigSpec `format: ignition` and `ignition`. */
  KubeadmBootstrapFormatIgnition: boolean;
  /** Beta upstream: MachinePools. */
  MachinePool: boolean;
  /** Beta upstream: MachineSets wait for the control plane before creating Machines. */
  MachineSetPreflightChecks: boolean;
  /** Alpha upstream: taints on Machines and their templates, propagated to Nodes. */
  MachineTaintPropagation: boolean;
  /** Alpha upstream: Runtime SDK extensions (external ClusterClass patches, lifecycle hooks). */
  RuntimeSDK: boolean;
}

/**
 * Upstream's defaults (`feature/feature.go`), except ClusterTopology: alpha and off upstream, on here because
 * the embedded management plane is built around ClusterClass quick starts.
 */
export const DEFAULT_FEATURE_GATES: Readonly<FeatureGates> = {
  ClusterTopology: true,
  KubeadmBootstrapFormatIgnition: false,
  MachinePool: true,
  MachineSetPreflightChecks: true,
  MachineTaintPropagation: false,
  RuntimeSDK: false,
};

/** What every webhook set takes: the gates that differ from `DEFAULT_FEATURE_GATES`. */
export interface FeatureGateOptions {
  featureGates?: Partial<FeatureGates>;
}

/** The full gate set: each gate as set, else its default. */
export function resolveFeatureGates(gates: Partial<FeatureGates> = {}): FeatureGates {
  const resolved = { ...DEFAULT_FEATURE_GATES };
  for (const gate of Object.keys(resolved) as (keyof FeatureGates)[]) {
    resolved[gate] = gates[gate] ?? resolved[gate];
  }
  return resolved;
}
