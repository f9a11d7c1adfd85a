import type { KubeObject, TypeRef } from '../controller-runtime/api/object.js';
import type { Client } from '../controller-runtime/client/client.js';
import { isNotFound } from '../controller-runtime/client/errors.js';
import { API_VERSION } from '../core/api/v1beta2/group.js';
import { Annotation } from '../core/api/v1beta2/well-known.js';
import { API_VERSION as CONTROL_PLANE_API_VERSION } from '../providers/control-plane-kubeadm/api/well-known.js';
import { UsageError } from './errors.js';

export type RolloutAction = 'restart' | 'pause' | 'resume';

/** What `rollout` accepts, as `clusterctl alpha rollout` does: `machinedeployment/NAME`, `kubeadmcontrolplane/NAME`. */
const RESOURCES: Record<string, TypeRef> = {
  machinedeployment: { apiVersion: API_VERSION, kind: 'MachineDeployment' },
  machinedeployments: { apiVersion: API_VERSION, kind: 'MachineDeployment' },
  md: { apiVersion: API_VERSION, kind: 'MachineDeployment' },
  kubeadmcontrolplane: { apiVersion: CONTROL_PLANE_API_VERSION, kind: 'KubeadmControlPlane' },
  kubeadmcontrolplanes: { apiVersion: CONTROL_PLANE_API_VERSION, kind: 'KubeadmControlPlane' },
  kcp: { apiVersion: CONTROL_PLANE_API_VERSION, kind: 'KubeadmControlPlane' },
};

/** Parses `machinedeployment/my-md-0`; anything else is a usage error naming what is accepted. */
export function parseRolloutResource(arg: string): { type: TypeRef; name: string } {
  const [resource = '', name = '', ...rest] = arg.split('/');
  const type = RESOURCES[resource.toLowerCase()];
  if (!type || !name || rest.length > 0) {
    throw new UsageError(
      `"${arg}" is not a rollout resource: use machinedeployment/NAME or kubeadmcontrolplane/NAME`,
    );
  }
  return { type, name };
}

type Rollable = KubeObject & { spec?: { paused?: boolean; rollout?: { after?: string } } };

/**
 * `capi rollout restart|pause|resume RESOURCE` (clusterctl alpha rollout): restart sets `spec.rollout.after` to
 * now so every Machine created before is replaced with the rollout strategy; pause/resume set `spec.paused` on
 * a MachineDeployment and the `cluster.x-k8s.io/paused` annotation on a KubeadmControlPlane (which has no paused
 * field). Returns the line to show.
 */
export async function rollout(
  client: Client,
  options: { action: RolloutAction; resource: string; namespace: string; now?: Date },
): Promise<string> {
  const { type, name } = parseRolloutResource(options.resource);
  let obj: Rollable;
  try {
    obj = await client.get<Rollable>(type, { namespace: options.namespace, name });
  } catch (err) {
    if (isNotFound(err)) {
      throw new RolloutError(`${type.kind} "${name}" not found in namespace "${options.namespace}"`);
    }
    throw err;
  }
  const isMd = type.kind === 'MachineDeployment';
  const paused = isMd
    ? obj.spec?.paused === true
    : obj.metadata.annotations?.[Annotation.Paused] !== undefined;
  const ref = `${type.kind.toLowerCase()}/${name}`;
  switch (options.action) {
    case 'restart': {
      if (paused) {
        throw new RolloutError(
          `can't restart paused ${type.kind} "${name}" (run: capi rollout resume ${ref})`,
        );
      }
      const now = options.now ?? new Date();
      const after = obj.spec?.rollout?.after;
      if (after && Date.parse(after) > now.getTime()) {
        throw new RolloutError(
          `can't restart ${type.kind} "${name}": spec.rollout.after is already set in the future (${after}); remove it first`,
        );
      }
      const stamp = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
      await client.patch(obj, { type: 'merge', data: { spec: { rollout: { after: stamp } } } });
      return `${ref} restarted (spec.rollout.after: ${stamp})`;
    }
    case 'pause':
    case 'resume': {
      const pause = options.action === 'pause';
      if (paused === pause) return `${ref} already ${pause ? 'paused' : 'resumed'}`;
      await client.patch(
        obj,
        isMd
          ? { type: 'merge', data: { spec: { paused: pause } } }
          : {
              type: 'merge',
              data: { metadata: { annotations: { [Annotation.Paused]: pause ? 'true' : null } } },
            },
      );
      return `${ref} ${pause ? 'paused' : 'resumed'}`;
    }
  }
}

/** The rollout cannot be done as asked (object missing, paused, rollout already scheduled). */
export class RolloutError extends Error {
  override readonly name = 'RolloutError';
}
