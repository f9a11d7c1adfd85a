// Health of the control plane as the workload cluster shows it (upstream `UpdateStaticPodConditions`,
// `UpdateEtcdConditions`, `setConditionsToUnknown`): per-Machine conditions from the kubeadm static Pods, the
// Nodes and the etcd member list, and their aggregates on the KubeadmControlPlane. The reconciler reads Nodes,
// Pods and etcd; these functions say which conditions follow, and `applyConditionsReport` sets them.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  type Condition,
  getCondition,
  hasCondition,
  type NewCondition,
  setCondition,
} from '../../../controller-runtime/conditions/index.js';
import {
  KubeadmControlPlaneConditionType as KcpCondition,
  KubeadmControlPlaneMachineConditionType as C,
  KubeadmControlPlaneMachineReason as R,
  KubeadmControlPlaneReason as KcpReason,
} from '../api/index.js';
import type { EtcdAlarm, EtcdMember } from '../etcd/etcd-client.js';
import { type ControlPlane, hasNode, isDeleting, type MachineObject, nodeNameOf } from './control-plane.js';
import { isKubeadmConfigForJoin } from './up-to-date.js';
import { machinesPhrase } from '../../../core/util/index.js';
import { goStringSlice } from './messages.js';

/** The label kubeadm puts on control plane Nodes (listing Nodes by it finds the control plane). */
export const LABEL_NODE_ROLE_CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';
const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** The kubeadm static Pods per Machine and the conditions that report them (etcd only with stacked etcd). */
export const STATIC_POD_COMPONENTS = [
  { component: 'kube-apiserver', condition: C.APIServerPodHealthy },
  { component: 'kube-controller-manager', condition: C.ControllerManagerPodHealthy },
  { component: 'kube-scheduler', condition: C.SchedulerPodHealthy },
  { component: 'etcd', condition: C.EtcdPodHealthy },
] as const;

/** The mirror Pod name of a static Pod in kube-system: `<component>-<node name>`. */
export const staticPodName = (component: string, nodeName: string): string => `${component}-${nodeName}`;

/** Conditions to set: per Machine (by name) and on the KubeadmControlPlane. */
export interface ConditionsReport {
  machines: Map<string, NewCondition[]>;
  kcp: NewCondition[];
}

/** Sets every condition of `report` on the Machines of `cp` and on the KCP, transition times at `cp.now`. */
export function applyConditionsReport(cp: ControlPlane, report: ConditionsReport): void {
  const now = () => new Date(cp.now);
  for (const m of cp.machines) {
    for (const c of report.machines.get(m.metadata.name ?? '') ?? []) setCondition(m, c, { now });
  }
  for (const c of report.kcp) setCondition(cp.kcp, c, { now });
}

/**
 * Applies `staticPodConditions`' result: its conditions, and the Nodes (or the listing error) into
 * `cp.workload`, where `etcdConditions` and the etcd decisions find them.
 */
export function applyStaticPodReport(cp: ControlPlane, report: StaticPodReport): void {
  applyConditionsReport(cp, report);
  cp.workload.nodes = report.nodes;
  if (report.nodeListError !== undefined) cp.workload.nodeListError = report.nodeListError;
  else delete cp.workload.nodeListError;
}

/**
 * Applies `etcdConditions`' result: its conditions, and the member list, alarms, leader and whether members
 * and Machines match into `cp.workload` (read by remediation, preflight, etcd decisions and Available).
 */
export function applyEtcdReport(cp: ControlPlane, report: EtcdReport): void {
  applyConditionsReport(cp, report);
  if (report.members) cp.workload.etcdMembers = report.members;
  else delete cp.workload.etcdMembers;
  cp.workload.etcdAlarms = report.alarms;
  if (report.leader) cp.workload.etcdLeader = report.leader;
  else delete cp.workload.etcdLeader;
  cp.workload.etcdMembersAndMachinesAreMatching = report.membersAndMachinesAreMatching;
}

/** Conditions computed in this pass take precedence over the Machines' stored ones when aggregating. */
class Overlay {
  readonly machines = new Map<string, NewCondition[]>();

  set(m: MachineObject, c: NewCondition): void {
    const name = m.metadata.name ?? '';
    const list = (this.machines.get(name) ?? []).filter((x) => x.type !== c.type);
    list.push(c);
    this.machines.set(name, list);
  }

