// MachineSet preflight checks (feature gate MachineSetPreflightChecks): before creating or remediating
// Machines, make sure the control plane is in a state that lets new workers join, as upstream does.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import {
  compareVersions,
  formatSemver,
  isSemverError,
  parseSemverTolerant,
  type SemVer,
} from '../../api/version.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import { Annotation, MachineSetPreflightCheck } from '../../api/v1beta2/well-known.js';
import { ControlPlane } from '../../contract/accessors.js';
import { arrayAt } from '../../contract/paths.js';
import type { Stored } from '../cluster/cluster-scope.js';

export type PreflightCheckName = (typeof MachineSetPreflightCheck)[keyof typeof MachineSetPreflightCheck];

/** Upstream re-checks failed preflight checks after 15 s (nothing watches the control plane for them). */
export const PREFLIGHT_FAILED_REQUEUE_MS = 15_000;

/** The checks cannot be run (unreadable control plane, unparsable versions): an error, not a verdict. */
export class PreflightCheckError extends Error {
  override readonly name = 'PreflightCheckError';
}

export interface PreflightInput {
  cluster: Stored<Cluster>;
  ms: Stored<MachineSet>;
  /** The control plane object the Cluster references (undefined: the Cluster has none). */
  controlPlane: KubeObject | undefined;
  /** Checks enabled for the manager (`--machineset-preflight-checks`, default All). */
  enabled: ReadonlySet<string>;
  /** Checks the MachineSet (or its BootstrapConfigTemplate) skips. */
  skipped: ReadonlySet<string>;
  /** Whether the ClusterTopology feature gate is on. */
  clusterTopology: boolean;
  /** `Scale up` or `Machine remediation`, for error messages. */
  action: string;
}

/** The checks named by a `machineset.cluster.x-k8s.io/skip-preflight-checks` value (comma-separated). */
export function parseSkippedChecks(value: string | undefined): Set<string> {
  if (!value) return new Set();
  return new Set(value.split(',').map((s) => s.trim()));
}

/** The skip annotation of the MachineSet, else of its BootstrapConfigTemplate. */
export function skipAnnotation(
  ms: KubeObject,
  bootstrapTemplate: KubeObject | undefined,
): string | undefined {
  return (
    ms.metadata.annotations?.[Annotation.MachineSetSkipPreflightChecks] ||
    bootstrapTemplate?.metadata.annotations?.[Annotation.MachineSetSkipPreflightChecks] ||
    undefined
  );
}

const shouldRun = (input: PreflightInput, check: string): boolean =>
  (input.enabled.has(MachineSetPreflightCheck.All) || input.enabled.has(check)) &&
  !input.skipped.has(MachineSetPreflightCheck.All) &&
  !input.skipped.has(check);

function parse(version: string, what: string, action: string): SemVer {
  const v = parseSemverTolerant(version);
  if (isSemverError(v))
    throw new PreflightCheckError(
      `failed to perform "${action}": failed to perform preflight checks: failed to parse version "${version}" of ${what}: ${v.error}`,
    );
  return v;
}

const topologyDefined = (cluster: Stored<Cluster>): boolean => {
  const t = cluster.spec?.topology as Record<string, unknown> | undefined;
  return !!t && Object.keys(t).length > 0;
};

/**
 * The failed checks, in upstream's words (empty when Machines may be created). Without a control plane object,
 * or one without a version, there is nothing to check.
 */
