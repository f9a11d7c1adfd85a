import type { ConditionStatus, NewCondition } from '../../controller-runtime/conditions/condition.js';
import { formatConditionTime } from '../../controller-runtime/conditions/time.js';
import { ClusterCondition, ClusterReason } from '../api/v1beta2/well-known.js';
import type { HealthState } from './cluster-accessor.js';

/** `--remote-connection-grace-period`: how long the probe may fail before the condition turns False. */
export const DEFAULT_REMOTE_CONNECTION_GRACE_PERIOD_MS = 50_000;

/**
 * Upstream compares against a literal 5 here (the default failure threshold), not the configured one:
 * until that many attempts failed, a cluster that never answered is "not established yet".
 */
const NOT_ESTABLISHED_ATTEMPTS = 5;

/**
 * The Cluster's `RemoteConnectionProbe` condition as upstream's Cluster controller computes it
 * (`setRemoteConnectionProbeCondition`):
 * - never succeeded and fewer than 5 attempts failed: the connection is not established yet; the condition
 *   the Cluster already has is kept (pass it as `current`), else False/ProbeFailed "Remote connection not
 *   established yet";
 * - last success longer ago than the grace period (or never, after 5 failures): False/ProbeFailed
 *   "Remote connection probe failed[, probe last succeeded at <RFC 3339>]";
 * - otherwise True/ProbeSucceeded.
 */
export function remoteConnectionProbeCondition(
  state: Pick<HealthState, 'lastProbeSuccessTime' | 'consecutiveFailures'>,
  now: number,
  gracePeriodMs = DEFAULT_REMOTE_CONNECTION_GRACE_PERIOD_MS,
  current?: { status: ConditionStatus; reason: string; message?: string },
): NewCondition {
  const type = ClusterCondition.RemoteConnectionProbe;
  const lastSuccess = state.lastProbeSuccessTime;
  if (lastSuccess === undefined && state.consecutiveFailures < NOT_ESTABLISHED_ATTEMPTS) {
    if (current)
      return { type, status: current.status, reason: current.reason, message: current.message ?? '' };
    return {
      type,
      status: 'False',
      reason: ClusterReason.RemoteConnectionProbeFailed,
      message: 'Remote connection not established yet',
    };
  }
  if (lastSuccess === undefined || now - lastSuccess > gracePeriodMs) {
    return {
      type,
      status: 'False',
      reason: ClusterReason.RemoteConnectionProbeFailed,
      message:
        lastSuccess === undefined
          ? 'Remote connection probe failed'
          : `Remote connection probe failed, probe last succeeded at ${formatConditionTime(new Date(lastSuccess))}`,
    };
  }
  return { type, status: 'True', reason: ClusterReason.RemoteConnectionProbeSucceeded, message: '' };
}