  get(m: MachineObject, type: string): NewCondition | Condition | undefined {
    return this.machines.get(m.metadata.name ?? '')?.find((c) => c.type === type) ?? getCondition(m, type);
  }
}

const podConditionTypes = (cp: ControlPlane): string[] =>
  STATIC_POD_COMPONENTS.filter((p) => cp.isEtcdManaged || p.component !== 'etcd').map((p) => p.condition);

// ---------------------------------------------------------------------------------------------------------
// Static Pods and Nodes

export interface StaticPodInspection {
  /** The Nodes labelled `node-role.kubernetes.io/control-plane`, or why listing them failed. */
  controlPlaneNodes: readonly Node[] | { error: string };
  /**
   * Nodes of Machines that are missing from `controlPlaneNodes`, read by name (upstream falls back to a get: a
   * missing label does not make the components unhealthy). Absent: not found.
   */
  nodesByName?: ReadonlyMap<string, Node>;
  /** kube-system Pods by name (`staticPodName`): absent = not found, `{ error }` = the read failed. */
  pods: ReadonlyMap<string, Pod | { error: string }>;
}

export interface StaticPodReport extends ConditionsReport {
  /** Nodes of the Machines: store as `cp.workload.nodes` (etcd is reached through them). */
  nodes: Node[];
  /** Store as `cp.workload.nodeListError`. */
  nodeListError?: string;
}

/**
 * Per Machine: NodeKubeadmLabelsAndTaintsSet and the Pod conditions (APIServerPodHealthy, ...); on the KCP:
 * ControlPlaneComponentsHealthy. Deleting Machines report Deleting; Machines without a Node are Unknown (waiting
 * for a providerID / a Node); a Node that is gone, unreachable or NotReady-Unknown makes the Pods Unknown;
 * otherwise each static Pod's phase and container states decide (Running, Provisioning, Failed, DoesNotExist).
 */
