// The Machine's NodeReady and NodeHealthy conditions, as upstream's `setNodeHealthyAndReadyConditions` computes
// them: from the Node when it can be read; from the workload cluster's connection health when it cannot, keeping
// the last known conditions for a grace period so a short outage does not flip every Machine to Unknown.
import {
  type ConditionsObject,
  formatConditionTime,
  getCondition,
  type NewCondition,
  setCondition,
} from '../../../controller-runtime/conditions/index.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import { ClusterCondition, MachineCondition, MachineReason } from '../../api/v1beta2/well-known.js';
import type { Node } from './machine-node.js';

/** Upstream `--remote-conditions-grace-period` default: 5 minutes. */
export const DEFAULT_REMOTE_CONDITIONS_GRACE_PERIOD_MS = 5 * 60_000;

/**
 * Upstream compares with a literal 5 (the cluster cache's default failure threshold): until that many attempts
 * failed, a cluster that never answered counts as "not established yet".
 */
const NOT_ESTABLISHED_ATTEMPTS = 5;

const NODE_CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

type NodeCondition = NonNullable<NonNullable<Node['status']>['conditions']>[number];

/** NodeReady and NodeHealthy both with this status, reason and message (upstream `setNodeConditions`). */
export function bothNodeConditions(
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
): NewCondition[] {
  return [
    { type: MachineCondition.NodeReady, status, reason, message },
    { type: MachineCondition.NodeHealthy, status, reason, message },
  ];
}

/** NodeReady mirrors the Node's Ready condition (and its transition time); NodeHealthy summarizes the Node's conditions. */
export function nodeConditions(node: Node): NewCondition[] {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  let nodeReady: NewCondition;
  if (!ready) {
    nodeReady = {
      type: MachineCondition.NodeReady,
      status: 'Unknown',
      reason: MachineReason.NodeReadyUnknown,
      message: '* Node.Ready: Condition not yet reported',
    };
  } else {
    const status = ready.status === 'True' || ready.status === 'False' ? ready.status : 'Unknown';
    nodeReady = {
      type: MachineCondition.NodeReady,
      status,
      reason:
        status === 'True'
          ? MachineReason.NodeReady
          : status === 'False'
            ? MachineReason.NodeNotReady
            : MachineReason.NodeReadyUnknown,
      message: status !== 'True' && ready.message ? `* Node.Ready: ${ready.message}` : '',
      ...(ready.lastTransitionTime ? { lastTransitionTime: ready.lastTransitionTime } : {}),
    };
  }
  return [nodeReady, nodeHealthy(conditions)];
}

/**
 * Upstream `summarizeNodeConditions`: only issues and unknowns are listed; a condition the kubelet has not
 * reported counts as unknown; when several conditions say the same thing it is said once (`Node.AllConditions`).
 */
function nodeHealthy(conditions: readonly NodeCondition[]): NewCondition {
  let falses = 0;
  let unknowns = 0;
  let reported = 0;
  const distinct = new Set<string>();
  let messages: string[] = [];
  for (const type of NODE_CONDITION_TYPES) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      messages.push(`* Node.${type}: Condition not yet reported`);
      unknowns++;
      continue;
    }
    const good = type === 'Ready' ? c.status === 'True' : c.status === 'False';
    if (good) continue;
    const m = c.message || `Condition is ${c.status}`;
    reported++;
    distinct.add(m);
    messages.push(`* Node.${type}: ${m}`);
    if (c.status === 'Unknown') unknowns++;
    else falses++;
  }
  if (reported > 1 && distinct.size === 1) messages = [`* Node.AllConditions: ${[...distinct][0]!}`];
  const message = messages.join('\n');
  if (falses > 0)
    return {
      type: MachineCondition.NodeHealthy,
      status: 'False',
      reason: MachineReason.NodeNotHealthy,
      message,
    };
  if (unknowns > 0)
    return {
      type: MachineCondition.NodeHealthy,
      status: 'Unknown',
      reason: MachineReason.NodeHealthUnknown,
      message,
    };
  return {
    type: MachineCondition.NodeHealthy,
    status: 'True',
    reason: MachineReason.NodeHealthy,
    message: '',
  };
}

