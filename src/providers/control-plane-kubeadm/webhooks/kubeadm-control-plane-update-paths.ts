// Which parts of a KubeadmControlPlane may change after creation: upstream's allow-list, matched against the
// paths of the JSON merge patch from the old object to the new one.
import type { FieldError } from '../../../controller-runtime/webhook/field-errors.js';
import { fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import {
  createMergePatch,
  isJsonObject,
  type JsonObject,
} from '../../../controller-runtime/util/merge-patch.js';

const kcs = ['spec', 'kubeadmConfigSpec'] as const;
const cc = [...kcs, 'clusterConfiguration'] as const;
const init = [...kcs, 'initConfiguration'] as const;
const join = [...kcs, 'joinConfiguration'] as const;

/**
 * Upstream's list, entry for entry. A trailing `*` allows anything below the path; a path without it allows the
 * field itself to change or be unset, but not its children one by one (`etcd.external` may change inside, but
 * dropping it whole is refused: switching etcd topology is not supported).
 */
export const KCP_UPDATABLE_PATHS: readonly (readonly string[])[] = [
  ['metadata', '*'],
  // spec.kubeadmConfigSpec.clusterConfiguration
  [...cc, 'etcd'],
  [...cc, 'etcd', '*'],
  [...cc, 'etcd', 'local'],
  [...cc, 'etcd', 'local', '*'],
  [...cc, 'etcd', 'external', '*'],
  [...cc, 'dns'],
  [...cc, 'dns', '*'],
  [...cc, 'imageRepository'],
  [...cc, 'featureGates'],
  [...cc, 'featureGates', '*'],
  [...cc, 'apiServer'],
  [...cc, 'apiServer', '*'],
  [...cc, 'controllerManager'],
  [...cc, 'controllerManager', '*'],
  [...cc, 'scheduler'],
  [...cc, 'scheduler', '*'],
  [...cc, 'certificateValidityPeriodDays'],
  [...cc, 'encryptionAlgorithm'],
  // spec.kubeadmConfigSpec.initConfiguration
  [...init, 'nodeRegistration'],
  [...init, 'nodeRegistration', '*'],
  [...init, 'patches', 'directory'],
  [...init, 'patches'],
  [...init, 'skipPhases'],
  [...init, 'bootstrapTokens'],
  [...init, 'localAPIEndpoint'],
  [...init, 'localAPIEndpoint', '*'],
  [...init, 'timeouts'],
  [...init, 'timeouts', '*'],
  // spec.kubeadmConfigSpec.joinConfiguration
  [...join, 'nodeRegistration'],
  [...join, 'nodeRegistration', '*'],
  [...join, 'patches', 'directory'],
  [...join, 'patches'],
  [...join, 'skipPhases'],
  [...join, 'caCertPath'],
  [...join, 'controlPlane'],
  [...join, 'controlPlane', '*'],
  [...join, 'discovery'],
  [...join, 'discovery', '*'],
  [...join, 'timeouts'],
  [...join, 'timeouts', '*'],
  // spec.kubeadmConfigSpec
  [...kcs, 'bootCommands'],
  [...kcs, 'preKubeadmCommands'],
  [...kcs, 'postKubeadmCommands'],
  [...kcs, 'files'],
  [...kcs, 'verbosity'],
  [...kcs, 'users'],
  [...kcs, 'ntp'],
  [...kcs, 'ntp', '*'],
  [...kcs, 'ignition'],
  [...kcs, 'ignition', '*'],
  [...kcs, 'diskSetup'],
  [...kcs, 'diskSetup', '*'],
  [...kcs, 'format'],
  [...kcs, 'mounts'],
  // spec.machineTemplate
  ['spec', 'machineTemplate', 'metadata'],
  ['spec', 'machineTemplate', 'metadata', '*'],
  ['spec', 'machineTemplate', 'spec'],
  ['spec', 'machineTemplate', 'spec', '*'],
  // spec
  ['spec', 'replicas'],
  ['spec', 'version'],
  ['spec', 'remediation'],
  ['spec', 'remediation', '*'],
  ['spec', 'machineNaming'],
  ['spec', 'machineNaming', '*'],
  ['spec', 'rollout'],
  ['spec', 'rollout', '*'],
];

/** Upstream's `pathsMatch`, including its rule that a path shorter than the allowed one does not match. */
function pathMatches(allowed: readonly string[], path: readonly string[]): boolean {
  if (allowed.length === 0 || path.length === 0) return false;
  let i = 0;
  for (i = 0; i < path.length; i++) {
    if (i > allowed.length - 1) return false;
    if (allowed[i] === '*') return true;
    if (path[i] !== allowed[i]) return false;
  }
  // Go's range loop leaves i at the last index, not one past it.
  return i - 1 >= allowed.length - 1;
}

/** The leaf paths of a merge patch: arrays, scalars and removals (`null`) end a path; objects are descended. */
function patchPaths(patch: JsonObject, prefix: readonly string[] = []): string[][] {
  return Object.entries(patch).flatMap(([key, value]) => {
    if (value === undefined) return [];
    return isJsonObject(value) ? patchPaths(value, [...prefix, key]) : [[...prefix, key]];
  });
}

/** `<path>: Forbidden: cannot be modified` for each changed path outside the allow-list. */
export function forbiddenKCPChanges(oldObj: object, newObj: object): FieldError[] {
  // A round trip through JSON drops `undefined` members, as marshalling the Go structs does.
  const before = JSON.parse(JSON.stringify(oldObj)) as JsonObject;
  const after = JSON.parse(JSON.stringify(newObj)) as JsonObject;
  return patchPaths(createMergePatch(before, after))
    .filter((path) => !KCP_UPDATABLE_PATHS.some((allowed) => pathMatches(allowed, path)))
    .map((path) => fieldError.forbidden(path.join('.'), 'cannot be modified'));
}
