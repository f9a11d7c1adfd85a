// The Events the Machine controller records, each on a change of the Machine's state between the start and the
// end of a reconcile (never on every reconcile): what `kubectl describe machine` and `capi describe machine
// --timeline` show. Reasons are upstream's where upstream records the same thing (SuccessfulSetNodeRef,
// SuccessfulDrainNode, NodeVolumesDetached, FailedDrainNode, FailedWaitForVolumeDetach, FailedDeleteNode) and
// ours otherwise (docs/machine-timeline.md lists them).
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import { getCondition } from '../../../controller-runtime/conditions/index.js';
import { type Machine, MachinePhase } from '../../api/v1beta2/machine-types.js';
import { MachineCondition, MachineReason } from '../../api/v1beta2/well-known.js';
import type { Stored } from '../cluster/cluster-scope.js';

/** Our reasons (upstream records no Event for these changes). */
export const MachineEventReason = {
  BootstrapDataReady: 'BootstrapDataReady',
  InfrastructureProvisioned: 'InfrastructureProvisioned',
  NodeReady: 'NodeReady',
  NodeNotReady: 'NodeNotReady',
  DrainBlocked: 'DrainBlocked',
  SuccessfulDeleteNode: 'SuccessfulDeleteNode',
} as const;

/** Upstream's reasons (machine_controller.go, machine_controller_noderef.go). */
export const UpstreamMachineEventReason = {
  SuccessfulSetNodeRef: 'SuccessfulSetNodeRef',
  SuccessfulDrainNode: 'SuccessfulDrainNode',
  FailedDrainNode: 'FailedDrainNode',
  NodeVolumesDetached: 'NodeVolumesDetached',
  FailedWaitForVolumeDetach: 'FailedWaitForVolumeDetach',
  FailedDeleteNode: 'FailedDeleteNode',
} as const;

/** What the Events compare: the Machine's state when the reconcile read it. */
export interface MachineSnapshot {
  phase?: string;
  bootstrapDataSecretCreated: boolean;
  infrastructureProvisioned: boolean;
  nodeName?: string;
  nodeReady?: string;
  deletingReason?: string;
  deletingMessage?: string;
}

export function snapshotMachine(machine: Stored<Machine>): MachineSnapshot {
  const status = machine.status;
  const deleting = getCondition(machine, MachineCondition.Deleting);
  const nodeReady = getCondition(machine, MachineCondition.NodeReady);
  return {
    ...(status?.phase ? { phase: status.phase } : {}),
    bootstrapDataSecretCreated: status?.initialization?.bootstrapDataSecretCreated === true,
    infrastructureProvisioned: status?.initialization?.infrastructureProvisioned === true,
    ...(status?.nodeRef?.name ? { nodeName: status.nodeRef.name } : {}),
    ...(nodeReady ? { nodeReady: nodeReady.status } : {}),
    ...(deleting?.status === 'True'
      ? { deletingReason: deleting.reason, deletingMessage: deleting.message }
      : {}),
  };
}

/** Deletion steps up to and including the drain, in order; a reason past them means the drain is behind. */
const UP_TO_DRAIN = new Set<string | undefined>([
  undefined,
  MachineReason.Deleting,
  MachineReason.DeletingWaitingForPreDrainHook,
  MachineReason.DeletingDrainingNode,
]);
const UP_TO_VOLUME_DETACH = new Set<string | undefined>([
  ...UP_TO_DRAIN,
  MachineReason.DeletingWaitingForVolumeDetach,
]);

export interface MachineTransitions {
  before: MachineSnapshot;
  machine: Stored<Machine>;
  /** The drain ran in this reconcile and found nothing left on the Node. */
  drained?: boolean;
  /** The wait for volume detach ran in this reconcile and found nothing attached. */
  volumesDetached?: boolean;
}

