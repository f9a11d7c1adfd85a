// Upgrade plans of a Cluster with managed topology: the versions the control plane goes through to reach
// spec.topology.version, and the (fewest) versions the workers go through. Upstream: exp/topology/desiredstate
// upgrade_plan.go (ComputeUpgradePlan, DefaultAndValidateUpgradePlans, GetUpgradePlanOneMinor,
// GetUpgradePlanFromClusterClassVersions).
import {
  compareVersions,
  formatSemver,
  isSemverError,
  parseSemverTolerant,
  type SemVer,
} from '../../api/version.js';
import { InvalidVersionError, UpgradePlanError } from './errors.js';

/**
 * Workers may run at most this many minors behind the control plane (the Kubernetes version skew policy since
 * v1.28, KEP-3935). Upstream inserts a worker step every third minor.
 */
export const MAX_WORKER_MINOR_SKEW = 3;

export const CLUSTER_VERSION = 'Cluster spec.topology.version';
export const CONTROL_PLANE_VERSION = 'ControlPlane spec.version';

/** Parses with blang's ParseTolerant, or throws an `InvalidVersionError` whose message says whose version it is. */
export function parseVersion(version: string, subject: string, what = `${subject} version`): SemVer {
  const parsed = parseSemverTolerant(version);
  if (isSemverError(parsed)) {
    throw new InvalidVersionError(
      subject,
      version,
      `failed to parse ${what} ${JSON.stringify(version)}: ${parsed.error}`,
    );
  }
  return parsed;
}

/** `v` + blang's String(): how upstream prints a parsed version in messages. */
const withV = (v: SemVer): string => `v${formatSemver(v)}`;
const sameVersion = (a: SemVer, b: SemVer): boolean => formatSemver(a) === formatSemver(b);

/**
 * The control plane plan without ClusterClass `kubernetesVersions` (nor a GenerateUpgradePlan extension): one step
 * to the desired version; more than one minor cannot be planned.
 */
export function planOneMinor(desiredVersion: string, controlPlaneVersion: string): string[] {
  const desired = parseVersion(desiredVersion, 'Cluster', CLUSTER_VERSION);
  const current = parseVersion(controlPlaneVersion, 'ControlPlane', CONTROL_PLANE_VERSION);
  if (sameVersion(current, desired)) return [];
  if (desired.minor > current.minor + 1) {
    throw new UpgradePlanError(
      `cannot compute an upgrade plan from ${controlPlaneVersion} to ${desiredVersion}: upgrading by more than ` +
        'one minor requires spec.kubernetesVersions (or a GenerateUpgradePlan extension) in the ClusterClass',
    );
  }
  return [desiredVersion];
}

/**
 * The control plane plan from ClusterClass `spec.kubernetesVersions` (listed in upgrade order): the listed versions
 * newer than the control plane up to the desired one, keeping only the last one of each minor. A patch upgrade
 * within the current minor is the one step to the desired version. The desired version is expected in the list
 * (the Cluster webhook enforces it); if it is not, the plan stops short and `defaultAndValidateUpgradePlans` fails.
 */
export function planFromKubernetesVersions(
  kubernetesVersions: readonly string[],
  desiredVersion: string,
  controlPlaneVersion: string,
): string[] {
  const desired = parseVersion(desiredVersion, 'Cluster', CLUSTER_VERSION);
  const current = parseVersion(controlPlaneVersion, 'ControlPlane', CONTROL_PLANE_VERSION);
  if (sameVersion(current, desired)) return [];

  const candidates: { text: string; version: SemVer }[] = [];
  for (const text of kubernetesVersions) {
    const version = parseVersion(text, 'ClusterClass', 'ClusterClass spec.kubernetesVersions entry');
    // Versions equal to the current one, even with other build tags, never make it into the plan: it starts at
    // the next minor (or the next patch).
    if (compareVersions(version, current) <= 0) continue;
    if (compareVersions(version, desired, { withBuildTags: true }) === 1) break;
    candidates.push({ text, version });
    if (sameVersion(version, desired)) break;
  }
  if (candidates.length === 0) return [];

  const plan: string[] = [];
  let minor = current.minor;
  // A patch upgrade inside the current minor: the loop below only opens a step on a new minor.
  if (minor === desired.minor) plan.push((candidates[0] as { text: string }).text);
  for (const { text, version } of candidates) {
    if (version.minor > minor) plan.push(text);
    else if (version.minor === minor && plan.length > 0) plan[plan.length - 1] = text;
    minor = version.minor;
  }
  return plan;
}

export interface ValidateUpgradePlansInput {
  desiredVersion: string;
  controlPlaneVersion: string;
  /** The oldest MachineDeployment version; undefined without workers. */
  minWorkersVersion?: string | undefined;
  controlPlanePlan: readonly string[];
  /** A workers plan given by a plan source (an extension); empty or absent: the fewest steps are computed. */
  workersPlan?: readonly string[] | undefined;
}

