// The control plane as the KubeadmControlPlane controller sees it during one reconcile (upstream's
// `pkg.ControlPlane`): the KCP, its Cluster, the Machines it owns with their KubeadmConfigs and InfraMachines,
// which Machines are outdated, and what the workload cluster told us about Nodes and etcd. It never talks to
// an API server; the reconciler reads the objects, builds this view, and asks the modules beside it what to do.
import type { Node } from 'kubernetes-types/core/v1.js';
import { type KubeObject, parseApiVersion } from '../../../controller-runtime/api/object.js';
import { getCondition, isFalse, isTrue } from '../../../controller-runtime/conditions/index.js';
import { getControllerOf } from '../../../controller-runtime/helpers/owner-references.js';
import { DEFAULT_FEATURE_GATES, type FeatureGates } from '../../../core/api/feature-gates.js';
import type { Cluster, FailureDomain, Machine } from '../../../core/api/v1beta2/index.js';
import { Annotation, Label, MachineCondition } from '../../../core/api/v1beta2/index.js';
import type { KubeadmConfig } from '../../bootstrap-kubeadm/api/index.js';
import {
  GROUP,
  type KubeadmControlPlane,
  KubeadmControlPlaneMachineConditionType as MachineHealth,
} from '../api/index.js';
import type { EtcdAlarm, EtcdMember } from '../etcd/etcd-client.js';
import { upToDate, type UpToDateResult } from './up-to-date.js';

/** An object as read from the API server: typed, with the metadata every stored object has. */
export type Obj<T> = T & KubeObject;
export type KcpObject = Obj<KubeadmControlPlane>;
export type ClusterObject = Obj<Cluster>;
export type MachineObject = Obj<Machine>;
export type KubeadmConfigObject = Obj<KubeadmConfig>;

export const isDeleting = (obj: { metadata?: { deletionTimestamp?: string } }): boolean =>
  Boolean(obj.metadata?.deletionTimestamp);

/** `status.nodeRef` is set: the Machine has (had) a Node. */
export const hasNode = (m: MachineObject): boolean => Boolean(m.status?.nodeRef?.name);

export const nodeNameOf = (m: MachineObject): string => m.status?.nodeRef?.name ?? '';

export const hasAnnotation = (obj: { metadata?: { annotations?: Record<string, string> } }, key: string) =>
  obj.metadata?.annotations?.[key] !== undefined;

const time = (ts: string | undefined): number => (ts ? Date.parse(ts) || 0 : 0);
export const creationTime = (obj: KubeObject): number => time(obj.metadata.creationTimestamp);

/** Oldest first, names breaking ties (upstream `SortedByCreationTimestamp`). */
export function sortByCreation<T extends KubeObject>(objs: readonly T[]): T[] {
  return [...objs].sort((a, b) => {
    const d = creationTime(a) - creationTime(b);
    if (d !== 0) return d;
    const an = a.metadata.name ?? '';
    const bn = b.metadata.name ?? '';
    return an < bn ? -1 : an > bn ? 1 : 0;
  });
}

export const oldest = <T extends KubeObject>(objs: readonly T[]): T | undefined => sortByCreation(objs)[0];

/** Oldest deletionTimestamp first; Machines not deleting last; names breaking ties. */
export function oldestDeletionTimestamp(machines: readonly MachineObject[]): MachineObject | undefined {
  return [...machines].sort((a, b) => {
    const da = a.metadata.deletionTimestamp;
    const db = b.metadata.deletionTimestamp;
    if (da && db && time(da) !== time(db)) return time(da) - time(db);
    if (da && !db) return -1;
    if (!da && db) return 1;
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  })[0];
}

export const names = (machines: readonly KubeObject[]): string[] =>
  machines.map((m) => m.metadata.name ?? '');

/** Stacked etcd (kubeadm runs it on every control plane Machine) unless `etcd.external` is configured. */
export function isEtcdManaged(kcp: KubeadmControlPlane): boolean {
  const external = kcp.spec.kubeadmConfigSpec?.clusterConfiguration?.etcd?.external;
  return !(external && Object.keys(external).length > 0);
}

