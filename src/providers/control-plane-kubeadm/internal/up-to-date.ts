// Whether a control plane Machine matches its KubeadmControlPlane (upstream `UpToDate`/`matchesMachineSpec`), and
// why not: the reasons become the Machine's UpToDate condition, then KCP's RollingOut and MachinesUpToDate.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { getCondition, type NewCondition } from '../../../controller-runtime/conditions/index.js';
import { deepClone, deepEqual } from '../../../controller-runtime/util/json.js';
import type { Machine } from '../../../core/api/v1beta2/index.js';
import { Annotation, MachineCondition, MachineReason } from '../../../core/api/v1beta2/index.js';
import type { KubeadmConfig, KubeadmConfigSpec } from '../../bootstrap-kubeadm/api/index.js';
import type { KubeadmControlPlane } from '../api/index.js';
import { desiredKubeadmConfigSpec } from './desired-state.js';

const DAY_MS = 86_400_000;

export interface UpToDateResult {
  upToDate: boolean;
  /** Detailed reasons, for logs. */
  logMessages: string[];
  /** Short reasons, for the Machine's UpToDate condition (one `* ` line each). */
  conditionMessages: string[];
  /**
   * Whether the difference could be applied in place (upstream's in-place update feature): not for Machines
   * marked for deletion or remediation, expiring certificates or rollout.after, nor for up-to-date ones.
   */
  eligibleForInPlaceUpdate: boolean;
}

export interface UpToDateInput {
  kcp: KubeadmControlPlane;
  machine: Machine & KubeObject;
  kubeadmConfig?: KubeadmConfig | undefined;
  infraMachine?: KubeObject | undefined;
  /** Epoch milliseconds. */
  now: number;
}

const annotated = (obj: KubeObject, key: string): boolean => obj.metadata.annotations?.[key] !== undefined;

/**
 * The rollout verdict for one Machine, reasons in upstream's order: expiring certificates
 * (`rollout.before.certificatesExpiryDays` against `status.certificatesExpiryDate`), `rollout.after` passed since
 * the Machine was created, Kubernetes version, KubeadmConfig spec, InfraMachine cloned from another template. A
 * missing KubeadmConfig, InfraMachine or clone annotations never makes a Machine outdated (upstream's safety
 * against rolling out everything when a read fails).
 */
export function upToDate(input: UpToDateInput): UpToDateResult {
  const { kcp, machine, now } = input;
  const result: UpToDateResult = {
    upToDate: true,
    logMessages: [],
    conditionMessages: [],
    eligibleForInPlaceUpdate: true,
  };
  if (annotated(machine, Annotation.DeleteMachine)) result.eligibleForInPlaceUpdate = false;
  if (annotated(machine, Annotation.RemediateMachine)) result.eligibleForInPlaceUpdate = false;

  if (shouldRolloutBefore(kcp, machine, now)) {
    result.logMessages.push('certificates will expire soon, rolloutBefore expired');
    result.conditionMessages.push('Certificates will expire soon');
    result.eligibleForInPlaceUpdate = false;
  }
  if (shouldRolloutAfter(kcp, machine, now)) {
    result.logMessages.push('rolloutAfter expired');
    result.conditionMessages.push('KubeadmControlPlane spec.rolloutAfter expired');
    result.eligibleForInPlaceUpdate = false;
  }

  const machineVersion = machine.spec.version ?? '';
  if (machineVersion !== kcp.spec.version) {
    result.logMessages.push(
      `Machine version "${machineVersion}" is not equal to KCP version "${kcp.spec.version}"`,
    );
    // RollingOut puts version messages first by their "Version" prefix.
    result.conditionMessages.push(`Version ${machineVersion}, ${kcp.spec.version} required`);
  }

  const kubeadm = matchesKubeadmConfig(kcp, machine, input.kubeadmConfig);
  if (!kubeadm.matches) {
    result.logMessages.push(kubeadm.reason);
    result.conditionMessages.push('KubeadmConfig is not up-to-date');
  }

  const infra = matchesInfraMachine(kcp, input.infraMachine);
  if (!infra.matches) {
    result.logMessages.push(infra.reason);
    result.conditionMessages.push(`${machine.spec.infrastructureRef.kind} is not up-to-date`);
  }

  if (result.logMessages.length > 0) result.upToDate = false;
  else result.eligibleForInPlaceUpdate = false;
  return result;
}

/** `rollout.before.certificatesExpiryDays` is set and the Machine's certificates expire within that many days. */
export function shouldRolloutBefore(kcp: KubeadmControlPlane, machine: Machine, now: number): boolean {
  const days = kcp.spec.rollout?.before?.certificatesExpiryDays ?? 0;
  if (days === 0) return false;
  const expiry = Date.parse(machine.status?.certificatesExpiryDate ?? '');
  if (Number.isNaN(expiry)) return false;
  return now + days * DAY_MS > expiry;
}

