// Upgrade sequencing of a Cluster with managed topology: which version the control plane and each
// MachineDeployment get in this reconcile. Upstream: exp/topology/desiredstate desired_state.go
// (computeControlPlaneVersion, computeMachineDeploymentVersion, isMachineDeploymentDeferred), the UpgradeTracker
// (exp/topology/scope/upgradetracker.go) and internal/topology/check/upgrade.go. Lifecycle hooks are not modelled.
import { Annotation } from '../../api/v1beta2/well-known.js';
import { compareVersions } from '../../api/version.js';
import { UpgradePlanError } from './errors.js';
import {
  CLUSTER_VERSION,
  CONTROL_PLANE_VERSION,
  computeUpgradePlans,
  parseVersion,
  type UpgradePlans,
} from './upgrade-plan.js';

export interface ControlPlaneUpgradeState {
  /** False: the control plane is still to be created. */
  exists: boolean;
  /** The control plane `spec.version`. */
  specVersion?: string | undefined;
  /** `status.version` (unset while provisioning: the first machine is not up yet). */
  statusVersion?: string | undefined;
  /**
   * `status.versions[].version` of a v1beta2-contract control plane, oldest first; when non-empty it is used
   * instead of `statusVersion` (as upstream's contract accessors do).
   */
  statusVersions?: readonly string[] | undefined;
  /**
   * From the contract (replicas / readyReplicas / upToDateReplicas / availableReplicas vs spec.replicas).
   * Informational: upstream stopped holding upgrades back while the control plane scales (#11927, v1.10), because
   * a control plane that cannot finish scaling (e.g. it needs the new version to) would deadlock.
   */
  isScaling: boolean;
  /** All control plane Machines run `spec.version`; `false` counts as upgrading (what `status.versions` says). */
  machinesUpToDate?: boolean | undefined;
  /** The control plane kind, for messages (`KubeadmControlPlane`); default `ControlPlane`. */
  kind?: string | undefined;
}

export interface MachineDeploymentUpgradeState {
  /** The name in `spec.topology.workers.machineDeployments`; the input lists them in that order. */
  topologyName: string;
  /** False: still to be created. */
  exists: boolean;
  /** The MachineDeployment's `metadata.name`, for messages (upstream names objects there); default topologyName. */
  name?: string | undefined;
  /** `spec.template.spec.version`. */
  specVersion?: string | undefined;
  /** `spec.version` of each Machine it owns (through its MachineSets). */
  machineVersions: readonly string[];
  /** `status.nodeInfo.kubeletVersion` of those Machines, where reported (catches in-place upgrades). */
  kubeletVersions?: readonly string[] | undefined;
  /** The topology's `metadata.annotations` (where defer-upgrade / hold-upgrade-sequence live). */
  annotations: Readonly<Record<string, string>>;
  /** Informational; upgrading is decided from the Machines' versions, as upstream does. */
  isRollingOut?: boolean | undefined;
}

export interface UpgradeInput {
  /** Cluster `spec.topology.version`. */
  topologyVersion: string;
  /** Cluster `metadata.annotations` (`topology.cluster.x-k8s.io/upgrade-concurrency`). */
  clusterAnnotations: Readonly<Record<string, string>>;
  /** ClusterClass `spec.kubernetesVersions`; absent or empty: upgrades go one minor at a time. */
  kubernetesVersions?: readonly string[] | undefined;
  controlPlane: ControlPlaneUpgradeState;
  machineDeployments: readonly MachineDeploymentUpgradeState[];
}

export interface ControlPlaneUpgradeDecision {
  /** Its `spec.version` is not the topology version and it does not move in this reconcile. */
  isPendingUpgrade: boolean;
  /** It is finishing a version change (`status.version(s)` behind `spec.version`). */
  isUpgrading: boolean;
  /** It is being created: no `status.version(s)` yet. */
  isProvisioning: boolean;
  /** It takes the next version of the plan in this reconcile. */
  isStartingUpgrade: boolean;
  /** It waits at its version for workers to catch up (version skew, or the last step). */
  isWaitingForWorkersUpgrade: boolean;
}

