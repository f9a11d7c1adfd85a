// The Cluster TopologyReconciled condition while an upgrade is under way (upstream:
// core/reconcilers/topology/cluster/status.go, reconcileTopologyReconciledCondition). Upstream's v1beta2 condition
// says ClusterUpgrading with a bulleted progress message, or MachineDeploymentsUpgradeDeferred when only deferred
// MachineDeployments are left; the older reasons (ControlPlaneUpgradePending, MachineDeploymentsUpgradePending,
// MachineDeploymentsCreatePending) are deprecated and no longer set.
import { ClusterReason } from '../../api/v1beta2/well-known.js';
import type { UpgradeDecision } from './decide-upgrade.js';

/** `Kind name`, `Kinds a, b, c` or `Kinds a, b, c, ... (N more)`, names sorted. */
export function nameList(kind: string, kindPlural: string, names: readonly string[]): string {
  const sorted = [...names].sort();
  if (sorted.length === 1) return `${kind} ${sorted[0]}`;
  if (sorted.length <= 3) return `${kindPlural} ${sorted.join(', ')}`;
  return `${kindPlural} ${sorted.slice(0, 3).join(', ')}, ... (${sorted.length - 3} more)`;
}

/** ` (v2, v3 pending)`: the rest of a plan after the version being taken now. */
function pendingVersions(plan: readonly string[], version: string): string {
  const rest = plan.filter((v) => v !== version);
  return rest.length > 0 ? ` (${rest.join(', ')} pending)` : '';
}

/** Whether anything of an upgrade is still to happen (the condition is then False). */
export function isUpgradeInProgress(decision: UpgradeDecision): boolean {
  const cp = decision.controlPlane;
  const mds = decision.machineDeployments;
  return (
    cp.isPendingUpgrade ||
    cp.isStartingUpgrade ||
    cp.isUpgrading ||
    mds.pendingUpgrade.length > 0 ||
    mds.upgrading.length > 0 ||
    mds.deferred.length > 0 ||
    mds.pendingCreate.length > 0
  );
}

/**
 * Reason and message for a False TopologyReconciled condition while an upgrade is under way, or undefined when
 * nothing is pending (the condition is then True, ReconcileSucceeded, unless something else is wrong).
 *
 * ```
 * Cluster is upgrading to v1.34.1
 *   * KubeadmControlPlane upgrading to version v1.32.4 (v1.33.3, v1.34.1 pending)
 *   * MachineDeployments md-0, md-1 pending upgrade to version v1.34.1
 * ```
 */
export function topologyReconciledProgress(
  decision: UpgradeDecision,
  topologyVersion: string,
): { reason: string; message: string } | undefined {
  if (!isUpgradeInProgress(decision)) return undefined;
  const cp = decision.controlPlane;
  const mds = decision.machineDeployments;
  const cpVersion = decision.controlPlaneVersion;
  const objectName = (topologyName: string): string => mds.objectNames.get(topologyName) ?? topologyName;
  const list = (names: readonly string[]): string =>
    nameList('MachineDeployment', 'MachineDeployments', names.map(objectName));

  let reason: string = ClusterReason.TopologyReconciledClusterUpgrading;
  const lines = [`Cluster is upgrading to ${topologyVersion}`];

  if (cp.isStartingUpgrade || cp.isUpgrading) {
    lines.push(
      `${decision.controlPlaneKind} upgrading to version ${cpVersion}` +
        pendingVersions(decision.upgradePlan.controlPlane, cpVersion),
    );
  } else if (decision.upgradePlan.controlPlane.length > 0) {
    lines.push(
      `${decision.controlPlaneKind} pending upgrade to version ${decision.upgradePlan.controlPlane.join(', ')}`,
    );
  }

  // A MachineDeployment in several lists shows once: upgrading over deferred over pending.
  const upgrading = mds.upgrading;
  const deferred = mds.deferred.filter((n) => !upgrading.includes(n));
  const pending = mds.pendingUpgrade.filter((n) => !upgrading.includes(n) && !deferred.includes(n));
  const workersPlan = decision.upgradePlan.workers;

  if (upgrading.length > 0) {
    lines.push(
      `${list(upgrading)} upgrading to version ${cpVersion}${pendingVersions(workersPlan, cpVersion)}`,
    );
  }
  if (pending.length > 0 && workersPlan.length > 0) {
    lines.push(`${list(pending)} pending upgrade to version ${workersPlan.join(', ')}`);
  }
  if (deferred.length > 0) {
    lines.push(
      `${list(deferred)} upgrade to version ${cpVersion} deferred using defer-upgrade or hold-upgrade-sequence ` +
        'annotations',
    );
    // Only deferred MachineDeployments keep the upgrade from finishing: say that it waits for the user.
    if (!cp.isStartingUpgrade && !cp.isUpgrading && upgrading.length === 0 && pending.length === 0) {
      reason = ClusterReason.TopologyReconciledMachineDeploymentsUpgradeDeferred;
    }
  }
  if (mds.pendingCreate.length > 0) {
    // Upstream names these by topology name: the object names of new MachineDeployments change every reconcile.
    lines.push(
      `${nameList('MachineDeployment', 'MachineDeployments', mds.pendingCreate)} creation deferred while ` +
        'control plane upgrade is in progress',
    );
  }

  return { reason, message: lines.join('\n  * ') };
}