/** `rollout.after` has passed, and the Machine was created before it. */
export function shouldRolloutAfter(kcp: KubeadmControlPlane, machine: KubeObject, now: number): boolean {
  const after = Date.parse(kcp.spec.rollout?.after ?? '');
  if (Number.isNaN(after)) return false;
  const created = Date.parse(machine.metadata.creationTimestamp ?? '') || 0;
  return created < after && after < now;
}

/** `Kind.group` (upstream `GroupKind.String()`), as `cluster.x-k8s.io/cloned-from-groupkind` carries it. */
export const groupKindString = (ref: { apiGroup?: string; kind: string }): string =>
  ref.apiGroup ? `${ref.kind}.${ref.apiGroup}` : ref.kind;

/** The InfraMachine was cloned from the template KCP names now (annotations `cluster.x-k8s.io/cloned-from-*`). */
export function matchesInfraMachine(
  kcp: KubeadmControlPlane,
  infraMachine: KubeObject | undefined,
): { matches: true } | { matches: false; reason: string } {
  if (!infraMachine) return { matches: true };
  const name = infraMachine.metadata.annotations?.[Annotation.TemplateClonedFromName];
  const groupKind = infraMachine.metadata.annotations?.[Annotation.TemplateClonedFromGroupKind];
  // Adopted or very old InfraMachines carry no clone annotations: not a reason to replace them.
  if (name === undefined || groupKind === undefined) return { matches: true };
  const ref = kcp.spec.machineTemplate.spec.infrastructureRef;
  const desiredGroupKind = groupKindString(ref);
  if (name === ref.name && groupKind === desiredGroupKind) return { matches: true };
  return {
    matches: false,
    reason: `Infrastructure template on KCP rotated from ${groupKind} ${name} to ${desiredGroupKind} ${ref.name}`,
  };
}

/**
 * A join KubeadmConfig always has `joinConfiguration.controlPlane` (KCP sets it); the first Machine's has no
 * joinConfiguration at all.
 */
export const isKubeadmConfigForJoin = (c: { spec?: KubeadmConfigSpec }): boolean =>
  c.spec?.joinConfiguration?.controlPlane !== undefined;

/**
 * The Machine's KubeadmConfig spec matches what KCP would create now. It is compared as a join config first (the
 * first Machine's init config converted to the equivalent join config, so a KCP whose init and join settings
 * agree does not replace it); an init config that still differs is compared once more against KCP's init form.
 * Fields that never cause a rollout are left out: controlPlaneEndpoint, DNS (updated in place), discovery, the
 * control plane health check timeout, and empty-versus-unset differences.
 */
export function matchesKubeadmConfig(
  kcp: KubeadmControlPlane,
  machine: Machine,
  current: KubeadmConfig | undefined,
): { matches: true } | { matches: false; reason: string } {
  // A Machine without a bootstrap reference is broken rather than outdated; remediation is for that.
  if (!machine.spec.bootstrap.configRef) return { matches: true };
  if (!current) return { matches: true };
  const currentSpec = current.spec ?? {};
  const join = prepareKubeadmConfigsForDiff(desiredKubeadmConfigSpec(kcp, true), currentSpec, true);
  let diff = diffPaths(join.current, join.desired);
  if (diff.length === 0) return { matches: true };
  if (!isKubeadmConfigForJoin(current)) {
    const init = prepareKubeadmConfigsForDiff(desiredKubeadmConfigSpec(kcp, false), currentSpec, false);
    diff = diffPaths(init.current, init.desired);
    if (diff.length === 0) return { matches: true };
  }
  return { matches: false, reason: `Machine KubeadmConfig is outdated: diff: ${diff.join(', ')}` };
}

/**
 * Copies of both specs with everything that must not cause a rollout normalised away (upstream
 * `PrepareKubeadmConfigsForDiff`). With `convertInitToJoin`, an init config is rewritten as the join config the
 * same node would have had.
 */
