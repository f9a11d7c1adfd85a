// Who a KubeadmConfig renders bootstrap data for: the Machine (or, later, the MachinePool) named by one of its
// owner references, as upstream's GetTypedConfigOwner finds it (any owner reference of that group and kind,
// read at the current API version whatever version the reference was written with).
import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import { parseApiVersion } from '../../../controller-runtime/api/object.js';
import type { Reader } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { Cluster } from '../../../core/api/v1beta2/cluster-types.js';
import { API_VERSION as CORE_API_VERSION, GROUP as CORE_GROUP } from '../../../core/api/v1beta2/group.js';
import type { Machine } from '../../../core/api/v1beta2/machine-types.js';
import { Label } from '../../../core/api/v1beta2/well-known.js';

/** An API type as read from the server: always with metadata. */
export type Stored<T> = T & KubeObject;

export const MachineType: TypeRef = { apiVersion: CORE_API_VERSION, kind: 'Machine' };
export const ClusterType: TypeRef = { apiVersion: CORE_API_VERSION, kind: 'Cluster' };

export type ConfigOwner =
  | { kind: 'Machine'; machine: Stored<Machine> }
  /** Not rendered yet: MachinePool support comes later. */
  | { kind: 'MachinePool'; name: string }
  /** The reference names an object that is not there (yet). */
  | { kind: 'Missing'; ownerKind: string; name: string };

/** The config's owner, or undefined when no owner reference names a Machine or MachinePool. */
export async function configOwnerOf(reader: Reader, config: KubeObject): Promise<ConfigOwner | undefined> {
  for (const ref of config.metadata.ownerReferences ?? []) {
    if (parseApiVersion(ref.apiVersion).group !== CORE_GROUP) continue;
    if (ref.kind === 'MachinePool') return { kind: 'MachinePool', name: ref.name };
    if (ref.kind !== 'Machine') continue;
    try {
      const machine = await reader.get<Stored<Machine>>(MachineType, {
        namespace: config.metadata.namespace,
        name: ref.name,
      });
      return { kind: 'Machine', machine };
    } catch (err) {
      if (isNotFound(err)) return { kind: 'Missing', ownerKind: ref.kind, name: ref.name };
      throw err;
    }
  }
  return undefined;
}

/** The Machine's Cluster name: `spec.clusterName` (upstream's ConfigOwner.ClusterName), else its label. */
export const clusterNameOf = (machine: Stored<Machine>): string | undefined =>
  machine.spec?.clusterName || machine.metadata.labels?.[Label.ClusterName] || undefined;

/** The Machine's Cluster, or undefined when it does not exist (yet). */
export async function clusterOf(
  reader: Reader,
  machine: Stored<Machine>,
): Promise<Stored<Cluster> | undefined> {
  const name = clusterNameOf(machine);
  if (!name) return undefined;
  try {
    return await reader.get<Stored<Cluster>>(ClusterType, { namespace: machine.metadata.namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Control plane Machines carry the `cluster.x-k8s.io/control-plane` label (any value). */
export const isControlPlaneMachine = (machine: KubeObject): boolean =>
  Label.ControlPlane in (machine.metadata.labels ?? {});
