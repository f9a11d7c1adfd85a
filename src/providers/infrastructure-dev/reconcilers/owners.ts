import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import { parseApiVersion } from '../../../controller-runtime/api/object.js';
import type { Reader } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { Cluster } from '../../../core/api/v1beta2/cluster-types.js';
import { GROUP as CORE_GROUP } from '../../../core/api/v1beta2/group.js';
import type { Machine } from '../../../core/api/v1beta2/machine-types.js';
import { Label } from '../../../core/api/v1beta2/well-known.js';

/** An API type as read from the server: always with metadata. */
export type Stored<T> = T & KubeObject;

export const ClusterType: TypeRef = { apiVersion: `${CORE_GROUP}/v1beta2`, kind: 'Cluster' };
export const MachineType: TypeRef = { apiVersion: `${CORE_GROUP}/v1beta2`, kind: 'Machine' };

/** The owner of `kind` in the core group, by owner reference (any version, as upstream matches). */
export async function ownerOf<T extends KubeObject>(
  reader: Reader,
  obj: KubeObject,
  type: TypeRef,
): Promise<T | undefined> {
  const ref = (obj.metadata.ownerReferences ?? []).find(
    (r) => r.kind === type.kind && parseApiVersion(r.apiVersion).group === CORE_GROUP,
  );
  if (!ref) return undefined;
  return getIfExists<T>(reader, type, obj.metadata.namespace, ref.name);
}

export async function getIfExists<T extends KubeObject>(
  reader: Reader,
  type: TypeRef,
  namespace: string | undefined,
  name: string,
): Promise<T | undefined> {
  try {
    return await reader.get<T>(type, { namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The Cluster a Machine belongs to (`spec.clusterName`, else the cluster-name label). */
export async function clusterOfMachine(
  reader: Reader,
  machine: Stored<Machine>,
): Promise<Stored<Cluster> | undefined> {
  const name = machine.spec?.clusterName ?? machine.metadata.labels?.[Label.ClusterName];
  if (!name) return undefined;
  return getIfExists<Stored<Cluster>>(reader, ClusterType, machine.metadata.namespace, name);
}