export interface MachineDeploymentsUpgradeDecision {
  /**
   * Topology names, in topology order, of MachineDeployments whose Machines are not all on their version, or
   * that take a new version now. They count against the upgrade concurrency and hold the control plane back.
   */
  upgrading: string[];
  /**
   * Not moving to their next version in this reconcile. Upstream does not reconcile these at all (only their
   * MachineHealthCheck), so other template changes wait for the version change and roll out once.
   */
  pendingUpgrade: string[];
  /** Held by defer-upgrade / hold-upgrade-sequence; also in `pendingUpgrade`. */
  deferred: string[];
  /** New topologies not created in this reconcile, because the control plane is not stable. */
  pendingCreate: string[];
  /** topologyName -> `metadata.name`, where known (the condition message names objects). */
  objectNames: Map<string, string>;
}

export interface UpgradeDecision {
  /** What to set as the control plane `spec.version` now. */
  controlPlaneVersion: string;
  /** topologyName -> the version to set now, new MachineDeployments included. */
  machineDeploymentVersions: Map<string, string>;
  /**
   * Versions still to go through, for `Cluster.status.controlPlane.upgradePlan` / `status.workers.upgradePlan`.
   * Computed from the state before this reconcile (as upstream): in the reconcile that starts a step, that step is
   * still the first entry. The workers plan keeps a version until every MachineDeployment reached it, and is
   * empty without existing MachineDeployments.
   */
  upgradePlan: { controlPlane: string[]; workers: string[] };
  controlPlane: ControlPlaneUpgradeDecision;
  machineDeployments: MachineDeploymentsUpgradeDecision;
  /** For messages. */
  controlPlaneKind: string;
  /** The oldest MachineDeployment version (`v`-prefixed); undefined without versioned MachineDeployments. */
  minWorkersVersion?: string;
  /**
   * The value of the Cluster annotation `topology.internal.cluster.x-k8s.io/upgrade-step` (the step the control
   * plane is on, which lets the MachineSet and KubeadmControlPlane preflight checks create Machines at an
   * intermediate version) while an upgrade plan is non-empty; undefined: remove the annotation.
   */
  upgradeStep?: string;
}

/** `topology.cluster.x-k8s.io/upgrade-concurrency` as Go's strconv.Atoi reads it; anything invalid or below 1 is 1. */
export function upgradeConcurrency(annotations: Readonly<Record<string, string>>): number {
  const value = annotations[Annotation.ClusterTopologyUpgradeConcurrency];
  if (value === undefined || !/^[+-]?[0-9]+$/.test(value)) return 1;
  const n = Number(value);
  return n >= 1 ? n : 1;
}

/**
 * Whether a MachineDeployment's upgrade is deferred: it carries defer-upgrade or hold-upgrade-sequence, or a
 * MachineDeployment before it in the topology carries hold-upgrade-sequence. Any value counts, even empty.
 */
export function isUpgradeDeferred(
  machineDeployments: readonly MachineDeploymentUpgradeState[],
  topologyName: string,
): boolean {
  for (const md of machineDeployments) {
    const own = md.topologyName === topologyName;
    if (own && Object.hasOwn(md.annotations, Annotation.ClusterTopologyDeferUpgrade)) return true;
    if (Object.hasOwn(md.annotations, Annotation.ClusterTopologyHoldUpgradeSequence)) return true;
    if (own) return false;
  }
  return false;
}

/**
 * A MachineDeployment is upgrading while any of its Machines (or their kubelets) is not on its spec version.
 * Compared as text, like upstream; without a spec version it cannot tell and says no.
 */
