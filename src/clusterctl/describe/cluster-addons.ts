import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { isNoKindMatch } from '../../controller-runtime/client/errors.js';
import { getCondition } from '../../controller-runtime/conditions/condition.js';
import type { ClusterResourceSetBinding } from '../../core/api/addons/v1beta2/cluster-resource-set-binding-types.js';
import type { ClusterResourceSet } from '../../core/api/addons/v1beta2/cluster-resource-set-types.js';
import { API_VERSION as ADDONS_API_VERSION } from '../../core/api/addons/v1beta2/group.js';
import { setSelectsCluster } from '../../core/reconcilers/cluster-resource-set/selection.js';

const SetType: TypeRef = { apiVersion: ADDONS_API_VERSION, kind: 'ClusterResourceSet' };

/** One resource of a set, as the Cluster's binding records it. */
export interface ClusterAddonResource {
  kind: string;
  name: string;
  /** Applied to this cluster; false when tried and failed; undefined when not tried yet. */
  applied?: boolean;
  lastAppliedTime?: string;
}

/** A ClusterResourceSet as it concerns one Cluster. */
export interface ClusterAddonSet {
  name: string;
  strategy: string;
  /** The set selects the Cluster now (a set that applied before and no longer selects it is still listed). */
  selects: boolean;
  /** The set is gone; its binding entry remains. */
  deleted: boolean;
  /** The set's `ResourcesApplied` (over every Cluster it selects). */
  resourcesApplied?: { status: string; reason?: string; message?: string };
  resources: ClusterAddonResource[];
}

type Set = KubeObject & ClusterResourceSet;
type Binding = KubeObject & ClusterResourceSetBinding;

/**
 * The ClusterResourceSets that select a Cluster or applied something to it, each resource with what the
 * Cluster's ClusterResourceSetBinding (`loadClusterObjects` reads it) says of it, in name order. Empty when the
 * addons kinds are not served.
 */
export async function loadClusterAddons(
  reader: Reader,
  cluster: KubeObject,
  binding: KubeObject | undefined,
  signal?: AbortSignal,
): Promise<ClusterAddonSet[]> {
  let sets: Set[];
  try {
    const list = await reader.list<Set>(SetType, {
      namespace: cluster.metadata.namespace,
      ...(signal ? { signal } : {}),
    });
    sets = list.items;
  } catch (err) {
    if (isNoKindMatch(err)) return [];
    throw err;
  }
  const bound = (binding as Binding | undefined)?.spec?.bindings ?? [];
  const entries = new Map(bound.map((b) => [b.clusterResourceSetName, b]));
  const out: ClusterAddonSet[] = [];
  for (const set of sets) {
    const selects = setSelectsCluster(set, cluster);
    const setName = set.metadata.name ?? '';
    const entry = entries.get(setName);
    if (!selects && !entry) continue;
    entries.delete(setName);
    const condition = getCondition(set, 'ResourcesApplied');
    out.push({
      name: setName,
      strategy: set.spec?.strategy ?? 'ApplyOnce',
      selects,
      deleted: false,
      ...(condition
        ? {
            resourcesApplied: {
              status: condition.status,
              ...(condition.reason ? { reason: condition.reason } : {}),
              ...(condition.message ? { message: condition.message } : {}),
            },
          }
        : {}),
      resources: (set.spec?.resources ?? []).map((ref) => {
        const record = entry?.resources?.find((r) => r.kind === ref.kind && r.name === ref.name);
        return {
          kind: ref.kind,
          name: ref.name,
          ...(record ? { applied: record.applied } : {}),
          ...(record?.lastAppliedTime ? { lastAppliedTime: record.lastAppliedTime } : {}),
        };
      }),
    });
  }
  // Entries of sets that no longer exist (deleted while this binding kept them).
  for (const [setName, entry] of entries)
    out.push({
      name: setName,
      strategy: '',
      selects: false,
      deleted: true,
      resources: (entry.resources ?? []).map((r) => ({
        kind: r.kind,
        name: r.name,
        applied: r.applied,
        ...(r.lastAppliedTime ? { lastAppliedTime: r.lastAppliedTime } : {}),
      })),
    });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
