// The phases that look into the workload cluster (upstream `reconcileControlPlaneAndMachinesConditions`,
// `reconcileEtcdMembers`, `reconcilePreTerminateHook`, `forwardEtcdLeadership`): read Nodes, static Pods and
// etcd, let `internal/` say what follows, and carry out the etcd operations it asks for.
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import { setCondition } from '../../../controller-runtime/conditions/index.js';
import { PatchHelper } from '../../../controller-runtime/helpers/patch-helper.js';
import { MachineCondition } from '../../../core/api/v1beta2/index.js';
import { KubeadmControlPlaneMachineConditionType as C } from '../api/index.js';
import {
  applyConditionsReport,
  applyEtcdReport,
  applyStaticPodReport,
  DELETE_REQUEUE_MS,
  etcdConditions,
  etcdLeadershipDecision,
  lastProbeSuccessMessage,
  machineUpToDateCondition,
  type MachineObject,
  nodeNameOf,
  preTerminateHookDecision,
  staticPodConditions,
  strayEtcdMemberDecision,
  unknownWorkloadConditions,
  workloadInspectionGate,
} from '../internal/index.js';
import type { Result } from '../../../controller-runtime/controller/reconciler.js';
import { removePreTerminateHook } from './control-plane-machines.js';
import { errorText, type KcpDeps, type KcpScope, objectKey } from './kubeadm-control-plane-scope.js';
import { isWorkloadClusterConnectionError, type KcpWorkloadClusters } from './workload-clusters.js';

/** The Machine conditions KCP owns: on a conflict its values win. */
export const MACHINE_CONDITIONS = [
  MachineCondition.UpToDate,
  C.NodeKubeadmLabelsAndTaintsSet,
  C.APIServerPodHealthy,
  C.ControllerManagerPodHealthy,
  C.SchedulerPodHealthy,
  C.EtcdPodHealthy,
  C.EtcdMemberHealthy,
];

export interface WorkloadPhaseOptions {
  workloadClusters: KcpWorkloadClusters;
  /** Upstream `--remote-conditions-grace-period` (5 minutes). */
  remoteConditionsGracePeriodMs: number;
}

/**
 * UpToDate on every Machine, then (once the control plane is initialized and the connection is healthy) the
 * Node, static Pod and etcd conditions of the Machines and their aggregates on the KCP; otherwise those
 * conditions Unknown with upstream's reasons. The Machines are patched at the end, whatever happened.
 */
export async function reconcileConditions(
  deps: KcpDeps,
  s: KcpScope,
  options: WorkloadPhaseOptions,
): Promise<void> {
  const helpers = s.cp.machines.map((m) => [m, PatchHelper.create(m, deps.client)] as const);
  let failure: { error: unknown } | undefined;
  try {
    await setWorkloadConditions(s, options);
  } catch (error) {
    failure = { error };
  }
  const errors: string[] = [];
  for (const [m, helper] of helpers) {
    try {
      await helper.patch(m, { ownedConditions: MACHINE_CONDITIONS });
    } catch (err) {
      // A Machine that went away meanwhile has nothing left to report.
      if (!isNotFound(err)) errors.push(`${objectKey(m)}: ${errorText(err)}`);
    }
  }
  if (failure) throw failure.error;
  if (errors.length > 0) throw new Error(`failed to patch control plane Machines: ${errors.join('; ')}`);
}

async function setWorkloadConditions(s: KcpScope, options: WorkloadPhaseOptions): Promise<void> {
  const { cp } = s;
  const now = () => new Date(cp.now);
  for (const m of cp.machines) {
    setCondition(m, machineUpToDateCondition(m, cp.upToDateResults.get(m.metadata.name ?? '')), { now });
  }
  const key = { namespace: s.cluster.metadata.namespace ?? '', name: s.cluster.metadata.name ?? '' };
  const health = options.workloadClusters.healthState(key);
  const gate = workloadInspectionGate(cp, health, options.remoteConditionsGracePeriodMs);
  if (!gate.inspect) {
    applyConditionsReport(cp, unknownWorkloadConditions(cp, gate.conditions));
    if (gate.error) throw new Error(gate.error);
    return;
  }
  try {
    s.workload.client();
  } catch (err) {
    // Not connected: keep the last known values for a while, short outages should not erase what is known.
    const down = isWorkloadClusterConnectionError(err);
    applyConditionsReport(
      cp,
      unknownWorkloadConditions(cp, {
        overwrite: !down,
        reason: down ? 'ConnectionDown' : 'InspectionFailed',
        message: down
          ? lastProbeSuccessMessage(health.lastProbeSuccessTime)
          : 'Please check controller logs for errors',
      }),
    );
    throw new Error(`cannot get client for the workload cluster: ${errorText(err)}`, { cause: err });
  }
  applyStaticPodReport(cp, staticPodConditions(cp, await s.workload.staticPodInspection(cp)));
  if (cp.isEtcdManaged) applyEtcdReport(cp, etcdConditions(cp, await s.workload.etcdInspection(cp)));
}

