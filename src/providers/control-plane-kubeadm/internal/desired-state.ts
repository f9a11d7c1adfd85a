// What KCP wants its Machines' KubeadmConfigs and readiness gates to be (upstream `desiredstate`): the reconciler
// creates new Machines from it, and `up-to-date.ts` compares existing ones against it.
import { deepClone } from '../../../controller-runtime/util/json.js';
import {
  compareVersions,
  isSemverError,
  parseSemverTolerant,
  type SemVer,
} from '../../../core/api/version.js';
import type { KubeadmConfigSpec } from '../../bootstrap-kubeadm/api/index.js';
import { type KubeadmControlPlane, KubeadmControlPlaneMachineConditionType as C } from '../api/index.js';
import { isEtcdManaged } from './control-plane.js';

/** The kubeadm feature gate that makes kubelets on control plane nodes talk to their local API server. */
export const CONTROL_PLANE_KUBELET_LOCAL_MODE = 'ControlPlaneKubeletLocalMode';

const semver = (major: number, minor: number): SemVer => ({ major, minor, patch: 0, pre: [], build: [] });
/** kubeadm has the gate from 1.31; from 1.36 the behaviour is GA and the gate is gone. */
const LOCAL_MODE_FROM = semver(1, 31);
const LOCAL_MODE_UNTIL = semver(1, 36);

/** `spec.version` is not a version (admission keeps this out). */
export class InvalidKubernetesVersionError extends Error {
  override readonly name = 'InvalidKubernetesVersionError';
}

/**
 * Turns on `ControlPlaneKubeletLocalMode` for Kubernetes 1.31 up to (not including) 1.36 unless the user set it
 * either way; pre-releases count as their release.
 */
export function defaultFeatureGates(spec: KubeadmConfigSpec, version: SemVer): void {
  const opts = { withoutPreReleases: true };
  if (compareVersions(version, LOCAL_MODE_FROM, opts) < 0) return;
  if (compareVersions(version, LOCAL_MODE_UNTIL, opts) >= 0) return;
  const cc = (spec.clusterConfiguration ??= {});
  const gates = (cc.featureGates ??= {});
  if (!(CONTROL_PLANE_KUBELET_LOCAL_MODE in gates)) gates[CONTROL_PLANE_KUBELET_LOCAL_MODE] = true;
}

/**
 * The KubeadmConfig spec of a control plane Machine: the KCP's `kubeadmConfigSpec` without the part the other
 * kind of node does not use. A joining Machine gets no initConfiguration and always a
 * `joinConfiguration.controlPlane` (that is how a join config is told from an init one); the first Machine gets
 * no joinConfiguration. The clusterConfiguration stays in both (the bootstrap provider reads external etcd from
 * it).
 */
export function desiredKubeadmConfigSpec(kcp: KubeadmControlPlane, isJoin: boolean): KubeadmConfigSpec {
  const spec: KubeadmConfigSpec = deepClone(kcp.spec.kubeadmConfigSpec ?? {});
  if (isJoin) {
    delete spec.initConfiguration;
    const join = (spec.joinConfiguration ??= {});
    join.controlPlane ??= {};
  } else {
    delete spec.joinConfiguration;
  }
  const version = parseSemverTolerant(kcp.spec.version);
  if (isSemverError(version)) {
    throw new InvalidKubernetesVersionError(
      `failed to compute desired KubeadmConfig: failed to parse Kubernetes version "${kcp.spec.version}": ${version.error}`,
    );
  }
  defaultFeatureGates(spec, version);
  return spec;
}

/**
 * The readiness gates KCP puts on its Machines: Node labels/taints and the control plane Pods, etcd's two with
 * stacked etcd, then the user's (`machineTemplate.spec.readinessGates`), without duplicates.
 */
export function machineReadinessGates(kcp: KubeadmControlPlane): { conditionType: string }[] {
  const types: string[] = [
    C.NodeKubeadmLabelsAndTaintsSet,
    C.APIServerPodHealthy,
    C.ControllerManagerPodHealthy,
    C.SchedulerPodHealthy,
  ];
  if (isEtcdManaged(kcp)) types.push(C.EtcdPodHealthy, C.EtcdMemberHealthy);
  const gates: { conditionType: string }[] = types.map((conditionType) => ({ conditionType }));
  for (const gate of kcp.spec.machineTemplate.spec.readinessGates ?? []) {
    if (!gates.some((g) => g.conditionType === gate.conditionType)) gates.push(gate);
  }
  return gates;
}
