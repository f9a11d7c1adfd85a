// Whether one Machine is healthy, as upstream's MachineHealthCheck judges it, and when to look again.
import { getCondition } from '../../../controller-runtime/conditions/index.js';
import { formatGoDuration } from '../../api/duration.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import {
  Annotation,
  ClusterCondition,
  MachineCondition,
  MachineReason,
} from '../../api/v1beta2/well-known.js';
import type { Stored } from '../cluster/cluster-scope.js';
import type { Node } from '../machine/machine-node.js';

/** Upstream's default `nodeStartupTimeoutSeconds`. */
export const DEFAULT_NODE_STARTUP_TIMEOUT_SECONDS = 600;

export interface Checks {
  nodeStartupTimeoutSeconds?: number;
  unhealthyNodeConditions?: { type: string; status: string; timeoutSeconds: number }[];
  unhealthyMachineConditions?: { type: string; status: string; timeoutSeconds: number }[];
}

export interface Verdict {
  healthy: boolean;
  reason?: string;
  message?: string;
  /** When a condition that is not yet past its timeout will be, in ms from now. */
  nextCheckMs?: number;
}

const ltt = (obj: { status?: unknown; metadata?: unknown }, type: string): number | undefined => {
  const c = getCondition(obj as Stored<Machine>, type);
  return c ? Date.parse(c.lastTransitionTime) : undefined;
};

/**
 * A Machine is unhealthy when it carries the remediate annotation; when one of the unhealthy Machine
 * conditions has held past its timeout; when its Node is gone; when no Node appeared within the startup timeout
 * (counted from the latest of Machine creation, the Cluster's InfrastructureReady and ControlPlaneInitialized,
 * and the Machine's InfrastructureReady transitions); or when one of the unhealthy Node conditions has held past
 * its timeout. `node` is undefined when the Machine has no nodeRef or the Node was not found (`nodeMissing`).
 */
export function judgeMachine(options: {
  machine: Stored<Machine>;
  cluster: Stored<Cluster>;
  node: Node | undefined;
  nodeMissing: boolean;
  checks: Checks;
  now: number;
}): Verdict {
  const { machine, cluster, node, checks, now } = options;
  let next: number | undefined;
  const soonest = (ms: number): void => {
    next = next === undefined ? ms : Math.min(next, ms);
  };
  if (Annotation.RemediateMachine in (machine.metadata.annotations ?? {}))
    return {
      healthy: false,
      reason: MachineReason.HealthCheckHasRemediateAnnotation,
      message:
        'Health check failed: marked for remediation via cluster.x-k8s.io/remediate-machine annotation',
    };
  for (const rule of checks.unhealthyMachineConditions ?? []) {
    const c = getCondition(machine, rule.type);
    if (!c || c.status !== rule.status) continue;
    const held = now - Date.parse(c.lastTransitionTime);
    const timeout = rule.timeoutSeconds * 1000;
    if (held >= timeout)
      return {
        healthy: false,
        reason: MachineReason.HealthCheckUnhealthyMachine,
        message: `Health check failed: Condition ${rule.type} on Machine is reporting status ${rule.status} for more than ${formatGoDuration(timeout)}`,
      };
    soonest(timeout - held);
  }
  const nodeName = machine.status?.nodeRef?.name;
  if (nodeName && options.nodeMissing)
    return {
      healthy: false,
      reason: MachineReason.HealthCheckNodeDeleted,
      message: `Health check failed: Node ${nodeName} has been deleted`,
    };
  if (!node) {
    const timeoutSeconds = checks.nodeStartupTimeoutSeconds ?? DEFAULT_NODE_STARTUP_TIMEOUT_SECONDS;
    if (timeoutSeconds > 0) {
      const start = Math.max(
        Date.parse(machine.metadata.creationTimestamp ?? new Date(now).toISOString()),
        ltt(cluster, ClusterCondition.InfrastructureReady) ?? 0,
        ltt(cluster, ClusterCondition.ControlPlaneInitialized) ?? 0,
        ltt(machine, MachineCondition.InfrastructureReady) ?? 0,
      );
      const timeout = timeoutSeconds * 1000;
      if (now - start >= timeout)
        return {
          healthy: false,
          reason: MachineReason.HealthCheckNodeStartupTimeout,
          message: `Health check failed: Node failed to report startup in ${formatGoDuration(timeout)}`,
        };
      soonest(start + timeout - now);
    }
    return { healthy: true, ...(next !== undefined ? { nextCheckMs: next } : {}) };
  }
  for (const rule of checks.unhealthyNodeConditions ?? []) {
    const c = node.status?.conditions?.find((x) => x.type === rule.type);
    if (!c || c.status !== rule.status) continue;
    const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : now;
    const held = now - since;
    const timeout = rule.timeoutSeconds * 1000;
    if (held >= timeout)
      return {
        healthy: false,
        reason: MachineReason.HealthCheckUnhealthyNode,
        message: `Health check failed: Condition ${rule.type} on Node is reporting status ${rule.status} for more than ${formatGoDuration(timeout)}`,
      };
    soonest(timeout - held);
  }
  return { healthy: true, ...(next !== undefined ? { nextCheckMs: next } : {}) };
}

/**
 * Whether remediation may happen with `unhealthy` of `total` Machines unhealthy (`triggerIf`), and how many
 * more could be; upstream's isAllowedRemediation: `unhealthyInRange` "[min-max]" wins, else
 * `unhealthyLessThanOrEqualTo` (int or percentage of the total, rounded down), default 100%.
 */
export function remediationAllowed(
  triggerIf: { unhealthyInRange?: string; unhealthyLessThanOrEqualTo?: number | string } | undefined,
  total: number,
  unhealthy: number,
): { allowed: boolean; remaining: number; limit: string } {
  const range = triggerIf?.unhealthyInRange ? /^\[(\d+)-(\d+)\]$/.exec(triggerIf.unhealthyInRange) : null;
  if (range) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    const allowed = unhealthy >= min && unhealthy <= max;
    return { allowed, remaining: allowed ? max - unhealthy : 0, limit: triggerIf!.unhealthyInRange! };
  }
  const raw = triggerIf?.unhealthyLessThanOrEqualTo ?? '100%';
  const max =
    typeof raw === 'number'
      ? raw
      : raw.endsWith('%')
        ? Math.floor((Number(raw.slice(0, -1)) * total) / 100)
        : Number(raw);
  return { allowed: unhealthy <= max, remaining: Math.max(0, max - unhealthy), limit: String(raw) };
}