/**
 * Validates the control plane plan (ascending, no skipped minor, ends at the desired version) and returns the
 * workers plan: the one given, validated, or the fewest steps that keep workers within `MAX_WORKER_MINOR_SKEW`
 * minors of the control plane, ending at the desired version. Workers already at the desired version (or no
 * workers) get an empty plan.
 */
export function defaultAndValidateUpgradePlans(input: ValidateUpgradePlansInput): string[] {
  const { desiredVersion, controlPlaneVersion, controlPlanePlan } = input;
  const desired = parseVersion(desiredVersion, 'Cluster', CLUSTER_VERSION);
  const controlPlane = parseVersion(controlPlaneVersion, 'ControlPlane', CONTROL_PLANE_VERSION);
  const minWorkers =
    input.minWorkersVersion === undefined || input.minWorkersVersion === ''
      ? undefined
      : parseVersion(input.minWorkersVersion, 'MachineDeployment', 'min workers version');

  // The version of each minor the control plane goes through (including where it is now, for workers lagging
  // behind it), and the order of versions that only differ by build tags.
  const minors = new Map<number, string>([[controlPlane.minor, controlPlaneVersion]]);
  const order = new Map<string, number>([[controlPlaneVersion, -1]]);

  if (compareVersions(controlPlane, desired, { withBuildTags: true }) !== 0) {
    let current = controlPlane;
    controlPlanePlan.forEach((text, i) => {
      order.set(text, i);
      const target = parseVersion(text, 'ControlPlane', `ControlPlane upgrade plan item ${i}`);
      if (compareVersions(target, current, { withBuildTags: true }) <= 0) {
        throw new UpgradePlanError(
          `invalid ControlPlane upgrade plan: item ${i}; version ${text} must be greater than ${withV(current)}`,
        );
      }
      if (target.minor !== current.minor && target.minor !== current.minor + 1) {
        throw new UpgradePlanError(
          `invalid ControlPlane upgrade plan: item ${i}; expecting a version with minor ${current.minor} or ` +
            `${current.minor + 1}, found version ${text}`,
        );
      }
      minors.set(target.minor, text);
      current = target;
    });
    if (compareVersions(current, desired, { withBuildTags: true }) !== 0) {
      throw new UpgradePlanError(
        `invalid ControlPlane upgrade plan: control plane upgrade plan must end with version ${desiredVersion}, ` +
          `ends with ${withV(current)} instead`,
      );
    }
  } else if (controlPlanePlan.length > 0) {
    throw new UpgradePlanError(
      'invalid ControlPlane upgrade plan: control plane is already at the desired version',
    );
  }

  const given = [...(input.workersPlan ?? [])];
  if (minWorkers === undefined || compareVersions(minWorkers, desired, { withBuildTags: true }) === 0) {
    if (given.length > 0) {
      throw new UpgradePlanError(
        'invalid worker upgrade plan; there are no workers or workers already at the desired version',
      );
    }
    return [];
  }

  if (controlPlanePlan.length > 0 && given.length > 0) {
    const known = new Set([...controlPlanePlan, controlPlaneVersion]);
    const unknown = given.filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new UpgradePlanError(
        `invalid workers upgrade plan: versions ${unknown.join(',')} doesn't match any versions in the control ` +
          'plane upgrade plan nor the control plane version',
      );
    }
  }

  const workersPlan = given;
  if (workersPlan.length === 0) {
    // Efficient upgrades: workers move only when the skew would otherwise grow past the limit, and at the end.
    for (
      let step = MAX_WORKER_MINOR_SKEW;
      minWorkers.minor + step < desired.minor;
      step += MAX_WORKER_MINOR_SKEW
    ) {
      const version = minors.get(minWorkers.minor + step);
      if (version === undefined) {
        // Upstream silently returns no workers plan here; an explicit failure is easier to act on.
        throw new UpgradePlanError(
          `invalid upgrade plan; unable to identify version for minor ${minWorkers.minor + step}: workers at ` +
            `${input.minWorkersVersion} are more than ${MAX_WORKER_MINOR_SKEW} minors behind the control plane ` +
            `upgrade plan from ${controlPlaneVersion}`,
        );
      }
      workersPlan.push(version);
    }
    if (workersPlan[workersPlan.length - 1] !== desiredVersion) workersPlan.push(desiredVersion);
  }

  let current = minWorkers;
  workersPlan.forEach((text, i) => {
    const target = parseVersion(text, 'MachineDeployment', `workers upgrade plan item ${i}`);
    const cmp = compareVersions(target, current, { withBuildTags: true });
    if (cmp <= 0) {
      throw new UpgradePlanError(
        `invalid workers upgrade plan, item ${i}; version ${text} must be greater than ${withV(current)}`,
      );
    }
    if (cmp === 2) {
      // Same major.minor.patch, build tags that do not order: follow the control plane plan's order.
      const targetOrder = order.get(text);
      const currentOrder = order.get(withV(current));
      if (targetOrder === undefined || currentOrder === undefined) {
        throw new UpgradePlanError(
          `invalid workers upgrade plan, item ${i}; failed to determine the order of version ${text}`,
        );
      }
      if (targetOrder < currentOrder) {
        throw new UpgradePlanError(
          `invalid workers upgrade plan, item ${i}; version ${text} must be before ${withV(current)}`,
        );
      }
    }
    if (target.minor - current.minor > MAX_WORKER_MINOR_SKEW) {
      throw new UpgradePlanError(
        `invalid workers upgrade plan, item ${i}; workers cannot go from minor ${current.minor} ` +
          `(${withV(current)}) to minor ${target.minor} (${text}), an intermediate step is required to comply ` +
          'with Kubernetes version skew rules',
      );
    }
    current = target;
  });
  if (compareVersions(current, desired, { withBuildTags: true }) !== 0) {
    throw new UpgradePlanError(
      `invalid workers upgrade plan; workers upgrade plan must end with version ${desiredVersion}, ends with ` +
        `${withV(current)} instead`,
    );
  }
  return workersPlan;
}