export function staticPodConditions(cp: ControlPlane, inspection: StaticPodInspection): StaticPodReport {
  const overlay = new Overlay();
  const podTypes = podConditionTypes(cp);
  const listed = inspection.controlPlaneNodes;
  if (!Array.isArray(listed)) {
    const error = (listed as { error: string }).error;
    for (const m of cp.machines) {
      overlay.set(m, {
        type: C.NodeKubeadmLabelsAndTaintsSet,
        status: 'Unknown',
        reason: R.NodeKubeadmLabelsAndTaints.InspectionFailed,
        message: 'Failed to get the Node',
      });
      for (const type of podTypes) {
        overlay.set(m, {
          type,
          status: 'Unknown',
          reason: R.Pod.InspectionFailed,
          message: `Failed to get the Node hosting the Pod: ${error}`,
        });
      }
    }
    return {
      machines: overlay.machines,
      kcp: [
        {
          type: KcpCondition.ControlPlaneComponentsHealthy,
          status: 'Unknown',
          reason: KcpReason.ControlPlaneComponentsHealthy.InspectionFailed,
          message: `Failed to get Nodes hosting control plane components: ${error}`,
        },
      ],
      nodes: [],
      nodeListError: `failed to list control plane nodes: ${error}`,
    };
  }
  const controlPlaneNodes = listed as readonly Node[];

  const nodes: Node[] = [];
  const kcpErrors: string[] = [];
  let hasProvisioningMachines = false;
  for (const m of cp.machines) {
    const nodeName = nodeNameOf(m);
    let node: Node | undefined;
    if (nodeName !== '') {
      node =
        controlPlaneNodes.find((n) => n.metadata?.name === nodeName) ?? inspection.nodesByName?.get(nodeName);
    }
    if (node) nodes.push(node);

    const setAll = (status: NewCondition['status'], reason: string, message: string): void => {
      for (const type of podTypes) overlay.set(m, { type, status, reason, message });
    };

    if (isDeleting(m)) {
      if (node) overlay.set(m, nodeCondition(cp, m, node));
      else {
        overlay.set(m, {
          type: C.NodeKubeadmLabelsAndTaintsSet,
          status: 'False',
          reason: R.NodeKubeadmLabelsAndTaints.Deleting,
          message: 'Machine is deleting',
        });
      }
      setAll('False', R.Pod.Deleting, 'Machine is deleting');
      continue;
    }

    if (!hasNode(m)) {
      hasProvisioningMachines = true;
      const message = waitingForNodeMessage(m);
      overlay.set(m, {
        type: C.NodeKubeadmLabelsAndTaintsSet,
        status: 'Unknown',
        reason: R.NodeKubeadmLabelsAndTaints.InspectionFailed,
        message,
      });
      setAll('Unknown', R.Pod.InspectionFailed, message);
      continue;
    }

    if (!node) {
      const message = `Node ${nodeName} does not exist`;
      overlay.set(m, {
        type: C.NodeKubeadmLabelsAndTaintsSet,
        status: 'Unknown',
        reason: R.NodeKubeadmLabelsAndTaints.InspectionFailed,
        message,
      });
      setAll('Unknown', R.Pod.InspectionFailed, message);
      continue;
    }

    // Pod data of an unreachable Node may be stale; leave health to the MachineHealthCheck.
    if ((node.spec?.taints ?? []).some((t) => t.key === TAINT_UNREACHABLE && t.effect === 'NoExecute')) {
      const message = `Node ${node.metadata?.name ?? ''} is unreachable`;
      overlay.set(m, {
        type: C.NodeKubeadmLabelsAndTaintsSet,
        status: 'Unknown',
        reason: R.NodeKubeadmLabelsAndTaints.InspectionFailed,
        message,
      });
      setAll('Unknown', R.Pod.InspectionFailed, message);
      continue;
    }

    for (const { component, condition } of STATIC_POD_COMPONENTS) {
      if (component === 'etcd' && !cp.isEtcdManaged) continue;
      const c = staticPodCondition(node, condition, inspection.pods.get(staticPodName(component, nodeName)));
      if (c) overlay.set(m, c);
    }
    overlay.set(m, nodeCondition(cp, m, node));
  }

  // A control plane Node nobody owns is a problem, unless it may belong to a Machine still waiting for its nodeRef.
  if (!hasProvisioningMachines) {
    for (const n of controlPlaneNodes) {
      const name = n.metadata?.name ?? '';
      if (!cp.machines.some((m) => nodeNameOf(m) === name)) {
        kcpErrors.push(`Control plane Node ${name} does not have a corresponding Machine`);
      }
    }
  }

  const kcp = aggregateFromMachines(cp, overlay, {
    machineConditions: podTypes,
    kcpErrors,
    condition: KcpCondition.ControlPlaneComponentsHealthy,
    falseReason: KcpReason.ControlPlaneComponentsHealthy.NotHealthy,
    unknownReason: KcpReason.ControlPlaneComponentsHealthy.HealthUnknown,
    trueReason: KcpReason.ControlPlaneComponentsHealthy.Healthy,
    note: 'control plane',
  });
  return { machines: overlay.machines, kcp: [kcp], nodes };
}

function waitingForNodeMessage(m: MachineObject): string {
  return m.spec.providerID
    ? `Waiting for a Node with spec.providerID ${m.spec.providerID} to exist`
    : `Waiting for ${m.spec.infrastructureRef.kind} to report spec.providerID`;
}

const podConditionStatus = (pod: Pod, type: string): string =>
  pod.status?.conditions?.find((c) => c.type === type)?.status ?? 'Unknown';

/**
 * The condition for one static Pod (upstream `updateStaticPodCondition`); undefined leaves the Machine's current
 * condition as it is (a Pod phase Kubernetes does not define).
 */
