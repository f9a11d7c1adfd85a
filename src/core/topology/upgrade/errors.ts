// Typed failures of upgrade sequencing. The topology controller surfaces them on the Cluster (TopologyReconciled,
// reason ReconcileFailed) and keeps the previous `status.*.upgradePlan`, as upstream does when the plan fails.

/** A version that does not parse as a (tolerant) semantic version; names the version and whose it is. */
export class InvalidVersionError extends Error {
  override readonly name = 'InvalidVersionError';
  constructor(
    /** Whose version it is: `Cluster`, `ControlPlane`, `MachineDeployment md-0`, `ClusterClass`, ... */
    readonly subject: string,
    readonly version: string,
    message: string,
  ) {
    super(message);
  }
}

/** An upgrade that cannot be planned: a downgrade, a skipped minor, a plan that misses the target. */
export class UpgradePlanError extends Error {
  override readonly name = 'UpgradePlanError';
}

export const isInvalidVersionError = (err: unknown): err is InvalidVersionError =>
  err instanceof InvalidVersionError;
export const isUpgradePlanError = (err: unknown): err is UpgradePlanError => err instanceof UpgradePlanError;