/** The label selector of the control plane Machines, as `status.selector` carries it. */
export const controlPlaneSelector = (clusterName: string): string =>
  `${Label.ClusterName}=${clusterName},${Label.ControlPlane}`;

const isControlPlaneMachineOf = (m: MachineObject, clusterName: string): boolean =>
  m.metadata.labels?.[Label.ClusterName] === clusterName &&
  m.metadata.labels?.[Label.ControlPlane] !== undefined;

/** Any owner reference (not only the controller) naming this KubeadmControlPlane, as upstream's `OwnedMachines`. */
const isOwnedBy = (m: MachineObject, kcp: KcpObject): boolean =>
  (m.metadata.ownerReferences ?? []).some(
    (r) =>
      parseApiVersion(r.apiVersion).group === GROUP &&
      r.kind === 'KubeadmControlPlane' &&
      r.name === kcp.metadata.name &&
      (!r.uid || !kcp.metadata.uid || r.uid === kcp.metadata.uid),
  );

export interface ControlPlaneMachines {
  /** Control plane Machines of the Cluster owned by this KubeadmControlPlane. */
  owned: MachineObject[];
  /** Control plane Machines of the Cluster without any controller: to adopt (when the KCP is not deleting). */
  adoptable: MachineObject[];
  /**
   * Control plane Machines of the Cluster owned by someone else: upstream refuses to reconcile then, with
   * `MIXED_MANAGEMENT_MESSAGE`, unless the KCP is deleting.
   */
  foreign: MachineObject[];
}

export const MIXED_MANAGEMENT_MESSAGE =
  'not all control plane machines are owned by this KubeadmControlPlane, refusing to operate in mixed management mode';

/**
 * Sorts the Cluster's Machines into the ones this KCP owns (label `cluster.x-k8s.io/cluster-name` of the
 * Cluster, label `cluster.x-k8s.io/control-plane`, an owner reference to the KCP), the adoptable ones and the
 * ones owned by something else. Worker Machines are ignored.
 */
export function classifyControlPlaneMachines(
  kcp: KcpObject,
  clusterName: string,
  machines: readonly MachineObject[],
): ControlPlaneMachines {
  const result: ControlPlaneMachines = { owned: [], adoptable: [], foreign: [] };
  for (const m of machines) {
    if (!isControlPlaneMachineOf(m, clusterName)) continue;
    if (isOwnedBy(m, kcp)) result.owned.push(m);
    else if (!getControllerOf(m)) result.adoptable.push(m);
    else result.foreign.push(m);
  }
  return result;
}

/** Upstream `collections.IsUnhealthy`: a MachineHealthCheck reports the Machine unhealthy. */
export const isUnhealthy = (m: MachineObject): boolean => isFalse(m, MachineCondition.HealthCheckSucceeded);

/** Unhealthy and left to its owner (this KCP) to remediate. */
export const isUnhealthyAndOwnerRemediated = (m: MachineObject): boolean =>
  isUnhealthy(m) && isFalse(m, MachineCondition.OwnerRemediated);

/** The per-Machine health conditions of the control plane components (etcd ones only with stacked etcd). */
export function controlPlaneHealthConditions(etcdManaged: boolean): string[] {
  const types: string[] = [
    MachineHealth.APIServerPodHealthy,
    MachineHealth.ControllerManagerPodHealthy,
    MachineHealth.SchedulerPodHealthy,
  ];
  if (etcdManaged) types.push(MachineHealth.EtcdPodHealthy, MachineHealth.EtcdMemberHealthy);
  return types;
}

/**
 * Upstream `HasUnhealthyControlPlaneComponents`: one of the component conditions is False. Missing or Unknown
 * ones do not count: they are transient, and preflight checks hold operations for them anyway.
 */
export const hasUnhealthyControlPlaneComponents = (m: MachineObject, etcdManaged: boolean): boolean =>
  controlPlaneHealthConditions(etcdManaged).some((t) => isFalse(m, t));

/** An in-place update is running on the Machine (annotation set by the update machinery). */
export const isUpdateInProgress = (m: MachineObject): boolean =>
  hasAnnotation(m, Annotation.UpdateInProgress);