export function staticPodCondition(
  node: Node,
  type: string,
  pod: Pod | { error: string } | undefined,
): NewCondition | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'Unknown') {
    // The kubelet is probably not updating mirror Pods any more.
    return {
      type,
      status: 'Unknown',
      reason: R.Pod.InspectionFailed,
      message: 'Node Ready condition is Unknown, Pod data might be stale',
    };
  }
  if (!pod) return { type, status: 'False', reason: R.Pod.DoesNotExist, message: 'Pod does not exist' };
  if ('error' in pod) {
    return {
      type,
      status: 'Unknown',
      reason: R.Pod.InspectionFailed,
      message: 'Please check controller logs for errors',
    };
  }
  const provisioning = (message = ''): NewCondition => ({
    type,
    status: 'False',
    reason: R.Pod.Provisioning,
    message,
  });
  const failed = (message: string): NewCondition => ({
    type,
    status: 'False',
    reason: R.Pod.Failed,
    message,
  });
  switch (pod.status?.phase) {
    case 'Pending':
      // Static Pods are never scheduled and kubeadm's have no init containers; checked for completeness.
      if (podConditionStatus(pod, 'PodScheduled') !== 'True') return provisioning('Waiting to be scheduled');
      if (podConditionStatus(pod, 'Initialized') !== 'True') return provisioning('Running init containers');
      return provisioning();
    case 'Running': {
      if (podConditionStatus(pod, 'Ready') === 'True') {
        return { type, status: 'True', reason: R.Pod.Running };
      }
      const statuses = pod.status.containerStatuses ?? [];
      // A crashed container restarts (restartPolicy Always): it waits in CrashLoopBackOff with a failed last state.
      const terminatedWithError = statuses.some((s) => (s.lastState?.terminated?.exitCode ?? 0) !== 0);
      const waiting = statuses.flatMap((s) => (s.state?.waiting ? [s.state.waiting.reason ?? ''] : []));
      if (waiting.length > 0) {
        return terminatedWithError ? failed(waiting.join(', ')) : provisioning(waiting.join(', '));
      }
      const terminated = statuses.flatMap((s) =>
        s.state?.terminated ? [s.state.terminated.reason ?? ''] : [],
      );
      if (terminated.length > 0) return failed(terminated.join(', '));
      return provisioning('Waiting for startup or readiness probes');
    }
    case 'Succeeded':
    case 'Failed':
      return failed('All the containers have been terminated');
    case 'Unknown':
      return {
        type,
        status: 'Unknown',
        reason: R.Pod.InspectionFailed,
        message: 'Pod is reporting Unknown status',
      };
    case undefined:
    default:
      return undefined;
  }
}

/**
 * kubeadm's default control plane taint is expected on the Node: the Machine asks for it in `spec.taints`, or
 * its KubeadmConfig's nodeRegistration does (an unset taint list means kubeadm's default, which includes it).
 */
export function defaultTaintExpected(cp: ControlPlane, m: MachineObject): boolean {
  const isDefault = (t: { key: string; effect?: string }) =>
    t.key === LABEL_NODE_ROLE_CONTROL_PLANE && t.effect === 'NoSchedule';
  if ((m.spec.taints ?? []).some(isDefault)) return true;
  const config = cp.kubeadmConfig(m.metadata.name ?? '');
  if (!config) return false;
  const taints = isKubeadmConfigForJoin(config)
    ? config.spec?.joinConfiguration?.nodeRegistration?.taints
    : config.spec?.initConfiguration?.nodeRegistration?.taints;
  return taints === undefined || taints.some(isDefault);
}

/** NodeKubeadmLabelsAndTaintsSet: the Node has kubeadm's control plane label and, where expected, its taint. */
export function nodeCondition(cp: ControlPlane, m: MachineObject, node: Node): NewCondition {
  const nodeName = nodeNameOf(m);
  const taint = `${LABEL_NODE_ROLE_CONTROL_PLANE}:NoSchedule`;
  let message = '';
  if (node.metadata?.labels?.[LABEL_NODE_ROLE_CONTROL_PLANE] === undefined) {
    message = `Node ${nodeName} does not have the ${LABEL_NODE_ROLE_CONTROL_PLANE} label`;
  }
  const hasTaint = (node.spec?.taints ?? []).some(
    (t) => t.key === LABEL_NODE_ROLE_CONTROL_PLANE && t.effect === 'NoSchedule',
  );
  if (defaultTaintExpected(cp, m) && !hasTaint) {
    message = message
      ? `${message} and the ${taint} taint`
      : `Node ${nodeName} does not have the ${taint} taint`;
  }
  if (message) {
    return {
      type: C.NodeKubeadmLabelsAndTaintsSet,
      status: 'False',
      reason: R.NodeKubeadmLabelsAndTaints.NotSet,
      message,
    };
  }
  return { type: C.NodeKubeadmLabelsAndTaintsSet, status: 'True', reason: R.NodeKubeadmLabelsAndTaints.Set };
}

// ---------------------------------------------------------------------------------------------------------
// etcd