export function runPreflightChecks(input: PreflightInput): string[] {
  const { cluster, ms, controlPlane: cp, action } = input;
  if (input.enabled.size === 0 || input.skipped.has(MachineSetPreflightCheck.All)) return [];
  if (!cluster.spec?.controlPlaneRef?.name || !cp) return [];
  const cpVersion = ControlPlane.version(cp);
  if (!cpVersion) return [];
  const cpRef = `${cp.metadata.namespace ?? ''}/${cp.metadata.name ?? ''}`;
  const cpSemver = parse(cpVersion, `ControlPlane ${cpRef}`, action);
  const failures: string[] = [];

  if (shouldRun(input, MachineSetPreflightCheck.ControlPlaneIsStable)) {
    const failure = controlPlaneStable(input, cp, cpRef, cpVersion, cpSemver);
    if (failure) failures.push(failure);
  }

  const msVersion = ms.spec.template.spec.version;
  if (msVersion) {
    const msSemver = parse(
      msVersion,
      `MachineSet ${ms.metadata.namespace ?? ''}/${ms.metadata.name ?? ''}`,
      action,
    );
    const ms_ = formatSemver(msSemver);
    const cp_ = formatSemver(cpSemver);
    if (shouldRun(input, MachineSetPreflightCheck.KubernetesVersionSkew)) {
      if (msSemver.minor > cpSemver.minor)
        failures.push(
          `MachineSet version (${ms_}) and ControlPlane version (${cp_}) do not conform to the kubernetes version skew policy as MachineSet version is higher than ControlPlane version ("${MachineSetPreflightCheck.KubernetesVersionSkew}" preflight check failed)`,
        );
      else if (msSemver.minor < cpSemver.minor - 3)
        failures.push(
          `MachineSet version (${ms_}) and ControlPlane version (${cp_}) do not conform to the kubernetes version skew policy as MachineSet version is more than 3 minor versions older than the ControlPlane version ("${MachineSetPreflightCheck.KubernetesVersionSkew}" preflight check failed)`,
        );
    }
    if (shouldRun(input, MachineSetPreflightCheck.KubeadmVersionSkew)) {
      const ref = ms.spec.template.spec.bootstrap.configRef;
      const kubeadm = ref?.kind === 'KubeadmConfigTemplate' && ref.apiGroup === 'bootstrap.cluster.x-k8s.io';
      if (kubeadm && cpSemver.minor !== msSemver.minor)
        failures.push(
          `MachineSet version (${ms_}) and ControlPlane version (${cp_}) do not conform to kubeadm version skew policy as kubeadm only supports joining with the same major+minor version as the control plane ("${MachineSetPreflightCheck.KubeadmVersionSkew}" preflight check failed)`,
        );
    }
    if (shouldRun(input, MachineSetPreflightCheck.ControlPlaneVersionSkew)) {
      if (input.clusterTopology && topologyDefined(cluster) && cpVersion !== msVersion)
        failures.push(
          `MachineSet version (${msVersion}) is not yet the same as the ControlPlane version (${cpVersion}), waiting for version to be propagated to the MachineSet ("${MachineSetPreflightCheck.ControlPlaneVersionSkew}" preflight check failed)`,
        );
    }
  }
  return failures;
}

function controlPlaneStable(
  input: PreflightInput,
  cp: KubeObject,
  cpRef: string,
  cpVersion: string,
  cpSemver: SemVer,
): string | undefined {
  const { cluster } = input;
  const check = `"${MachineSetPreflightCheck.ControlPlaneIsStable}" preflight check failed`;
  if (input.clusterTopology && topologyDefined(cluster)) {
    const step = cluster.metadata.annotations?.[Annotation.ClusterTopologyUpgradeStep];
    const sameAsStep = !!step && step === cpVersion;
    const topologyVersion = cluster.spec?.topology?.version ?? '';
    if (topologyVersion !== cpVersion && !sameAsStep)
      return `${cp.kind ?? ''} ${cpRef} has a pending version upgrade to ${step || topologyVersion} (${check})`;
  }
  // Provisioning: no version reported in status yet.
  if (!ControlPlane.statusVersion(cp)) return `${cp.kind ?? ''} ${cpRef} is provisioning (${check})`;
  if (isUpgrading(cp, cpSemver, input.action)) return `${cp.kind ?? ''} ${cpRef} is upgrading (${check})`;
  return undefined;
}

/** Some reported version is older than spec.version (`status.versions`, else `status.version`). */
function isUpgrading(cp: KubeObject, specVersion: SemVer, action: string): boolean {
  const versions = (arrayAt(cp, 'status.versions') as { version?: string }[] | undefined) ?? [];
  const reported = versions.length
    ? versions.map((v) => v.version ?? '')
    : [ControlPlane.statusVersion(cp) ?? ''].filter((v) => v);
  return reported.some(
    (v) =>
      compareVersions(specVersion, parse(v, 'the control plane status', action), { withBuildTags: true }) >=
      1,
  );
}