/** What the workload cluster told this reconcile; set by the reconciler from `workload-conditions.ts`. */
export interface WorkloadFacts {
  /** Nodes of the control plane Machines (upstream `ControlPlane.Nodes`); etcd is reached through them. */
  nodes: Node[];
  /** Listing the control plane Nodes failed: nothing that needs etcd can be done. */
  nodeListError?: string;
  /** The etcd member list; undefined when it could not be read (or etcd is external). */
  etcdMembers?: EtcdMember[];
  etcdAlarms: EtcdAlarm[];
  etcdLeader?: EtcdMember;
  /** Whether etcd members and Machines/Nodes correspond (drives the Available condition). */
  etcdMembersAndMachinesAreMatching: boolean;
}

export interface ControlPlaneInput {
  kcp: KcpObject;
  cluster: ClusterObject;
  /** The Machines this KCP owns (`classifyControlPlaneMachines(...).owned`). */
  machines: readonly MachineObject[];
  /** KubeadmConfigs by Machine name; a Machine without one here never counts as outdated because of it. */
  kubeadmConfigs?: ReadonlyMap<string, KubeadmConfigObject>;
  /** InfraMachines by Machine name; a Machine without one here never counts as outdated because of it. */
  infraMachines?: ReadonlyMap<string, KubeObject>;
  /** Epoch milliseconds of this reconcile: every "now" of the decisions. */
  now: number;
  featureGates?: Partial<FeatureGates>;
  /** The infrastructure template `machineTemplate.spec.infrastructureRef` names does not exist. */
  infraMachineTemplateNotFound?: boolean;
}

/**
 * One reconcile's view of the control plane. Machines are the objects the caller read: conditions the
 * reconciler sets on them (UpToDate, pod and etcd health) are seen by every later decision of the same
 * reconcile, as upstream's in-memory Machines are.
 */
export class ControlPlane {
  readonly kcp: KcpObject;
  readonly cluster: ClusterObject;
  readonly machines: readonly MachineObject[];
  readonly kubeadmConfigs: ReadonlyMap<string, KubeadmConfigObject>;
  readonly infraMachines: ReadonlyMap<string, KubeObject>;
  readonly now: number;
  readonly featureGates: FeatureGates;
  readonly infraMachineTemplateNotFound: boolean;
  /** Why each Machine is (not) up to date, by Machine name. */
  readonly upToDateResults: ReadonlyMap<string, UpToDateResult>;
  /** The source of truth for "outdated" (upstream `MachinesNotUpToDate`), deleting Machines included. */
  readonly machinesNotUpToDate: readonly MachineObject[];
  readonly workload: WorkloadFacts = {
    nodes: [],
    etcdAlarms: [],
    etcdMembersAndMachinesAreMatching: false,
  };

  constructor(input: ControlPlaneInput) {
    this.kcp = input.kcp;
    this.cluster = input.cluster;
    this.machines = input.machines;
    this.kubeadmConfigs = input.kubeadmConfigs ?? new Map();
    this.infraMachines = input.infraMachines ?? new Map();
    this.now = input.now;
    this.featureGates = { ...DEFAULT_FEATURE_GATES, ...input.featureGates };
    this.infraMachineTemplateNotFound = input.infraMachineTemplateNotFound ?? false;
    const results = new Map<string, UpToDateResult>();
    const outdated: MachineObject[] = [];
    for (const m of this.machines) {
      const result = upToDate({
        kcp: this.kcp,
        machine: m,
        kubeadmConfig: this.kubeadmConfigs.get(m.metadata.name ?? ''),
        infraMachine: this.infraMachines.get(m.metadata.name ?? ''),
        now: this.now,
      });
      results.set(m.metadata.name ?? '', result);
      if (!result.upToDate) outdated.push(m);
    }
    this.upToDateResults = results;
    this.machinesNotUpToDate = outdated;
  }

  get isEtcdManaged(): boolean {
    return isEtcdManaged(this.kcp);
  }

  get desiredReplicas(): number | undefined {
    return this.kcp.spec.replicas;
  }