/** What reading etcd through one of the members gave (the reconciler tries `etcdNodeNamesByLastKnownHealth`). */
export type EtcdInspection =
  /** MemberList, the leader (from Status) and AlarmList answered. */
  | { kind: 'ok'; members: EtcdMember[]; leaderId: string; alarms: EtcdAlarm[] }
  /** A step failed; `message` is the innermost error text. */
  | { kind: 'failed'; step: 'connect' | 'members' | 'leader' | 'alarms'; message: string }
  /** No Node of a Machine to reach etcd through. */
  | { kind: 'noNodes' };

export interface EtcdReport extends ConditionsReport {
  /** Store as `cp.workload.etcdMembers` (undefined: unknown). */
  members?: EtcdMember[];
  alarms: EtcdAlarm[];
  leader?: EtcdMember;
  membersAndMachinesAreMatching: boolean;
}

/**
 * The Node names to try reaching etcd through, Machines whose member was last known healthy first (more likely
 * to answer), the rest in random order. Only Nodes of Machines with a Node that are not deleting count.
 */
export function etcdNodeNamesByLastKnownHealth(
  cp: ControlPlane,
  random: () => number = Math.random,
): string[] {
  const candidates = cp.machines.filter((m) => hasNode(m) && !isDeleting(m));
  const entries = cp.workload.nodes.flatMap((n) => {
    const name = n.metadata?.name ?? '';
    const machine = candidates.find((m) => nodeNameOf(m) === name);
    return machine ? [{ name, healthy: getCondition(machine, C.EtcdMemberHealthy)?.status === 'True' }] : [];
  });
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return entries.sort((a, b) => Number(b.healthy) - Number(a.healthy)).map((e) => e.name);
}

const memberNames = (members: readonly EtcdMember[]): string[] =>
  members.map((m) => (m.name === '' ? `name not set yet for member with id ${m.id}` : m.name));

/**
 * Per Machine EtcdMemberHealthy and, on the KCP, EtcdClusterHealthy (stacked etcd only; with external etcd
 * nothing is reported, so tools managing that etcd may set EtcdClusterHealthy). Uses `cp.workload.nodes` and
 * `nodeListError` from `staticPodConditions`. A member is unhealthy when missing, a learner or alarmed; members
 * without a Machine and Machines without a member make the cluster condition False.
 */
export function etcdConditions(cp: ControlPlane, inspection: EtcdInspection): EtcdReport {
  const overlay = new Overlay();
  const report = (kcp: NewCondition[], rest: Partial<EtcdReport> = {}): EtcdReport => ({
    machines: overlay.machines,
    kcp,
    alarms: [],
    membersAndMachinesAreMatching: false,
    ...rest,
  });
  if (!cp.isEtcdManaged) return report([]);

  if (cp.workload.nodeListError !== undefined) {
    for (const m of cp.machines) {
      overlay.set(m, {
        type: C.EtcdMemberHealthy,
        status: 'Unknown',
        reason: R.EtcdMember.InspectionFailed,
        message: 'Failed to get the Node hosting the etcd member',
      });
    }
    return report([
      {
        type: KcpCondition.EtcdClusterHealthy,
        status: 'Unknown',
        reason: KcpReason.EtcdClusterHealthy.InspectionFailed,
        message: 'Failed to get Nodes hosting the etcd cluster',
      },
    ]);
  }

  for (const m of cp.machines.filter((x) => !hasNode(x))) {
    overlay.set(m, {
      type: C.EtcdMemberHealthy,
      status: 'Unknown',
      reason: R.EtcdMember.InspectionFailed,
      message: waitingForNodeMessage(m),
    });
  }
  for (const m of cp.machines.filter(isDeleting)) {
    overlay.set(m, {
      type: C.EtcdMemberHealthy,
      status: 'False',
      reason: R.EtcdMember.Deleting,
      message: 'Machine is deleting',
    });
  }

  const inspected = cp.machines.filter((m) => hasNode(m) && !isDeleting(m));
  let members: EtcdMember[] | undefined;
  let alarms: EtcdAlarm[] = [];
  let leader: EtcdMember | undefined;
  const setInspected = (status: NewCondition['status'], reason: string, message: string): void => {
    for (const m of inspected) overlay.set(m, { type: C.EtcdMemberHealthy, status, reason, message });
  };
  if (inspection.kind === 'failed') {
    const prefix = {
      connect: 'Failed to connect to etcd',
      members: 'Failed to get etcd members',
      alarms: 'Failed to get etcd alarms',
      leader: '',
    }[inspection.step];
    // Without a leader upstream stops before touching the Machines' conditions.
    if (prefix) setInspected('Unknown', R.EtcdMember.InspectionFailed, `${prefix}: ${inspection.message}`);
  } else {
    // No Node to reach etcd through counts as an empty member list, as upstream's.
    const listed = inspection.kind === 'ok' ? inspection.members : [];
    if (inspection.kind === 'ok') {
      leader = listed.find((m) => m.id === inspection.leaderId);
      if (leader) {
        members = listed;
        alarms = inspection.alarms;
      }
    }
    if (inspection.kind === 'noNodes' || leader) {
      for (const m of inspected) overlay.set(m, memberCondition(m, listed, alarms));
    }
  }

  const { matching, kcpErrors } = compareMachinesAndMembers(cp, overlay, members);
  const kcp = aggregateFromMachines(cp, overlay, {
    machineConditions: [C.EtcdMemberHealthy],
    kcpErrors,
    condition: KcpCondition.EtcdClusterHealthy,
    falseReason: KcpReason.EtcdClusterHealthy.NotHealthy,
    unknownReason: KcpReason.EtcdClusterHealthy.HealthUnknown,
    trueReason: KcpReason.EtcdClusterHealthy.Healthy,
    note: 'etcd member',
  });
  return report([kcp], {
    ...(members ? { members } : {}),
    alarms,
    ...(leader ? { leader } : {}),
    membersAndMachinesAreMatching: matching,
  });
}

