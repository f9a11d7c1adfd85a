import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import {
  ApiError,
  isNoKindMatch,
  isNotFound,
  isNotFoundOrNoKind,
} from '../../controller-runtime/client/errors.js';
import { API_VERSION as ADDONS_API_VERSION } from '../../core/api/addons/v1beta2/group.js';
import { API_VERSION } from '../../core/api/v1beta2/group.js';
import { Label } from '../../core/api/v1beta2/well-known.js';
import {
  ContractResolver,
  isUnsupportedContract,
  type ContractReference,
} from '../../core/contract/contract-version.js';
import { ClusterNotFoundError } from '../errors.js';
import { contractRef, refKey, type ClusterObjects, type UnresolvedReference } from './describe-tree.js';

const type = (kind: string): TypeRef => ({ apiVersion: API_VERSION, kind });
const RESOURCE_SET_BINDING: TypeRef = { apiVersion: ADDONS_API_VERSION, kind: 'ClusterResourceSetBinding' };

export interface LoadClusterObjectsOptions {
  namespace: string;
  name: string;
  signal?: AbortSignal;
  /** Also read the Cluster's ClusterResourceSetBinding (`--show-resourcesets`, the dashboard's add-ons). */
  resourceSetBinding?: boolean;
}

/**
 * Reads what `describe cluster` shows: the Cluster (or `ClusterNotFoundError`), its Machines, MachineSets,
 * MachineDeployments and MachinePools (by the `cluster.x-k8s.io/cluster-name` label), and every object they
 * reference, at the version the referenced kind's CRD declares for the contract, and (when asked) its
 * ClusterResourceSetBinding. A reference that cannot be
 * read (kind not installed, object gone, not allowed) is reported in `unresolved`, not thrown.
 */
export async function loadClusterObjects(
  client: Reader,
  options: LoadClusterObjectsOptions,
): Promise<ClusterObjects> {
  const { namespace, name } = options;
  const signal = options.signal ? { signal: options.signal } : {};
  let cluster: KubeObject;
  try {
    cluster = await client.get(type('Cluster'), { namespace, name }, signal);
  } catch (err) {
    // No Cluster CRD means no Cluster either: the user's question has the same answer.
    if (isNotFoundOrNoKind(err)) throw new ClusterNotFoundError(namespace, name);
    throw err;
  }
  cluster = { ...cluster, apiVersion: API_VERSION, kind: 'Cluster' };

  const list = async (kind: string): Promise<KubeObject[]> => {
    try {
      const found = await client.list(type(kind), {
        namespace,
        labelSelector: { [Label.ClusterName]: name },
        ...signal,
      });
      return found.items.map((item) => ({ ...item, apiVersion: API_VERSION, kind }));
    } catch (err) {
      if (isNoKindMatch(err)) return [];
      throw err;
    }
  };
  const [machines, machineSets, machineDeployments, machinePools] = await Promise.all([
    list('Machine'),
    list('MachineSet'),
    list('MachineDeployment'),
    list('MachinePool'),
  ]);

  const refs = new Map<string, ContractReference>();
  const addRef = (value: unknown): void => {
    const ref = contractRef(value);
    if (ref) refs.set(refKey(ref), ref);
  };
  const clusterSpec = field(cluster, 'spec');
  addRef(clusterSpec['infrastructureRef']);
  addRef(clusterSpec['controlPlaneRef']);
  for (const m of machines) {
    const spec = field(m, 'spec');
    addRef(spec['infrastructureRef']);
    addRef(field(spec, 'bootstrap')['configRef']);
  }
  for (const mp of machinePools) {
    const spec = field(field(field(mp, 'spec'), 'template'), 'spec');
    addRef(spec['infrastructureRef']);
    addRef(field(spec, 'bootstrap')['configRef']);
  }

  // One list per referenced kind rather than one read per reference: a cluster of 500 Machines costs a handful
  // of requests, not a thousand.
  const byKind = new Map<string, ContractReference[]>();
  for (const ref of refs.values()) {
    const key = `${ref.apiGroup}/${ref.kind}`;
    byKind.set(key, [...(byKind.get(key) ?? []), ref]);
  }
  const resolver = new ContractResolver(client);
  const referenced: KubeObject[] = [];
  const unresolved: UnresolvedReference[] = [];
  await Promise.all(
    [...byKind.values()].map(async (kindRefs) => {
      const outcome = await readKind(client, resolver, namespace, kindRefs, options.signal);
      referenced.push(...outcome.found);
      unresolved.push(...outcome.unresolved);
    }),
  );

  // The Cluster's ClusterResourceSetBinding (named after it), when asked for.
  let resourceSetBinding: KubeObject | undefined;
  if (options.resourceSetBinding) {
    try {
      resourceSetBinding = await client.get(RESOURCE_SET_BINDING, { namespace, name }, signal);
    } catch (err) {
      if (!isNotFoundOrNoKind(err)) throw err;
    }
  }

  return {
    cluster,
    machines,
    machineSets,
    machineDeployments,
    machinePools,
    referenced,
    unresolved,
    ...(resourceSetBinding ? { resourceSetBinding } : {}),
  };
}

/** The objects `refs` (all of one kind) name, listed at the version the kind's CRD declares for the contract. */
async function readKind(
  client: Reader,
  resolver: ContractResolver,
  namespace: string,
  refs: readonly ContractReference[],
  signal: AbortSignal | undefined,
): Promise<{ found: KubeObject[]; unresolved: UnresolvedReference[] }> {
  const { kind } = refs[0]!;
  const fail = (reason: (ref: ContractReference) => string) => ({
    found: [],
    unresolved: refs.map((ref) => ({ ref, reason: reason(ref) })),
  });
  let items: KubeObject[];
  let apiVersion: string;
  try {
    apiVersion = (await resolver.resolve(refs[0]!)).apiVersion;
    items = (await client.list({ apiVersion, kind }, { namespace, ...(signal ? { signal } : {}) })).items;
  } catch (err) {
    if (isUnsupportedContract(err)) return fail(() => err.message);
    if (isNotFound(err) || isNoKindMatch(err)) return fail((ref) => `${kind} "${ref.name}" not found`);
    // Forbidden and the like: these rows cannot be read, the rest of the tree still can.
    if (err instanceof ApiError) return fail((ref) => `cannot read ${kind} "${ref.name}": ${err.message}`);
    throw err;
  }
  const byName = new Map(items.map((item) => [item.metadata.name, item]));
  const found: KubeObject[] = [];
  const unresolved: UnresolvedReference[] = [];
  for (const ref of refs) {
    const item = byName.get(ref.name);
    if (item) found.push({ ...item, apiVersion, kind });
    else unresolved.push({ ref, reason: `${kind} "${ref.name}" not found` });
  }
  return { found, unresolved };
}

function field(obj: unknown, key: string): Record<string, unknown> {
  const value = typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