/** What the Machine controller learnt about the Node in this reconcile. */
export interface NodeObservation {
  machine: Pick<Machine, 'spec' | 'status'> & ConditionsObject;
  cluster: Pick<Cluster, 'status'> & ConditionsObject;
  /** The InfraMachine kind, for "Waiting for <kind> to report spec.providerID". */
  infrastructureKind: string;
  node?: Node;
  /** Why the Node could not be read: the workload cluster is not connected, or another failure. */
  nodeReadFailure?: 'notConnected' | 'error';
  /** The cluster cache's health state of the workload cluster (times in ms since the epoch). */
  health: { lastProbeSuccessTime?: number; consecutiveFailures: number };
  remoteConditionsGracePeriodMs: number;
  now: number;
}

const lastProbeSuccessMessage = (t: number | undefined): string =>
  t === undefined ? '' : `Last successful probe at ${formatConditionTime(new Date(t))}`;

/**
 * NodeReady and NodeHealthy for a Machine that is not being deleted, or undefined when the conditions the Machine
 * has should be kept (a connection problem within the grace period, counted from the later of the last successful
 * probe and the control plane's initialization). In order:
 * - the Cluster's infrastructure is not provisioned / its control plane not initialized: Unknown, InspectionFailed;
 * - never connected and fewer than 5 attempts failed: keep, else Unknown/ConnectionDown "Remote connection not established yet";
 * - the grace period has passed: Unknown/ConnectionDown "Last successful probe at <time>";
 * - not connected (within the grace period): keep, else Unknown/ConnectionDown;
 * - any other failure reading the Node: Unknown/InternalError;
 * - the Node: its conditions (see `nodeConditions`);
 * - no Node after one was linked: False/NodeDeleted; no Node yet: Unknown/InspectionFailed, waiting for it.
 */
export function machineNodeConditions(o: NodeObservation): NewCondition[] | undefined {
  const { machine, cluster } = o;
  const haveBoth =
    !!getCondition(machine, MachineCondition.NodeReady) &&
    !!getCondition(machine, MachineCondition.NodeHealthy);
  if (cluster.status?.initialization?.infrastructureProvisioned !== true)
    return bothNodeConditions(
      'Unknown',
      MachineReason.NodeInspectionFailed,
      'Waiting for Cluster status.initialization.infrastructureProvisioned to be true',
    );
  const cpInitialized = getCondition(cluster, ClusterCondition.ControlPlaneInitialized);
  if (cpInitialized?.status !== 'True')
    return bothNodeConditions(
      'Unknown',
      MachineReason.NodeInspectionFailed,
      'Waiting for Cluster control plane to be initialized',
    );
  const lastSuccess = o.health.lastProbeSuccessTime;
  if (lastSuccess === undefined && o.health.consecutiveFailures < NOT_ESTABLISHED_ATTEMPTS)
    return haveBoth
      ? undefined
      : bothNodeConditions(
          'Unknown',
          MachineReason.NodeConnectionDown,
          'Remote connection not established yet',
        );
  const since = Math.max(lastSuccess ?? 0, Date.parse(cpInitialized.lastTransitionTime) || 0);
  if (o.now - since > o.remoteConditionsGracePeriodMs)
    return bothNodeConditions(
      'Unknown',
      MachineReason.NodeConnectionDown,
      lastProbeSuccessMessage(lastSuccess),
    );
  if (o.nodeReadFailure === 'notConnected')
    return haveBoth
      ? undefined
      : bothNodeConditions('Unknown', MachineReason.NodeConnectionDown, lastProbeSuccessMessage(lastSuccess));
  if (o.nodeReadFailure === 'error')
    return bothNodeConditions(
      'Unknown',
      MachineReason.NodeInternalError,
      'Please check controller logs for errors',
    );
  if (o.node) return nodeConditions(o.node);
  const nodeRef = machine.status?.nodeRef?.name;
  if (nodeRef)
    return bothNodeConditions(
      'False',
      MachineReason.NodeDeleted,
      `Node ${nodeRef} has been deleted while the Machine still exists`,
    );
  const providerID = machine.spec?.providerID;
  return bothNodeConditions(
    'Unknown',
    MachineReason.NodeInspectionFailed,
    providerID
      ? `Waiting for a Node with spec.providerID ${providerID} to exist`
      : `Waiting for ${o.infrastructureKind} to report spec.providerID`,
  );
}

export function setNodeConditions(machine: ConditionsObject, conditions: readonly NewCondition[]): void {
  for (const c of conditions) setCondition(machine, c);
}
