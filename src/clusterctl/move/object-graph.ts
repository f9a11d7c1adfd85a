import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { isNotFoundOrNoKind } from '../../controller-runtime/client/errors.js';
import { Label } from '../../core/api/v1beta2/well-known.js';
import { ClusterctlAnnotation, ClusterctlLabel } from './well-known.js';

const CORE_GROUP = 'cluster.x-k8s.io';
const ADDONS_GROUP = 'addons.cluster.x-k8s.io';

/** A kind that takes part in move discovery, as clusterctl picks them. */
export interface DiscoveryType extends TypeRef {
  /** Every object of the kind is moved, owned or not. */
  forceMove: boolean;
  /** Every object of the kind is moved with everything it owns (Cluster, ClusterClass, ClusterResourceSet). */
  forceMoveHierarchy: boolean;
  /** `status` is written through the status subresource (create drops it). */
  hasStatus: boolean;
}

interface CrdVersion {
  name: string;
  storage?: boolean;
  subresources?: { status?: unknown };
}
type Crd = KubeObject & {
  spec: { group: string; scope: string; names: { kind: string }; versions: CrdVersion[] };
};

export const SECRET: TypeRef = { apiVersion: 'v1', kind: 'Secret' };
export const CONFIG_MAP: TypeRef = { apiVersion: 'v1', kind: 'ConfigMap' };
export const CLUSTER: TypeRef = { apiVersion: `${CORE_GROUP}/v1beta2`, kind: 'Cluster' };

const groupOf = (apiVersion: string | undefined): string =>
  apiVersion?.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
const isKind = (obj: { apiVersion?: string; kind?: string }, group: string, kind: string): boolean =>
  obj.kind === kind && groupOf(obj.apiVersion) === group;
export const isCluster = (obj: { apiVersion?: string; kind?: string }): boolean =>
  isKind(obj, CORE_GROUP, 'Cluster');
export const isClusterClass = (obj: { apiVersion?: string; kind?: string }): boolean =>
  isKind(obj, CORE_GROUP, 'ClusterClass');
const isSecretOrConfigMap = (obj: { apiVersion?: string; kind?: string }): boolean =>
  obj.apiVersion === 'v1' && (obj.kind === 'Secret' || obj.kind === 'ConfigMap');

/**
 * The kinds move discovery reads: the namespaced kinds of every CRD in a `*.cluster.x-k8s.io` group or labelled
 * `clusterctl.cluster.x-k8s.io` (at their storage version), plus Secrets and ConfigMaps.
 */
export async function discoveryTypes(client: Reader, signal?: AbortSignal): Promise<DiscoveryType[]> {
  const crds = await client.list<Crd>(
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
    signal ? { signal } : {},
  );
  const types: DiscoveryType[] = [];
  for (const crd of crds.items) {
    const labels = crd.metadata.labels ?? {};
    const group = crd.spec.group;
    if (!(group === CORE_GROUP || group.endsWith(`.${CORE_GROUP}`) || ClusterctlLabel.Core in labels))
      continue;
    if (crd.spec.scope !== 'Namespaced') continue;
    const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
    if (!version) continue;
    const kind = crd.spec.names.kind;
    const forceMoveHierarchy =
      (group === CORE_GROUP && (kind === 'Cluster' || kind === 'ClusterClass')) ||
      (group === ADDONS_GROUP && kind === 'ClusterResourceSet') ||
      ClusterctlLabel.MoveHierarchy in labels;
    types.push({
      apiVersion: `${group}/${version.name}`,
      kind,
      forceMoveHierarchy,
      forceMove: forceMoveHierarchy || ClusterctlLabel.Move in labels,
      hasStatus: version.subresources?.status !== undefined,
    });
  }
  types.sort((a, b) => `${a.apiVersion}/${a.kind}`.localeCompare(`${b.apiVersion}/${b.kind}`));
  for (const t of [SECRET, CONFIG_MAP])
    types.push({ ...t, forceMove: false, forceMoveHierarchy: false, hasStatus: false });
  return types;
}