  get initialized(): boolean {
    return this.kcp.status?.initialization?.controlPlaneInitialized === true;
  }

  /** The Cluster's failure domains that accept control plane Machines, in the Cluster's order. */
  failureDomains(): FailureDomain[] {
    return (this.cluster.status?.failureDomains ?? []).filter((fd) => fd.controlPlane === true);
  }

  machine(name: string): MachineObject | undefined {
    return this.machines.find((m) => m.metadata.name === name);
  }

  kubeadmConfig(machineName: string): KubeadmConfigObject | undefined {
    return this.kubeadmConfigs.get(machineName);
  }

  deletingMachines(): MachineObject[] {
    return this.machines.filter(isDeleting);
  }

  hasDeletingMachine(): boolean {
    return this.machines.some(isDeleting);
  }

  isUpToDate(m: MachineObject): boolean {
    return !this.machinesNotUpToDate.includes(m);
  }

  upToDateMachines(): MachineObject[] {
    return this.machines.filter((m) => this.isUpToDate(m));
  }

  /** Outdated Machines not deleting yet: the ones a rollout still has to replace. */
  machinesNeedingRollout(): MachineObject[] {
    return this.machinesNotUpToDate.filter((m) => !isDeleting(m));
  }

  /** Machines with the `cluster.x-k8s.io/delete-machine` annotation, among `machines`. */
  machinesWithDeleteAnnotation(machines: readonly MachineObject[] = this.machines): MachineObject[] {
    return machines.filter((m) => hasAnnotation(m, Annotation.DeleteMachine));
  }

  machinesWithUnhealthyControlPlaneComponents(machines: readonly MachineObject[]): MachineObject[] {
    return machines.filter((m) => hasUnhealthyControlPlaneComponents(m, this.isEtcdManaged));
  }

  /** Marked unhealthy by a MachineHealthCheck, whoever remediates them. */
  unhealthyMachines(): MachineObject[] {
    return this.machines.filter(isUnhealthy);
  }

  /** Healthy, or not watched by any MachineHealthCheck. */
  healthyMachines(): MachineObject[] {
    return this.machines.filter((m) => !isUnhealthy(m));
  }

  machinesToBeRemediatedByKcp(): MachineObject[] {
    return this.machines.filter(isUnhealthyAndOwnerRemediated);
  }

  /** A healthy Machine without a Node yet: the control plane is still in transition. */
  hasHealthyMachineStillProvisioning(): boolean {
    return this.healthyMachines().some((m) => !hasNode(m));
  }

  machinesInFailureDomain(fd: string): MachineObject[] {
    return this.machines.filter((m) => (m.spec.failureDomain ?? '') === fd);
  }

  /** Machines in the middle of an in-place update: KCP waits for them before any rollout or scaling. */
  machinesToCompleteInPlaceUpdate(): MachineObject[] {
    return this.machines.filter(isUpdateInProgress);
  }

  /**
   * With a ClusterClass, the version KCP waits to receive from `Cluster.spec.topology` (or the current upgrade
   * step), or undefined when KCP's version is already the one the topology wants. Scaling and remediation hold
   * while it is pending.
   */
  pendingTopologyVersion(): string | undefined {
    const topology = this.cluster.spec.topology;
    if (!this.featureGates.ClusterTopology || !topology) return undefined;
    const step = this.cluster.metadata.annotations?.[Annotation.ClusterTopologyUpgradeStep] ?? '';
    if (step !== '' && step === this.kcp.spec.version) return undefined;
    if (topology.version === this.kcp.spec.version) return undefined;
    return step !== '' ? step : topology.version;
  }

  /** The transition time of the KCP's Initialized condition when it is True (Available waits 2 minutes on it). */
  initializedSince(): number | undefined {
    const c = getCondition(this.kcp, 'Initialized');
    return c?.status === 'True' ? time(c.lastTransitionTime) : undefined;
  }

  /** The CertificatesAvailable condition of the KCP is True (set by the certificates phase). */
  certificatesAvailable(): boolean {
    return isTrue(this.kcp, 'CertificatesAvailable');
  }
}
