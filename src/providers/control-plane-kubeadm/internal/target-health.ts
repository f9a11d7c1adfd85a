// Whether the control plane stays operational after adding or removing one Machine (upstream
// `targetEtcdClusterHealthy` and `targetKubernetesControlPlaneComponentsHealthy`): the safety net in front of
// remediation, scale-up during remediation, removal of stray etcd members and the pre-terminate hook.
import { isTrue } from '../../../controller-runtime/conditions/index.js';
import { KubeadmControlPlaneMachineConditionType as C } from '../api/index.js';
import { type ControlPlane, nodeNameOf } from './control-plane.js';

export interface EtcdTargetAssessment {
  /** Quorum survives the change, and no member is a learner (KCP waits for promotions first). */
  ok: boolean;
  healthyMembers: string[];
  unhealthyMembers: string[];
  totalMembers: number;
  learnerMembers: number;
  votingMembers: number;
  quorum: number;
}

/** etcd's majority: more than half of the voting members. */
export const etcdQuorum = (votingMembers: number): number => Math.floor(votingMembers / 2) + 1;

/**
 * Projects the etcd cluster after adding one member and/or removing `memberToDelete` (by name) and checks that
 * the healthy voting members still reach quorum, assuming the worst: a new member counts as unhealthy (except
 * when growing from 0 or 1 member, or there would be no way up), a member without a name is a learner still
 * starting, and a member's health is its Machine's EtcdMemberHealthy condition (members without a Machine are
 * healthy unless they report an alarm). Uses `cp.workload.etcdMembers`; call it only when they are known.
 */
export function targetEtcdClusterHealthy(
  cp: ControlPlane,
  change: { addMember: boolean; memberToDelete?: string },
): EtcdTargetAssessment {
  const members = cp.workload.etcdMembers ?? [];
  const healthy: string[] = [];
  const unhealthy: string[] = [];
  let total = 0;
  let learners = 0;
  let voting = 0;
  if (change.addMember) {
    total = 1;
    voting = 1;
    if (members.length > 1) unhealthy.push('1 new member (worst case)');
    else healthy.push('1 new member (best case)');
  }
  for (const member of members) {
    if (member.name === '') {
      total++;
      learners++;
      unhealthy.push('1 member starting (worst case)');
      continue;
    }
    if (member.name === change.memberToDelete) continue;
    total++;
    if (member.isLearner) learners++;
    else voting++;
    const machine = cp.machines.find((m) => nodeNameOf(m) !== '' && nodeNameOf(m) === member.name);
    if (!machine) {
      const alarmed = cp.workload.etcdAlarms.some((a) => a.alarm !== 'NONE' && a.memberId === member.id);
      (alarmed ? unhealthy : healthy).push(`${member.name} (no machine)`);
      continue;
    }
    const label = `${member.name} (${machine.metadata.name ?? ''})`;
    (isTrue(machine, C.EtcdMemberHealthy) ? healthy : unhealthy).push(label);
  }
  const quorum = etcdQuorum(voting);
  return {
    ok: voting - unhealthy.length >= quorum && learners === 0,
    healthyMembers: healthy,
    unhealthyMembers: unhealthy,
    totalMembers: total,
    learnerMembers: learners,
    votingMembers: voting,
    quorum,
  };
}

export interface ComponentsTargetAssessment {
  /** At least one Machine keeps a full set of healthy control plane components. */
  ok: boolean;
  healthyControlPlanes: string[];
  unhealthyControlPlanes: string[];
}

/**
 * Projects the Machines after adding one and/or removing `machineToDelete` (by name) and checks that at least one
 * Machine has every control plane component healthy (API server, controller manager, scheduler, and etcd Pod
 * with stacked etcd): kubeadm wires each API server to its local etcd and each controller manager and scheduler
 * to its local API server, so a Machine counts only when all of them work. A new Machine counts as unhealthy
 * unless there is none yet.
 */
export function targetControlPlaneComponentsHealthy(
  cp: ControlPlane,
  change: { addMachine: boolean; machineToDelete?: string },
): ComponentsTargetAssessment {
  const healthy: string[] = [];
  const unhealthy: string[] = [];
  if (change.addMachine) {
    if (cp.machines.length > 0) unhealthy.push('1 new machine (worst case)');
    else healthy.push('1 new machine (best case)');
  }
  const required: string[] = [C.APIServerPodHealthy, C.ControllerManagerPodHealthy, C.SchedulerPodHealthy];
  if (cp.isEtcdManaged) required.push(C.EtcdPodHealthy);
  for (const m of cp.machines) {
    const name = m.metadata.name ?? '';
    if (name === change.machineToDelete) continue;
    (required.every((t) => isTrue(m, t)) ? healthy : unhealthy).push(name);
  }
  return { ok: healthy.length >= 1, healthyControlPlanes: healthy, unhealthyControlPlanes: unhealthy };
}