export function prepareKubeadmConfigsForDiff(
  desiredSpec: KubeadmConfigSpec,
  currentSpec: KubeadmConfigSpec,
  convertInitToJoin: boolean,
): { desired: KubeadmConfigSpec; current: KubeadmConfigSpec } {
  const desired = deepClone(desiredSpec);
  const current = deepClone(currentSpec);

  if (convertInitToJoin && current.joinConfiguration?.controlPlane === undefined) {
    const init = current.initConfiguration ?? {};
    const join = (current.joinConfiguration ??= {});
    assign(join, 'timeouts', init.timeouts);
    assign(join, 'patches', init.patches);
    assign(join, 'skipPhases', init.skipPhases);
    assign(join, 'nodeRegistration', init.nodeRegistration);
    join.controlPlane = init.localAPIEndpoint ? { localAPIEndpoint: init.localAPIEndpoint } : {};
    delete current.initConfiguration;
    // caCertPath exists only for join; a Machine created by kubeadm init must not be replaced over it.
    assign(join, 'caCertPath', desired.joinConfiguration?.caCertPath);
  }

  // The bootstrap provider fills in controlPlaneEndpoint; DNS is updated in the workload cluster in place.
  const currentCluster = (current.clusterConfiguration ??= {});
  assign(currentCluster, 'controlPlaneEndpoint', desired.clusterConfiguration?.controlPlaneEndpoint);
  assign(currentCluster, 'dns', desired.clusterConfiguration?.dns);

  for (const spec of [desired, current]) {
    applyPreviousKubeadmConfigDefaults(spec);
    // Discovery only matters for the next join (and its token must not leak into comparisons).
    if (spec.joinConfiguration) delete spec.joinConfiguration.discovery;
    // v1beta1's apiServer.timeoutForControlPlane converts into these; a conversion is no reason to roll out.
    delete spec.initConfiguration?.timeouts?.controlPlaneComponentHealthCheckSeconds;
    delete spec.joinConfiguration?.timeouts?.controlPlaneComponentHealthCheckSeconds;
  }
  return { desired: dropOmittable(desired), current: dropOmittable(current) };
}

function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = deepClone(value);
}

/** Defaults the KubeadmConfig webhook applies, as upstream's `ApplyPreviousKubeadmConfigDefaults`. */
function applyPreviousKubeadmConfigDefaults(spec: KubeadmConfigSpec): void {
  spec.format ||= 'cloud-config';
  const init = (spec.initConfiguration ??= {});
  (init.nodeRegistration ??= {}).imagePullPolicy ||= 'IfNotPresent';
  const join = (spec.joinConfiguration ??= {});
  (join.nodeRegistration ??= {}).imagePullPolicy ||= 'IfNotPresent';
  const exec = join.discovery?.file?.kubeConfig?.user?.exec;
  if (exec) exec.apiVersion ||= 'client.authentication.k8s.io/v1';
}

/**
 * Removes what serialises to nothing in upstream's Go types: empty strings, lists, maps and structs. Node
 * registration `taints` stay even when empty: an empty list there means "no taints", unlike an unset one
 * ("kubeadm's default taint").
 */
function dropOmittable<T>(value: T): T {
  return prune(value, '') as T;
}

function prune(value: unknown, key: string): unknown {
  if (Array.isArray(value)) {
    // Elements keep their place: an element that prunes to nothing stays as an empty value.
    const items = value.map((v: unknown) => prune(v, '') ?? (typeof v === 'object' ? {} : v));
    return items.length === 0 && key !== 'taints' ? undefined : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = prune(v, k);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (value === '' || value === undefined) return undefined;
  return value;
}

/** Dotted paths where two JSON values differ (for log messages; order of first appearance). */
export function diffPaths(current: unknown, desired: unknown, path = 'spec'): string[] {
  if (deepEqual(current, desired)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(current) && isObj(desired)) {
    const keys = [...new Set([...Object.keys(current), ...Object.keys(desired)])].sort();
    return keys.flatMap((k) => diffPaths(current[k], desired[k], `${path}.${k}`));
  }
  return [path];
}

/**
 * The UpToDate condition KCP sets on each of its Machines (upstream `reconcileMachineUpToDateCondition`): False
 * with the reasons when outdated; False/Updating while an in-place update runs or the kubelet has not caught up
 * with `spec.version`; True otherwise.
 */
export function machineUpToDateCondition(
  machine: Machine & KubeObject,
  result: UpToDateResult | undefined,
): NewCondition {
  if (result && !result.upToDate) {
    return {
      type: MachineCondition.UpToDate,
      status: 'False',
      reason: MachineReason.NotUpToDate,
      message: result.conditionMessages.map((m) => `* ${m}`).join('\n'),
    };
  }
  if (annotated(machine, Annotation.UpdateInProgress)) {
    const updating = getCondition(machine, MachineCondition.Updating);
    const message =
      updating?.status === 'True' && updating.message
        ? `* ${updating.message}`
        : '* In-place update in progress';
    return {
      type: MachineCondition.UpToDate,
      status: 'False',
      reason: MachineReason.UpToDateUpdating,
      message,
    };
  }
  const kubelet = machine.status?.nodeInfo?.kubeletVersion ?? '';
  if (kubelet !== '' && kubelet !== machine.spec.version) {
    return {
      type: MachineCondition.UpToDate,
      status: 'False',
      reason: MachineReason.UpToDateUpdating,
      message: `* Node.status.nodeInfo.kubeletVersion ${kubelet}, ${machine.spec.version ?? ''} required`,
    };
  }
  return { type: MachineCondition.UpToDate, status: 'True', reason: MachineReason.UpToDate };
}