/** Reads every object of `types` (in `namespace`, or everywhere). */
export async function readObjects(
  client: Reader,
  types: readonly DiscoveryType[],
  options: { namespace?: string; signal?: AbortSignal } = {},
): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const type of types) {
    let items: KubeObject[];
    try {
      items = (
        await client.list(type, {
          ...(options.namespace ? { namespace: options.namespace } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        })
      ).items;
    } catch (err) {
      if (isNotFoundOrNoKind(err)) continue;
      throw err;
    }
    for (const item of items) objects.push({ ...item, apiVersion: type.apiVersion, kind: type.kind });
  }
  return objects;
}

/** One object of the graph. */
export interface GraphNode {
  uid: string;
  obj: KubeObject;
  type: DiscoveryType;
  /** UIDs of owners (ownerReferences) that are in the graph. */
  owners: Set<string>;
  /** UIDs of owners by convention (a Secret named `<cluster>-ca`, a Cluster using a ClusterClass, ...). */
  softOwners: Set<string>;
  /** UIDs of the Clusters this object belongs to (directly or down an ownership chain). */
  clusters: Set<string>;
  /** Whether the move takes it: it belongs to a move-hierarchy root (Cluster, ClusterClass...) or is force-moved. */
  moved: boolean;
  /** Carries `clusterctl.cluster.x-k8s.io/block-move`. */
  blocking: boolean;
}