function memberCondition(
  m: MachineObject,
  members: readonly EtcdMember[],
  alarms: readonly EtcdAlarm[],
): NewCondition {
  const notHealthy = (message: string): NewCondition => ({
    type: C.EtcdMemberHealthy,
    status: 'False',
    reason: R.EtcdMember.NotHealthy,
    message,
  });
  const nodeName = nodeNameOf(m);
  const member = members.find((x) => x.name === nodeName);
  if (!member) {
    return notHealthy(
      `Etcd reports the cluster is composed by ${goStringSlice(memberNames(members))}, but the etcd member hosted on Machine ${m.metadata.name ?? ''} (${nodeName}) is not included`,
    );
  }
  if (member.isLearner) return notHealthy('Waiting for learner etcd member to be promoted');
  const raised = alarms.filter((a) => a.memberId === member.id && a.alarm !== 'NONE').map((a) => a.alarm);
  if (raised.length > 0) return notHealthy(`Etcd reports alarms: ${raised.join(', ')}`);
  return { type: C.EtcdMemberHealthy, status: 'True', reason: R.EtcdMember.Healthy };
}

/** Nodes younger than this may not have their etcd member yet (scale up in progress). */
const NEW_NODE_GRACE_MS = 2 * 60_000;

/**
 * Machines without an etcd member (reported on the Machine) and members without a Machine (reported on the
 * KCP). `matching` drives Available and ignores what is normal while scaling up: a Node younger than two
 * minutes without its member, a member while some Machine has no Node yet.
 */
function compareMachinesAndMembers(
  cp: ControlPlane,
  overlay: Overlay,
  members: readonly EtcdMember[] | undefined,
): { matching: boolean; kcpErrors: string[] } {
  if (!members) return { matching: !cp.machines.some(hasNode), kcpErrors: [] };
  let matching = true;
  const kcpErrors: string[] = [];
  for (const m of cp.machines) {
    const nodeName = nodeNameOf(m);
    if (nodeName === '' || members.some((x) => x.name === nodeName)) continue;
    overlay.set(m, {
      type: C.EtcdMemberHealthy,
      status: 'False',
      reason: R.EtcdMember.NotHealthy,
      message: `Etcd doesn't have an etcd member for Node ${nodeName}`,
    });
    if (!isDeleting(m)) {
      const node = cp.workload.nodes.find((n) => n.metadata?.name === nodeName);
      const created = Date.parse(node?.metadata?.creationTimestamp ?? '');
      if (node && !Number.isNaN(created) && cp.now - created > NEW_NODE_GRACE_MS) matching = false;
    }
  }
  const provisioning = cp.machines.some((m) => !hasNode(m));
  for (const member of members) {
    if (cp.machines.some((m) => nodeNameOf(m) !== '' && nodeNameOf(m) === member.name)) continue;
    const name = member.name === '' ? `${member.id} (Name not yet assigned)` : member.name;
    kcpErrors.push(`Etcd member ${name} does not have a corresponding Machine`);
    if (!provisioning) matching = false;
  }
  return { matching, kcpErrors };
}

