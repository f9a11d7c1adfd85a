// etcd membership decisions around Machine deletion (upstream `reconcileEtcdMembers`, `forwardEtcdLeadership`,
// `reconcilePreTerminateHook`): which stray member to remove, where to move leadership, and when the kcp-cleanup
// pre-terminate hook may go.
import type { Node } from 'kubernetes-types/core/v1.js';
import { getCondition, isTrue } from '../../../controller-runtime/conditions/index.js';
import { AnnotationPrefix, MachineCondition, MachineReason } from '../../../core/api/v1beta2/index.js';
import { compareVersions, isSemverError, parseSemverTolerant } from '../../../core/api/version.js';
import { InfraMachine } from '../../../core/contract/index.js';
import {
  KubeadmControlPlaneAnnotation,
  KubeadmControlPlaneConditionType as KcpCondition,
  KubeadmControlPlaneMachineConditionType as C,
} from '../api/index.js';
import type { EtcdMember } from '../etcd/etcd-client.js';
import {
  type ControlPlane,
  creationTime,
  hasAnnotation,
  hasNode,
  isDeleting,
  type MachineObject,
  nodeNameOf,
  oldestDeletionTimestamp,
} from './control-plane.js';
import { DELETE_REQUEUE_MS } from './preflight.js';
import { targetControlPlaneComponentsHealthy, targetEtcdClusterHealthy } from './target-health.js';

/** How a member without a name yet is shown. */
const unnamed = (m: EtcdMember): string => m.name || '(Name not yet assigned)';

export type StrayEtcdMemberDecision =
  | { action: 'none'; log?: string }
  /** Remove this member (then reconcile again after 1 s); `log` says why. */
  | { action: 'remove'; member: EtcdMember; log: string }
  /** Report this error (the reconcile fails and retries). */
  | { action: 'error'; error: string };

/**
 * An etcd member that matches no Machine's Node is removed, one per reconcile (upstream `reconcileEtcdMembers`),
 * as a safety net behind the pre-terminate hook and against members added by hand. Nothing happens while
 * EtcdClusterHealthy is True, while some Machine has no Node yet (its member may be the stray one), or when
 * removing the member would cost quorum.
 */
export function strayEtcdMemberDecision(cp: ControlPlane): StrayEtcdMemberDecision {
  const members = cp.workload.etcdMembers ?? [];
  if (!cp.isEtcdManaged || cp.machines.length === 0 || members.length === 0) return { action: 'none' };
  if (cp.workload.nodeListError !== undefined) {
    return { action: 'error', error: `unable to reconcile etcd members: ${cp.workload.nodeListError}` };
  }
  if (isTrue(cp.kcp, KcpCondition.EtcdClusterHealthy)) return { action: 'none' };

  const expected = new Set(cp.machines.filter(hasNode).map(nodeNameOf));
  const provisioning = cp.machines.filter((m) => !hasNode(m)).map((m) => m.metadata.name ?? '');
  const unexpected = members
    .filter((m) => !expected.has(m.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (unexpected.length === 0) return { action: 'none' };
  const listed = unexpected.map(unnamed).sort().join(', ');
  if (provisioning.length > 0) {
    return {
      action: 'none',
      log: `Etcd members ${listed} without corresponding Machines, potential match with provisioning machines ${provisioning.join(', ')}`,
    };
  }
  const member = unexpected[0]!;
  // A member without a name never started and never will without a Machine: no quorum to lose.
  if (
    member.name !== '' &&
    !targetEtcdClusterHealthy(cp, { addMember: false, memberToDelete: member.name }).ok
  ) {
    return {
      action: 'error',
      error: `etcd member ${unnamed(member)} does not have a corresponding Machine, it must be removed from the cluster but this operation can lead to quorum loss. Please check the etcd status`,
    };
  }
  return {
    action: 'remove',
    member,
    log: `Etcd members ${listed} without corresponding Machines, removing member ${member.name}`,
  };
}

export type LeadershipDecision =
  /** The Machine does not lead etcd (or has no Node): nothing to move. */
  | { action: 'none' }
  /** Move leadership from `from` to the first candidate that accepts it; if all refuse, "failed to move etcd leadership". */
  | { action: 'forward'; from: string; candidates: MachineObject[] }
  | { action: 'error'; error: string };

/**
 * Before a Machine that hosts the etcd leader goes away, leadership moves to another member (upstream
 * `forwardEtcdLeadership`). Candidates are Machines with a Node, not deleting, other than this one, the most
 * reliable first: healthy etcd member, healthy by MachineHealthCheck, up to date, then newest.
 */
export function etcdLeadershipDecision(cp: ControlPlane, deleting: MachineObject): LeadershipDecision {
  const leader = cp.workload.etcdLeader;
  if (!leader)
    return { action: 'error', error: 'unable to move etcd leadership, failed to detect etcd leader' };
  const nodeName = nodeNameOf(deleting);
  if (nodeName === '' || nodeName !== leader.name) return { action: 'none' };
  const candidates = etcdLeadershipCandidates(cp, deleting);
  if (candidates.length === 0) {
    return {
      action: 'error',
      error: 'unable to move etcd leadership, no candidate machines for etcd leadership found',
    };
  }
  return { action: 'forward', from: nodeName, candidates };
}

export function etcdLeadershipCandidates(cp: ControlPlane, deleting: MachineObject): MachineObject[] {
  const rank = (m: MachineObject): number[] => [
    isTrue(m, C.EtcdMemberHealthy) ? 0 : 1,
    isTrue(m, MachineCondition.HealthCheckSucceeded) ? 0 : 1,
    isTrue(m, MachineCondition.UpToDate) ? 0 : 1,
  ];
  return cp.machines
    .filter((m) => hasNode(m) && !isDeleting(m) && m.metadata.name !== deleting.metadata.name)
    .sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
      return creationTime(b) - creationTime(a);
    });
}