/** A version a MachineDeployment runs (its `spec.template.spec.version`). */
export interface WorkerVersion {
  /** For messages: the MachineDeployment's topology or object name. */
  name: string;
  version: string;
}

export interface ComputeUpgradePlansInput {
  topologyVersion: string;
  /** The current control plane `spec.version`. */
  controlPlaneVersion: string;
  /** Existing MachineDeployments with a version. */
  workers: readonly WorkerVersion[];
  /** ClusterClass `spec.kubernetesVersions`; absent or empty: one minor at a time. */
  kubernetesVersions?: readonly string[] | undefined;
}

export interface UpgradePlans {
  /** Versions the control plane still has to take, in order; empty when it is at the topology version. */
  controlPlane: string[];
  /** Versions the workers still have to take; keeps its first entry until every worker reached it. */
  workers: string[];
  /** The oldest worker version (`v`-prefixed), undefined without workers. */
  minWorkersVersion?: string;
}

/**
 * Both plans, from where the control plane and the oldest worker are now. Plans are recomputed on every
 * reconcile, so the control plane plan never includes the version the control plane is set to.
 */
export function computeUpgradePlans(input: ComputeUpgradePlansInput): UpgradePlans {
  const { topologyVersion, controlPlaneVersion } = input;
  const desired = parseVersion(topologyVersion, 'Cluster', CLUSTER_VERSION);
  const controlPlane = parseVersion(controlPlaneVersion, 'ControlPlane', CONTROL_PLANE_VERSION);

  let minWorkers: SemVer | undefined;
  for (const worker of input.workers) {
    if (worker.version === '') continue;
    const version = parseVersion(worker.version, `MachineDeployment ${worker.name}`);
    if (minWorkers === undefined || isOlder(version, minWorkers, controlPlane)) minWorkers = version;
  }
  const minWorkersVersion = minWorkers === undefined ? undefined : withV(minWorkers);
  const result = (controlPlanePlan: string[], workersPlan: string[]): UpgradePlans =>
    minWorkersVersion === undefined
      ? { controlPlane: controlPlanePlan, workers: workersPlan }
      : { controlPlane: controlPlanePlan, workers: workersPlan, minWorkersVersion };

  if (sameVersion(controlPlane, desired) && (minWorkers === undefined || sameVersion(minWorkers, desired))) {
    return result([], []);
  }

  const kubernetesVersions = input.kubernetesVersions ?? [];
  const controlPlanePlan =
    kubernetesVersions.length > 0
      ? planFromKubernetesVersions(kubernetesVersions, topologyVersion, controlPlaneVersion)
      : planOneMinor(topologyVersion, controlPlaneVersion);
  const workersPlan = defaultAndValidateUpgradePlans({
    desiredVersion: topologyVersion,
    controlPlaneVersion,
    minWorkersVersion,
    controlPlanePlan,
  });
  return result(controlPlanePlan, workersPlan);
}

/**
 * Whether `v` is older than the oldest version so far. Versions that only differ by unordered build tags are
 * told apart by the control plane: a worker is either at the control plane version or behind it.
 */
function isOlder(v: SemVer, min: SemVer, controlPlane: SemVer): boolean {
  const cmp = compareVersions(v, min, { withBuildTags: true });
  if (cmp === -1) return true;
  if (cmp === 2) return !sameVersion(v, controlPlane);
  return false;
}