// ---------------------------------------------------------------------------------------------------------
// Aggregation on the KubeadmControlPlane

interface AggregateInput {
  machineConditions: string[];
  kcpErrors: string[];
  condition: string;
  falseReason: string;
  unknownReason: string;
  trueReason: string;
  note: string;
}

/**
 * One KCP condition from the Machines' conditions (upstream `aggregateConditionsFromMachinesToKCP`): False
 * when a Machine reports False or the KCP itself has errors, else Unknown when a Machine with a providerID
 * reports Unknown, else True. The message groups Machines reporting the same problems.
 */
function aggregateFromMachines(cp: ControlPlane, overlay: Overlay, input: AggregateInput): NewCondition {
  const withErrors = new Set<string>();
  const withUnknown = new Set<string>();
  const withInfo = new Set<string>();
  const byMessage = new Map<string, string[]>();
  for (const m of cp.machines) {
    const name = m.metadata.name ?? '';
    const lines: string[] = [];
    let count = 0;
    const distinct = new Set<string>();
    for (const type of input.machineConditions) {
      const c = overlay.get(m, type);
      if (!c) continue;
      count++;
      distinct.add(c.message ?? '');
      const line = `  * ${c.type}: ${c.message || `condition is ${c.status}`}`;
      if (c.status === 'True') withInfo.add(name);
      else if (c.status === 'False') {
        withErrors.add(name);
        lines.push(line);
      } else if (!m.spec.providerID) {
        // A Machine still provisioning: components and members may show up before its Node does; no noise.
        withInfo.add(name);
      } else {
        withUnknown.add(name);
        lines.push(line);
      }
    }
    if (lines.length === 0) continue;
    const message =
      count > 1 && distinct.size === 1
        ? `  * Control plane components: ${[...distinct][0] ?? ''}`
        : lines.join('\n');
    byMessage.set(message, [...(byMessage.get(message) ?? []), name]);
  }

  const ordered = [...byMessage.entries()]
    .map(([message, machines]) => ({ message, machines: [...machines].sort() }))
    .sort((a, b) => {
      const byCount = b.machines.length - a.machines.length;
      if (byCount !== 0) return byCount;
      const an = a.machines.join(',');
      const bn = b.machines.join(',');
      return an < bn ? -1 : an > bn ? 1 : 0;
    });
  const messages = ordered.map((e) => `* ${machinesPhrase(e.machines)}:\n${e.message}`);
  for (const e of input.kcpErrors) messages.push(`* ${e}`);
  const message = messages.join('\n');

  if (input.kcpErrors.length > 0 || withErrors.size > 0) {
    return { type: input.condition, status: 'False', reason: input.falseReason, message };
  }
  if (withUnknown.size > 0) {
    return { type: input.condition, status: 'Unknown', reason: input.unknownReason, message };
  }
  if (withInfo.size > 0) return { type: input.condition, status: 'True', reason: input.trueReason };
  return {
    type: input.condition,
    status: 'Unknown',
    reason: input.unknownReason,
    message: `No Machines reporting ${input.note} status`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// When the workload cluster cannot be inspected

export interface UnknownConditionsInput {
  /** Replace existing values; otherwise only set the KCP condition (and its Machines' ones) when it is missing. */
  overwrite: boolean;
  /** `InspectionFailed` or `ConnectionDown`. */
  reason: 'InspectionFailed' | 'ConnectionDown';
  message: string;
}

/**
 * Every workload-derived condition Unknown (upstream `setConditionsToUnknown`): EtcdClusterHealthy with the
 * Machines' EtcdMemberHealthy (stacked etcd), ControlPlaneComponentsHealthy with the Machines' Node and Pod
 * conditions. Without `overwrite`, a condition the KCP already has keeps its last known value, so short
 * connection problems do not erase what is known.
 */
export function unknownWorkloadConditions(cp: ControlPlane, input: UnknownConditionsInput): ConditionsReport {
  const overlay = new Overlay();
  const kcp: NewCondition[] = [];
  const { reason, message } = input;
  if (input.overwrite || !hasCondition(cp.kcp, KcpCondition.EtcdClusterHealthy)) {
    kcp.push({ type: KcpCondition.EtcdClusterHealthy, status: 'Unknown', reason, message });
    if (cp.isEtcdManaged) {
      for (const m of cp.machines) {
        overlay.set(m, { type: C.EtcdMemberHealthy, status: 'Unknown', reason, message });
      }
    }
  }
  if (input.overwrite || !hasCondition(cp.kcp, KcpCondition.ControlPlaneComponentsHealthy)) {
    kcp.push({ type: KcpCondition.ControlPlaneComponentsHealthy, status: 'Unknown', reason, message });
    for (const m of cp.machines) {
      overlay.set(m, { type: C.NodeKubeadmLabelsAndTaintsSet, status: 'Unknown', reason, message });
      for (const type of podConditionTypes(cp)) overlay.set(m, { type, status: 'Unknown', reason, message });
    }
  }
  return { machines: overlay.machines, kcp };
}

/** What the cluster cache knows about the connection to the workload cluster. */
export interface ConnectionHealth {
  /** Epoch milliseconds of the last successful probe, if any. */
  lastProbeSuccessTime?: number;
  consecutiveFailures: number;
}

/** The outcome of `workloadInspectionGate`: inspect, or set these conditions (and report `error`, if any). */
export type WorkloadInspectionGate =
  { inspect: true } | { inspect: false; conditions: UnknownConditionsInput; error?: string };

/**
 * Whether the workload cluster may be inspected now (upstream's checks in
 * `reconcileControlPlaneAndMachinesConditions`): not before the control plane is initialized (Initialized True),
 * not before the cluster cache connected once (unless it failed five times), not when the last successful probe
 * (or the initialization, whichever is later) is older than the remote conditions grace period.
 */
export function workloadInspectionGate(
  cp: ControlPlane,
  health: ConnectionHealth,
  remoteConditionsGracePeriodMs: number,
): WorkloadInspectionGate {
  const initializedSince = cp.initializedSince();
  if (!cp.initialized || initializedSince === undefined) {
    return {
      inspect: false,
      conditions: {
        overwrite: true,
        reason: 'InspectionFailed',
        message: 'Waiting for Cluster control plane to be initialized',
      },
    };
  }
  const last = health.lastProbeSuccessTime;
  if (last === undefined && health.consecutiveFailures < 5) {
    return {
      inspect: false,
      conditions: {
        overwrite: false,
        reason: 'ConnectionDown',
        message: 'Remote connection not established yet',
      },
      error: 'connection to the workload cluster not established yet',
    };
  }
  if (cp.now - Math.max(last ?? 0, initializedSince) > remoteConditionsGracePeriodMs) {
    return {
      inspect: false,
      conditions: { overwrite: true, reason: 'ConnectionDown', message: lastProbeSuccessMessage(last) },
      error: 'connection to the workload cluster is down',
    };
  }
  return { inspect: true };
}

/** `Last successful probe at <RFC 3339>`, or '' when there never was one. */
export function lastProbeSuccessMessage(lastProbeSuccessTime: number | undefined): string {
  if (lastProbeSuccessTime === undefined) return '';
  return `Last successful probe at ${new Date(lastProbeSuccessTime).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

/**
 * The KCP conditions while the Cluster is not ready for a control plane (infrastructure not provisioned, no
 * control plane endpoint): upstream's messages `Waiting for Cluster status.infrastructureReady to be true` and
 * `Waiting for Cluster spec.controlPlaneEndpoint to be set`. Machines are left alone.
 */
export function waitingForClusterConditions(message: string): NewCondition[] {
  return [
    {
      type: KcpCondition.EtcdClusterHealthy,
      status: 'Unknown',
      reason: KcpReason.EtcdClusterHealthy.InspectionFailed,
      message,
    },
    {
      type: KcpCondition.ControlPlaneComponentsHealthy,
      status: 'Unknown',
      reason: KcpReason.ControlPlaneComponentsHealthy.InspectionFailed,
      message,
    },
  ];
}