/** `Kind namespace/name`, for messages. */
export const describeObject = (obj: KubeObject): string =>
  `${obj.kind ?? '?'} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;

/**
 * The objects of a move and how they hang together, as clusterctl's object graph: edges are owner references
 * plus the soft ownerships clusterctl uses; a Cluster (or ClusterClass, ClusterResourceSet, or a kind labelled
 * move-hierarchy) takes everything below it; Secrets and ConfigMaps come along when a Cluster owns them, when
 * they carry its `cluster.x-k8s.io/cluster-name` label, or when they have no owner, no such label and are named
 * `<cluster>-<purpose>` (the part before the last dash is the cluster's name).
 */
export class ObjectGraph {
  readonly nodes = new Map<string, GraphNode>();
  /** Move-set nodes, owners before what they own. */
  readonly order: GraphNode[];

  constructor(objects: readonly KubeObject[], types: readonly DiscoveryType[]) {
    const typeOf = new Map(types.map((t) => [`${groupOf(t.apiVersion)}/${t.kind}`, t]));
    for (const obj of objects) {
      const uid = obj.metadata.uid;
      if (!uid) continue;
      const type = typeOf.get(`${groupOf(obj.apiVersion)}/${obj.kind ?? ''}`) ?? {
        apiVersion: obj.apiVersion ?? '',
        kind: obj.kind ?? '',
        forceMove: false,
        forceMoveHierarchy: false,
        hasStatus: false,
      };
      const labels = obj.metadata.labels ?? {};
      this.nodes.set(uid, {
        uid,
        obj,
        type: {
          ...type,
          forceMove: type.forceMove || ClusterctlLabel.Move in labels,
          forceMoveHierarchy: type.forceMoveHierarchy || ClusterctlLabel.MoveHierarchy in labels,
        },
        owners: new Set(),
        softOwners: new Set(),
        clusters: new Set(),
        moved: false,
        blocking: ClusterctlAnnotation.BlockMove in (obj.metadata.annotations ?? {}),
      });
    }
    for (const node of this.nodes.values()) {
      for (const ref of node.obj.metadata.ownerReferences ?? []) {
        if (this.nodes.has(ref.uid)) node.owners.add(ref.uid);
      }
    }
    this.#setSoftOwners();
    for (const node of this.nodes.values()) {
      if (node.type.forceMoveHierarchy) this.#markHierarchy(node, isCluster(node.obj) ? node.uid : undefined);
      if (node.type.forceMove) node.moved = true;
    }
    this.order = this.#creationOrder();
  }

  #setSoftOwners(): void {
    const clusters = [...this.nodes.values()].filter((n) => isCluster(n.obj));
    const clusterByKey = new Map(
      clusters.map((c) => [`${c.obj.metadata.namespace}/${c.obj.metadata.name}`, c]),
    );
    const classByKey = new Map(
      [...this.nodes.values()]
        .filter((n) => isClusterClass(n.obj))
        .map((c) => [`${c.obj.metadata.namespace}/${c.obj.metadata.name}`, c]),
    );
    for (const node of this.nodes.values()) {
      const ns = node.obj.metadata.namespace ?? '';
      if (isSecretOrConfigMap(node.obj)) {
        const labelled = node.obj.metadata.labels?.[Label.ClusterName];
        if (labelled) {
          const c = clusterByKey.get(`${ns}/${labelled}`);
          if (c) node.softOwners.add(c.uid);
        }
        const name = node.obj.metadata.name ?? '';
        const dash = name.lastIndexOf('-');
        if (!labelled && (node.obj.metadata.ownerReferences ?? []).length === 0 && dash > 0) {
          const c = clusterByKey.get(`${ns}/${name.slice(0, dash)}`);
          if (c) node.softOwners.add(c.uid);
        }
      } else if (isCluster(node.obj)) {
        const ref = (
          node.obj.spec as { topology?: { classRef?: { name?: string; namespace?: string } } } | undefined
        )?.topology?.classRef;
        if (ref?.name) {
          const cc = classByKey.get(`${ref.namespace || ns}/${ref.name}`);
          if (cc) node.softOwners.add(cc.uid);
        }
      } else if (isKind(node.obj, ADDONS_GROUP, 'ClusterResourceSetBinding')) {
        const clusterName = (node.obj.spec as { clusterName?: string } | undefined)?.clusterName;
        const c = clusterName ? clusterByKey.get(`${ns}/${clusterName}`) : undefined;
        if (c) node.softOwners.add(c.uid);
      }
    }
  }

  /** Marks `root` and everything below it as moved; below a Cluster, as belonging to that Cluster. */
  #markHierarchy(root: GraphNode, clusterUid: string | undefined): void {
    const dependents = this.#dependents();
    const seen = new Set<string>();
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen.has(node.uid)) continue;
      seen.add(node.uid);
      node.moved = true;
      if (clusterUid) node.clusters.add(clusterUid);
      for (const d of dependents.get(node.uid) ?? []) stack.push(d);
    }
  }

  #dependentsCache: Map<string, GraphNode[]> | undefined;
  #dependents(): Map<string, GraphNode[]> {
    if (this.#dependentsCache) return this.#dependentsCache;
    const map = new Map<string, GraphNode[]>();
    for (const node of this.nodes.values()) {
      for (const owner of [...node.owners, ...node.softOwners]) {
        const list = map.get(owner) ?? [];
        list.push(node);
        map.set(owner, list);
      }
    }
    this.#dependentsCache = map;
    return map;
  }

  /** Topological order of the move set (owners first); ties broken by kind and name for stable output. */
  #creationOrder(): GraphNode[] {
    const moved = [...this.nodes.values()].filter((n) => n.moved);
    moved.sort((a, b) => describeObject(a.obj).localeCompare(describeObject(b.obj)));
    const movedUids = new Set(moved.map((n) => n.uid));
    const done = new Set<string>();
    const order: GraphNode[] = [];
    let remaining = moved;
    while (remaining.length > 0) {
      const ready = remaining.filter((n) =>
        [...n.owners, ...n.softOwners].every((o) => !movedUids.has(o) || done.has(o)),
      );
      // An ownership cycle: take the rest in name order rather than stall.
      const batch = ready.length > 0 ? ready : remaining;
      for (const n of batch) {
        order.push(n);
        done.add(n.uid);
      }
      remaining = remaining.filter((n) => !done.has(n.uid));
    }
    return order;
  }

  clusters(): GraphNode[] {
    return this.order.filter((n) => isCluster(n.obj));
  }

  /** The moved objects of one Cluster, owners first (the Cluster itself first). */
  objectsOf(clusterUid: string): GraphNode[] {
    return this.order.filter((n) => n.clusters.has(clusterUid));
  }

  /** Moved objects that belong to no Cluster (ClusterClasses and their templates, ClusterResourceSets...). */
  globals(): GraphNode[] {
    return this.order.filter((n) => n.clusters.size === 0);
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }
}