/**
 * The name of the etcd member on a Machine, which kubeadm names after the Node: `status.nodeRef.name`, else the
 * Node whose `spec.providerID` is the Machine's (or its InfraMachine's); '' when unknown. Pass every Node of the
 * workload cluster you have (`cp.workload.nodes` holds only the Machines' own).
 */
export function etcdMemberNameOf(
  cp: ControlPlane,
  machine: MachineObject,
  nodes: readonly Node[] = cp.workload.nodes,
): string {
  const nodeName = nodeNameOf(machine);
  if (nodeName !== '') return nodeName;
  let providerID = machine.spec.providerID ?? '';
  if (providerID === '') {
    const infra = cp.infraMachines.get(machine.metadata.name ?? '');
    if (infra) {
      try {
        providerID = InfraMachine.providerID(infra) ?? '';
      } catch {
        providerID = '';
      }
    }
  }
  if (providerID === '') return '';
  const matches = nodes.filter((n) => n.spec?.providerID === providerID);
  return matches.length === 1 ? (matches[0]!.metadata?.name ?? '') : '';
}

export type PreTerminateHookDecision =
  /** No Machine is deleting. */
  | { action: 'none' }
  /** Requeue after `requeueAfterMs`; `log` (when set) says what is awaited. */
  | { action: 'wait'; requeueAfterMs: number; log?: string }
  /** Remove the kcp-cleanup hook from `machine` without touching etcd. */
  | { action: 'removeHook'; machine: MachineObject }
  /**
   * Move etcd leadership off the Machine if it leads (`etcdLeadershipDecision`), remove `member` when it is in
   * the member list, then remove the hook.
   */
  | { action: 'removeMember'; machine: MachineObject; memberName: string; member?: EtcdMember }
  | { action: 'error'; error: string };

const V1_31 = { major: 1, minor: 31, patch: 0, pre: [], build: [] };

/**
 * The kcp-cleanup pre-terminate hook (annotation `pre-terminate.delete.hook.machine.cluster.x-k8s.io/kcp-cleanup`)
 * holds a deleting Machine's InfraMachine until its etcd member is gone (upstream `reconcilePreTerminateHook`).
 * One Machine at a time (oldest deletionTimestamp), only once the Machine controller waits for the hook and
 * (Kubernetes >= 1.31) every other pre-terminate hook is gone, and only when the control plane components and
 * etcd quorum survive the removal.
 */
export function preTerminateHookDecision(
  cp: ControlPlane,
  nodes?: readonly Node[],
): PreTerminateHookDecision {
  const deleting = cp.deletingMachines();
  if (deleting.length === 0) return { action: 'none' };
  const wait = (log?: string): PreTerminateHookDecision => ({
    action: 'wait',
    requeueAfterMs: DELETE_REQUEUE_MS,
    ...(log ? { log } : {}),
  });
  // A Machine deleting without our hook must be gone first (its member is not ours to manage any more).
  if (deleting.some((m) => !hasAnnotation(m, KubeadmControlPlaneAnnotation.PreTerminateHookCleanup)))
    return wait();
  const machine = oldestDeletionTimestamp(deleting)!;
  const name = machine.metadata.name ?? '';

  const version = parseSemverTolerant(cp.kcp.spec.version);
  if (isSemverError(version)) {
    return {
      action: 'error',
      error: `failed to parse Kubernetes version "${cp.kcp.spec.version}": ${version.error}`,
    };
  }
  // Ours runs last, while the kubelet still works for the others.
  if (
    compareVersions(version, V1_31, { withoutPreReleases: true }) >= 0 &&
    hasOtherPreTerminateHooks(machine)
  ) {
    return wait();
  }
  const c = getCondition(machine, MachineCondition.Deleting);
  if (c?.status !== 'True' || c.reason !== MachineReason.DeletingWaitingForPreTerminateHook) return wait();

  if (cp.machines.length <= 1) return { action: 'removeHook', machine };

  if (!targetControlPlaneComponentsHealthy(cp, { addMachine: false, machineToDelete: name }).ok) {
    return wait(
      `Cannot delete control plane Machine ${name} when there are no control plane Machines with all Kubernetes control plane components in healthy state. Please check Kubernetes control plane component status`,
    );
  }
  if (!cp.isEtcdManaged) return { action: 'removeHook', machine };
  if (cp.workload.nodeListError !== undefined) {
    return { action: 'error', error: `unable to remove pre-terminate hook: ${cp.workload.nodeListError}` };
  }
  const members = cp.workload.etcdMembers ?? [];
  if (members.length === 0) {
    return { action: 'error', error: 'unable to remove pre-terminate hook, etcd member list is empty' };
  }
  const memberName = etcdMemberNameOf(cp, machine, nodes);
  // Unknown member: nothing to check; a member that shows up later is a stray one for strayEtcdMemberDecision.
  if (memberName === '') return { action: 'removeHook', machine };
  if (!targetEtcdClusterHealthy(cp, { addMember: false, memberToDelete: memberName }).ok) {
    return wait(
      `Cannot delete control plane Machine ${name}, the operation can lead to etcd quorum loss. Please check the etcd status`,
    );
  }
  const member = members.find((m) => m.name === memberName);
  return { action: 'removeMember', machine, memberName, ...(member ? { member } : {}) };
}

function hasOtherPreTerminateHooks(m: MachineObject): boolean {
  return Object.keys(m.metadata.annotations ?? {}).some(
    (k) =>
      k.startsWith(AnnotationPrefix.PreTerminateDeleteHook) &&
      k !== KubeadmControlPlaneAnnotation.PreTerminateHookCleanup,
  );
}