/** Records an Event for each change between `before` and the Machine as this reconcile leaves it. */
export function recordMachineTransitions(recorder: EventRecorder, t: MachineTransitions): void {
  const { before, machine } = t;
  const after = snapshotMachine(machine);
  const name = machine.metadata.name ?? '';

  if (!before.bootstrapDataSecretCreated && after.bootstrapDataSecretCreated) {
    const ref = machine.spec?.bootstrap?.configRef;
    const secret = machine.spec?.bootstrap?.dataSecretName;
    recorder.event(
      machine,
      'Normal',
      MachineEventReason.BootstrapDataReady,
      `Bootstrap data is ready${secret ? ` in Secret ${secret}` : ''}${ref?.name ? ` (${ref.kind} ${ref.name})` : ''}`,
    );
  }
  if (!before.infrastructureProvisioned && after.infrastructureProvisioned) {
    const ref = machine.spec?.infrastructureRef;
    const providerID = machine.spec?.providerID;
    recorder.event(
      machine,
      'Normal',
      MachineEventReason.InfrastructureProvisioned,
      `${ref?.kind ?? 'Infrastructure'} ${ref?.name ?? ''} is provisioned${providerID ? ` (providerID ${providerID})` : ''}`,
    );
  }
  if (!before.nodeName && after.nodeName)
    // Upstream's message is the Node's name alone.
    recorder.event(machine, 'Normal', UpstreamMachineEventReason.SuccessfulSetNodeRef, after.nodeName);
  if (after.nodeName && before.nodeReady !== after.nodeReady && !machine.metadata.deletionTimestamp) {
    const ready = getCondition(machine, MachineCondition.NodeReady);
    // A Node that joins Ready has SuccessfulSetNodeRef; this is for one that was linked and not Ready.
    if (after.nodeReady === 'True' && before.nodeName && before.nodeReady !== undefined)
      recorder.event(machine, 'Normal', MachineEventReason.NodeReady, `Node ${after.nodeName} is Ready`);
    else if (before.nodeReady === 'True' && after.nodeReady !== undefined)
      recorder.event(
        machine,
        'Warning',
        MachineEventReason.NodeNotReady,
        `Node ${after.nodeName} is not Ready${ready?.message ? `: ${ready.message}` : ''}`,
      );
  }
  // Phase changes, as upstream records them for Clusters: the reason is the new phase.
  if (after.phase && after.phase !== before.phase && after.phase !== MachinePhase.Pending)
    recorder.event(
      machine,
      after.phase === MachinePhase.Failed ? 'Warning' : 'Normal',
      after.phase,
      `Machine ${name} is ${after.phase}`,
    );

  if (!machine.metadata.deletionTimestamp) return;
  const blocked = budgetBlockedPods(after.deletingMessage);
  if (
    after.deletingReason === MachineReason.DeletingDrainingNode &&
    blocked.length > 0 &&
    blocked.join('\n') !== budgetBlockedPods(before.deletingMessage).join('\n')
  )
    recorder.event(
      machine,
      'Warning',
      MachineEventReason.DrainBlocked,
      `Drain of Node ${before.nodeName ?? after.nodeName ?? ''} is blocked: ${blocked.join('; ')}`,
    );
  if (t.drained && UP_TO_DRAIN.has(before.deletingReason))
    recorder.event(
      machine,
      'Normal',
      UpstreamMachineEventReason.SuccessfulDrainNode,
      `success draining Machine's node "${after.nodeName ?? ''}"`,
    );
  if (t.volumesDetached && UP_TO_VOLUME_DETACH.has(before.deletingReason))
    recorder.event(
      machine,
      'Normal',
      UpstreamMachineEventReason.NodeVolumesDetached,
      `success waiting for node volumes detaching Machine's node "${after.nodeName ?? ''}"`,
    );
}

const PDB_REFUSAL = "cannot evict pod as it would violate the pod's disruption budget.";

/**
 * `Pod ns/p cannot be evicted: PodDisruptionBudget b needs 1 healthy pods and has 1 currently` for each line of
 * the drain's condition message (drain-result.ts) that a PodDisruptionBudget refusal explains.
 */
export function budgetBlockedPods(drainMessage: string | undefined): string[] {
  const out: string[] = [];
  for (const line of (drainMessage ?? '').split('\n')) {
    const match = /^\* (Pods?) (.+?): (.*)$/.exec(line);
    if (!match || !match[3]!.startsWith(PDB_REFUSAL)) continue;
    const budget = /The disruption budget (\S+) needs (.+)$/.exec(match[3]!);
    out.push(
      `${match[1]} ${match[2]} cannot be evicted: ` +
        (budget
          ? `PodDisruptionBudget ${budget[1]} needs ${budget[2]}`
          : 'it would violate a PodDisruptionBudget'),
    );
  }
  return out;
}
