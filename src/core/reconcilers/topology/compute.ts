// From the blueprint and the current state to the desired state: upgrade sequencing decides the versions, the
// desired-state code does the rest. The topology controller and `capi topology plan` both call this, so a plan
// cannot disagree with what the controller then does.
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { ControlPlane } from '../../contract/accessors.js';
import {
  computeDesiredState,
  type DesiredState,
  type RandomSource,
} from '../../topology/desired-state/index.js';
import {
  decideUpgrade,
  type MachineDeploymentUpgradeState,
  type UpgradeDecision,
  type UpgradeInput,
} from '../../topology/upgrade/index.js';
import type { Blueprint, LoadedCurrentState } from './current-state.js';

export interface ComputedTopology {
  desired: DesiredState;
  upgrade: UpgradeDecision;
}

const specVersionOf = (machine: KubeObject): string =>
  (machine.spec as { version?: string } | undefined)?.version ?? '';
const kubeletVersionOf = (machine: KubeObject): string | undefined =>
  (machine.status as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo?.kubeletVersion;

/**
 * Whether a control plane is still scaling (upstream's contract `IsScaling`): its reported replicas, ready,
 * available and up-to-date counts have not all reached `spec.replicas` yet.
 */
function controlPlaneIsScaling(current: LoadedCurrentState): boolean {
  const cp = current.controlPlane;
  const contract = current.controlPlaneContract;
  if (!cp || !contract) return false;
  const desired = ControlPlane.replicas(cp);
  if (desired === undefined) return false;
  return [
    ControlPlane.statusReplicas(cp),
    ControlPlane.readyReplicas(cp, contract),
    ControlPlane.availableReplicas(cp, contract),
    ControlPlane.upToDateReplicas(cp, contract),
  ].some((n) => (n ?? 0) !== desired);
}

/** What upgrade sequencing decides on, from the loaded objects. */
export function upgradeInput(
  cluster: Cluster & KubeObject,
  blueprint: Blueprint,
  current: LoadedCurrentState,
): UpgradeInput {
  const topology = cluster.spec.topology!;
  const cp = current.controlPlane;
  const machineDeployments: MachineDeploymentUpgradeState[] = (
    topology.workers?.machineDeployments ?? []
  ).map((md) => {
    const loaded = current.machineDeployments.get(md.name);
    const specVersion = loaded?.object.spec.template.spec.version;
    const machines = loaded?.machines ?? [];
    return {
      topologyName: md.name,
      exists: !!loaded,
      ...(loaded?.object.metadata.name ? { name: loaded.object.metadata.name } : {}),
      ...(specVersion ? { specVersion } : {}),
      machineVersions: machines.map(specVersionOf),
      kubeletVersions: machines.map(kubeletVersionOf).filter((v): v is string => !!v),
      annotations: { ...md.metadata?.annotations },
    };
  });
  const specVersion = cp ? ControlPlane.version(cp) : undefined;
  const statusVersion = cp ? ControlPlane.statusVersion(cp) : undefined;
  const statusVersions = ((cp?.status as { versions?: { version?: string }[] } | undefined)?.versions ?? [])
    .map((v) => v.version)
    .filter((v): v is string => !!v);
  const kubernetesVersions = blueprint.clusterClass.spec.kubernetesVersions;
  return {
    topologyVersion: topology.version,
    clusterAnnotations: { ...cluster.metadata.annotations },
    ...(kubernetesVersions?.length ? { kubernetesVersions } : {}),
    controlPlane: {
      exists: !!cp,
      ...(specVersion ? { specVersion } : {}),
      ...(statusVersion ? { statusVersion } : {}),
      ...(statusVersions.length ? { statusVersions } : {}),
      ...(cp?.kind ? { kind: cp.kind } : {}),
      isScaling: controlPlaneIsScaling(current),
      machinesUpToDate: current.controlPlaneMachines.every((m) => specVersionOf(m) === specVersion),
    },
    machineDeployments,
  };
}

export function computeTopology(input: {
  cluster: Cluster & KubeObject;
  blueprint: Blueprint;
  current: LoadedCurrentState;
  random?: RandomSource;
  /**
   * `final`: every part at `spec.topology.version`, the state an upgrade ends in (what a plan shows);
   * `sequenced` (default): the versions upgrade sequencing allows now (what the controller applies).
   */
  versions?: 'sequenced' | 'final';
}): ComputedTopology {
  const { cluster, blueprint, current } = input;
  const upgrade = decideUpgrade(upgradeInput(cluster, blueprint, current));
  const final = input.versions === 'final';
  const desired = computeDesiredState({
    cluster,
    clusterClass: blueprint.clusterClass,
    templates: blueprint.templates,
    current,
    versionFor: ({ object, topologyName, topologyVersion }) =>
      final
        ? topologyVersion
        : object === 'ControlPlane'
          ? upgrade.controlPlaneVersion
          : (upgrade.machineDeploymentVersions.get(topologyName ?? '') ?? topologyVersion),
    ...(input.random ? { random: input.random } : {}),
  });
  return { desired, upgrade };
}