export function isMachineDeploymentUpgrading(md: MachineDeploymentUpgradeState): boolean {
  const version = md.specVersion;
  if (version === undefined || version === '') return false;
  const name = md.name ?? md.topologyName;
  for (const machineVersion of md.machineVersions) {
    if (machineVersion === '') {
      throw new UpgradePlanError(
        `failed to check if MachineDeployment ${name} is upgrading: one of its Machines has no version`,
      );
    }
    if (machineVersion !== version) return true;
  }
  return (md.kubeletVersions ?? []).some((kubelet) => kubelet !== '' && kubelet !== version);
}

/** The version the control plane reports: the oldest `status.versions` entry, else `status.version`. */
const currentStatusVersion = (cp: ControlPlaneUpgradeState): string | undefined =>
  cp.statusVersions !== undefined && cp.statusVersions.length > 0 ? cp.statusVersions[0] : cp.statusVersion;

/**
 * Upgrading: a reported version is behind `spec.version` (or differs only in build tags). Not upgrading while
 * nothing is reported (the first machine is still provisioning).
 */
function isControlPlaneUpgrading(cp: ControlPlaneUpgradeState, specVersion: string): boolean {
  if (cp.machinesUpToDate === false) return true;
  const spec = parseVersion(specVersion, 'ControlPlane', CONTROL_PLANE_VERSION);
  const reported =
    cp.statusVersions !== undefined && cp.statusVersions.length > 0
      ? cp.statusVersions
      : cp.statusVersion
        ? [cp.statusVersion]
        : [];
  return reported.some(
    (v) =>
      compareVersions(spec, parseVersion(v, 'ControlPlane', 'ControlPlane status version'), {
        withBuildTags: true,
      }) >= 1,
  );
}

export function decideUpgrade(input: UpgradeInput): UpgradeDecision {
  const { topologyVersion, machineDeployments } = input;
  const cp = input.controlPlane;
  parseVersion(topologyVersion, 'Cluster', CLUSTER_VERSION);

  const upgrading = new Set<string>();
  const pendingUpgrade = new Set<string>();
  const deferred = new Set<string>();
  const pendingCreate = new Set<string>();
  const objectNames = new Map<string, string>();
  for (const md of machineDeployments) {
    if (md.exists && md.name !== undefined) objectNames.set(md.topologyName, md.name);
  }

  // Without a control plane there is nothing to upgrade: everything is created at the topology version.
  let plans: UpgradePlans = { controlPlane: [], workers: [] };
  const specVersion = cp.specVersion ?? '';
  if (cp.exists) {
    if (specVersion === '') {
      throw new UpgradePlanError(
        'failed to get the version from control plane spec: spec.version is not set',
      );
    }
    // Without versioned MachineDeployments the workers plan is empty.
    plans = computeUpgradePlans({
      topologyVersion,
      controlPlaneVersion: specVersion,
      workers: machineDeployments
        .filter((md) => md.exists && md.specVersion !== undefined && md.specVersion !== '')
        .map((md) => ({ name: md.name ?? md.topologyName, version: md.specVersion ?? '' })),
      kubernetesVersions: input.kubernetesVersions,
    });
  }

  for (const md of machineDeployments) {
    if (md.exists && isMachineDeploymentUpgrading(md)) upgrading.add(md.topologyName);
  }

  const state: ControlPlaneUpgradeDecision = {
    isPendingUpgrade: false,
    isUpgrading: false,
    isProvisioning: false,
    isStartingUpgrade: false,
    isWaitingForWorkersUpgrade: false,
  };
  const controlPlaneVersion = cp.exists
    ? decideControlPlaneVersion({
        cp,
        specVersion,
        topologyVersion,
        plans,
        state,
        mdUpgrading: upgrading.size > 0,
      })
    : topologyVersion;

  const stable =
    !state.isProvisioning && !state.isUpgrading && !state.isStartingUpgrade && !state.isPendingUpgrade;
  const stableOrWaitingForWorkers =
    !state.isProvisioning &&
    !state.isUpgrading &&
    !state.isStartingUpgrade &&
    (!state.isPendingUpgrade || state.isWaitingForWorkersUpgrade);
  const concurrency = upgradeConcurrency(input.clusterAnnotations);

  const machineDeploymentVersions = new Map<string, string>();
  for (const md of machineDeployments) {
    const name = md.topologyName;
    const version = (() => {
      // New MachineDeployments wait for a stable control plane: joining while control plane machines are
      // replaced can fail (load balancers slow to notice removed members).
      if (!md.exists) {
        if (!stable) pendingCreate.add(name);
        return topologyVersion;
      }
      const current = md.specVersion ?? '';
      if (current === topologyVersion) return current;
      if (isUpgradeDeferred(machineDeployments, name)) {
        deferred.add(name);
        pendingUpgrade.add(name);
        return current;
      }
      if (upgrading.size >= concurrency || !stableOrWaitingForWorkers) {
        pendingUpgrade.add(name);
        return current;
      }
      const next = plans.workers[0];
      if (next === undefined) {
        throw new UpgradePlanError(
          `cannot compute the version of MachineDeployment ${md.name ?? name}: it is pending upgrade and the ` +
            'workers upgrade plan is not set',
        );
      }
      // Already at the version the workers plan starts with: wait for the control plane to take the next one.
      if (next === current) {
        pendingUpgrade.add(name);
        return current;
      }
      upgrading.add(name);
      return next;
    })();
    machineDeploymentVersions.set(name, version);
  }

  const inOrder = (set: Set<string>): string[] =>
    machineDeployments.map((md) => md.topologyName).filter((n) => set.has(n));
  const decision: UpgradeDecision = {
    controlPlaneVersion,
    machineDeploymentVersions,
    upgradePlan: { controlPlane: plans.controlPlane, workers: plans.workers },
    controlPlane: state,
    machineDeployments: {
      upgrading: inOrder(upgrading),
      pendingUpgrade: inOrder(pendingUpgrade),
      deferred: inOrder(deferred),
      pendingCreate: inOrder(pendingCreate),
      objectNames,
    },
    controlPlaneKind: cp.kind ?? 'ControlPlane',
  };
  if (plans.minWorkersVersion !== undefined) decision.minWorkersVersion = plans.minWorkersVersion;
  if (plans.controlPlane.length > 0 || plans.workers.length > 0) decision.upgradeStep = controlPlaneVersion;
  return decision;
}