/**
 * Removes one etcd member that belongs to no Machine (upstream `reconcileEtcdMembers`), then asks to come back
 * in a second; a safety net behind the pre-terminate hook and against members added by hand.
 */
export async function reconcileEtcdMembers(s: KcpScope): Promise<Result | undefined> {
  const decision = strayEtcdMemberDecision(s.cp);
  switch (decision.action) {
    case 'none':
      if (decision.log) s.log.info(decision.log);
      return undefined;
    case 'error':
      throw new Error(decision.error);
    case 'remove': {
      s.log.info(decision.log);
      const name = decision.member.name || '(Name not yet assigned)';
      try {
        await s.workload.removeEtcdMember(decision.member, nodeNames(s));
      } catch (err) {
        throw new Error(
          `failed to remove etcd member ${name}. Please check the etcd status: ${errorText(err)}`,
          {
            cause: err,
          },
        );
      }
      s.log.info({ member: name }, 'Etcd member without a corresponding Machine removed from the cluster');
      return { requeueAfterMs: 1000 };
    }
  }
}

const nodeNames = (s: KcpScope): string[] => s.cp.workload.nodes.map((n) => n.metadata?.name ?? '');

/**
 * The kcp-cleanup pre-terminate hook of the deleting Machine with the oldest deletionTimestamp (upstream
 * `reconcilePreTerminateHook`): once the Machine controller waits for it, leadership moves off the Machine's etcd
 * member, the member is removed and the hook goes, so the InfraMachine is deleted only after etcd forgot it.
 */
export async function reconcilePreTerminateHook(deps: KcpDeps, s: KcpScope): Promise<Result | undefined> {
  const decision = preTerminateHookDecision(s.cp);
  switch (decision.action) {
    case 'none':
      return undefined;
    case 'wait':
      if (decision.log) s.log.info(decision.log);
      return { requeueAfterMs: decision.requeueAfterMs };
    case 'error':
      throw new Error(decision.error);
    case 'removeHook':
      await removePreTerminateHook(deps, decision.machine, s.log);
      logWaitingForDeletion(s);
      return { requeueAfterMs: DELETE_REQUEUE_MS };
    case 'removeMember': {
      const machine = decision.machine;
      // Normally done before the deletion; again here in case the Machine became leader or was deleted by hand.
      await forwardEtcdLeadership(s, machine);
      if (decision.member) {
        try {
          await s.workload.removeEtcdMember(decision.member, nodeNames(s));
        } catch (err) {
          throw new Error(
            `failed to remove etcd member for deleting Machine ${objectKey(machine)}: ${errorText(err)}`,
            { cause: err },
          );
        }
        s.log.info({ machine: machine.metadata.name, member: decision.memberName }, 'Removed etcd member');
      }
      await removePreTerminateHook(deps, machine, s.log);
      logWaitingForDeletion(s);
      return { requeueAfterMs: DELETE_REQUEUE_MS };
    }
  }
}

function logWaitingForDeletion(s: KcpScope): void {
  s.log.info(
    {
      machines: s.cp
        .deletingMachines()
        .map((m) => m.metadata.name)
        .join(', '),
    },
    'Waiting for Machines to be deleted',
  );
}

/**
 * Moves etcd leadership off `machine` when its member leads (upstream `forwardEtcdLeadership`): to the first
 * candidate that accepts it, the most reliable first.
 */
export async function forwardEtcdLeadership(s: KcpScope, machine: MachineObject): Promise<void> {
  const decision = etcdLeadershipDecision(s.cp, machine);
  if (decision.action === 'none') return;
  if (decision.action === 'error') throw new Error(decision.error);
  for (const candidate of decision.candidates) {
    try {
      await s.workload.forwardEtcdLeadership(decision.from, nodeNameOf(candidate));
      s.log.info(
        { previousLeaderMachine: machine.metadata.name, newLeaderMachine: candidate.metadata.name },
        'Moved etcd leadership',
      );
      return;
    } catch (err) {
      s.log.error(
        {
          err: errorText(err),
          currentLeaderMachine: machine.metadata.name,
          candidateLeaderMachine: candidate.metadata.name,
        },
        'Failed to move etcd leadership',
      );
    }
  }
  throw new Error('failed to move etcd leadership');
}

/** The workload cluster's client, or the reconcile fails with what is in the way. */
export function workloadClient(s: KcpScope): Client {
  try {
    return s.workload.client();
  } catch (err) {
    throw new Error(`failed to create client to workload cluster: ${errorText(err)}`, { cause: err });
  }
}