interface ControlPlaneVersionInput {
  cp: ControlPlaneUpgradeState;
  specVersion: string;
  topologyVersion: string;
  plans: UpgradePlans;
  /** Records why the control plane moves or waits. */
  state: ControlPlaneUpgradeDecision;
  /** Some MachineDeployment's Machines are not on its version yet. */
  mdUpgrading: boolean;
}

/** The control plane takes the next step only when it and every MachineDeployment are done with the last one. */
function decideControlPlaneVersion(input: ControlPlaneVersionInput): string {
  const { cp, specVersion, topologyVersion, plans, state } = input;
  // Text comparison, as upstream: `1.31.0` against `v1.31.0` is still pending (and then fails for lack of a plan).
  state.isPendingUpgrade = specVersion !== topologyVersion;

  const reported = currentStatusVersion(cp);
  if (reported === undefined || reported === '') {
    state.isProvisioning = true;
    return specVersion;
  }
  if (isControlPlaneUpgrading(cp, specVersion)) {
    state.isUpgrading = true;
    return specVersion;
  }
  // Workers must reach this version first (version skew, or the end of the plan).
  if (plans.workers[0] === specVersion) {
    state.isWaitingForWorkersUpgrade = true;
    return specVersion;
  }
  if (input.mdUpgrading) return specVersion;
  if (!state.isPendingUpgrade) return specVersion;

  const next = plans.controlPlane[0];
  if (next === undefined) {
    throw new UpgradePlanError(
      `cannot compute the control plane version: it is pending upgrade from ${specVersion} to ${topologyVersion} ` +
        'and the upgrade plan is not set',
    );
  }
  state.isStartingUpgrade = true;
  state.isPendingUpgrade = false;
  return next;
}
