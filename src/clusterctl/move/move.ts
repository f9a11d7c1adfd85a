import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Client, Reader } from '../../controller-runtime/client/client.js';
import { isNotFoundOrNoKind } from '../../controller-runtime/client/errors.js';
import { ClusterNotProvisionedError, MoveStateError, MoveTargetMismatchError } from './errors.js';
import { CLUSTER, describeObject, isClusterClass, type ObjectGraph, type GraphNode } from './object-graph.js';
import { beforeWrite, type MoveHooks, report } from './progress.js';
import {
  deleteFromSource,
  pauseCluster,
  pauseClusterClass,
  provisioningProblems,
  resumeOnSource,
  sourceReader,
  waitUntilUnblocked,
  type WaitOptions,
} from './source-ops.js';
import { keyOf, TargetCopier } from './target-copy.js';
import { MoveAnnotation, MoveState } from './well-known.js';

export type { MoveProgress, MovePhase, MoveHooks } from './progress.js';

export interface MoveOptions extends MoveHooks, WaitOptions {
  from: Client;
  to: Client;
  /** Only this namespace (`-n`); every namespace when absent. */
  namespace?: string;
  /** Discover and check, report what would move, write nothing. */
  dryRun?: boolean;
}

export interface MovedCluster {
  namespace: string;
  name: string;
  /** Objects that belong to it (the Cluster included). */
  objects: number;
}

export interface MoveResult {
  dryRun: boolean;
  clusters: MovedCluster[];
  /** Every object of the move (`Kind namespace/name`), owners first. */
  objects: string[];
  /** Objects created on the target by this run, and found there from an earlier, interrupted run. */
  created: number;
  reused: number;
  /** Objects deleted from the source by this run. */
  deleted: number;
}

/** The identity of a management plane: the UID of its kube-system namespace. */
export async function managementPlaneId(client: Reader, signal?: AbortSignal): Promise<string> {
  const ns = await client.get(
    { apiVersion: 'v1', kind: 'Namespace' },
    { name: 'kube-system' },
    signal ? { signal } : {},
  );
  return ns.metadata.uid ?? '';
}

const stateOf = (obj: KubeObject): string | undefined => obj.metadata.annotations?.[MoveAnnotation.State];

async function listClusters(
  client: Reader,
  namespace: string | undefined,
  signal?: AbortSignal,
): Promise<KubeObject[]> {
  try {
    return (
      await client.list(CLUSTER, { ...(namespace ? { namespace } : {}), ...(signal ? { signal } : {}) })
    ).items.map((c) => ({ ...c, apiVersion: CLUSTER.apiVersion, kind: CLUSTER.kind }));
  } catch (err) {
    if (isNotFoundOrNoKind(err)) return [];
    throw err;
  }
}

/**
 * Moves every Cluster (of `namespace`, or all) with everything it owns from one management plane to another,
 * as `clusterctl move` does, but resumable: see README.md. Re-running with the same `from` and `to` after an
 * interruption at any point finishes the move; each Cluster is authoritative on exactly one side throughout,
 * decided by a single write on the source Cluster (the commit).
 */
export async function moveClusters(options: MoveOptions): Promise<MoveResult> {
  const { from, to, namespace, signal } = options;
  const hooks: MoveHooks = options;
  const read = await sourceReader(from, namespace, hooks);
  let graph = await read();
  const target = await managementPlaneId(to, signal);

  const clusters = graph.clusters();
  for (const c of clusters) {
    const recorded = c.obj.metadata.annotations?.[MoveAnnotation.Target];
    if (stateOf(c.obj) !== undefined && recorded !== undefined && recorded !== target) {
      throw new MoveTargetMismatchError(c.obj.metadata.namespace ?? '', c.obj.metadata.name ?? '', recorded);
    }
  }
  const committed = (n: GraphNode): boolean => stateOf(n.obj) === MoveState.Moved;
  const fresh = clusters.filter((c) => stateOf(c.obj) === undefined);
  const problems = provisioningProblems(
    graph,
    fresh.map((c) => c.uid),
  );
  if (problems.length > 0) throw new ClusterNotProvisionedError(problems);

  // Target Clusters whose source is gone entirely: finished below if the source had committed.
  const orphans: KubeObject[] = [];
  const sourceKeys = new Set(clusters.map((c) => keyOf(c.obj)));
  for (const t of await listClusters(to, namespace, signal)) {
    if (!(MoveAnnotation.Incoming in (t.metadata.annotations ?? {})) || sourceKeys.has(keyOf(t))) continue;
    if (t.metadata.annotations?.[MoveAnnotation.Committed] !== 'true') {
      throw new MoveStateError(
        `Cluster ${keyOf(t)} on the target is an unfinished copy whose source Cluster is gone from the source ` +
          'although the move never committed it; it is left paused there for inspection',
      );
    }
    orphans.push(t);
  }

  const result: MoveResult = {
    dryRun: options.dryRun === true,
    clusters: clusters.map((c) => ({
      namespace: c.obj.metadata.namespace ?? '',
      name: c.obj.metadata.name ?? '',
      objects: graph.objectsOf(c.uid).length,
    })),
    objects: graph.order.map((n) => describeObject(n.obj)),
    created: 0,
    reused: 0,
    deleted: 0,
  };
  if (options.dryRun) {
    for (const c of result.clusters)
      report(hooks, 'discover', `would move Cluster ${c.namespace}/${c.name} (${c.objects} objects)`);
    for (const o of result.objects) report(hooks, 'discover', `would move ${o}`);
    return result;
  }

  // Pause (state `pausing`) and wait for providers to let go; committed Clusters are past this.
  const pending = (g: ObjectGraph): GraphNode[] => g.clusters().filter((c) => !committed(c));
  for (const c of pending(graph)) await pauseCluster(from, c.obj, hooks, target);
  for (const cc of graph.globals().filter((n) => isClusterClass(n.obj)))
    await pauseClusterClass(from, cc.obj, hooks);
  if (pending(graph).length > 0) {
    graph = await waitUntilUnblocked(
      read,
      (g) => [...pending(g).flatMap((c) => g.objectsOf(c.uid)), ...g.globals()].map((n) => n.uid),
      hooks,
      options,
    );
  }

  // Copy, owners first. Objects of committed Clusters were all copied before their commit.
  const copier = new TargetCopier(to, hooks);
  const pendingUids = new Set(pending(graph).map((c) => c.uid));
  const toCopy = graph.order.filter(
    (n) => n.clusters.size === 0 || [...n.clusters].some((u) => pendingUids.has(u)),
  );
  if (toCopy.length > 0) {
    report(hooks, 'create', `copying ${toCopy.length} objects to the target`);
    await copier.ensureNamespaces(toCopy.map((n) => n.obj.metadata.namespace ?? '').filter(Boolean));
    // A shared object may name owners of committed Clusters: those copies exist already, learn their UIDs.
    for (const n of graph.order) if (!toCopy.includes(n) && needsUid(n, toCopy)) await copier.adopt(n);
    for (const n of toCopy) await copier.copy(n);
  }

  // The commit point: one write per Cluster.
  for (const c of pending(graph)) {
    await commitCluster(from, c, hooks);
  }

  // Finish each committed Cluster: confirm on the target, delete from the source, run the copy.
  graph = await read();
  const done = new Set<string>();
  for (const c of graph.clusters().filter(committed)) {
    await ensureTargetCopy(to, c, signal);
    await copier.confirm(c.obj);
    result.deleted += await deleteClusterObjects(from, graph, c, hooks);
    done.add(c.uid);
  }
  for (const c of graph.clusters().filter(committed)) await copier.finishCluster(c.obj);
  for (const t of orphans) await copier.finishCluster(t);

  // Objects that belong to no Cluster (ClusterClasses, their templates) leave the source once every Cluster
  // of the move has, and only if no Cluster still on the source uses them.
  const leftOnSource = graph.clusters().filter((c) => !done.has(c.uid));
  const globals = graph.globals();
  if (leftOnSource.length === 0 && globals.length > 0) {
    const others = await listClusters(from, undefined, signal);
    const inUse = new Set(others.map(classKeyOf).filter((k): k is string => k !== undefined));
    for (const n of [...globals].reverse()) {
      if (isClusterClass(n.obj) && inUse.has(keyOf(n.obj))) {
        await resumeOnSource(from, n.obj, hooks);
      } else if (!dependsOnUsedClass(graph, n, inUse)) {
        if (await deleteFromSource(from, n.obj, hooks)) result.deleted++;
      }
    }
    for (const n of globals.filter((g) => isClusterClass(g.obj))) await copier.finishClusterClass(n.obj);
  }

  result.created = copier.stats.created;
  result.reused = copier.stats.reused;
  report(
    hooks,
    'done',
    `moved ${result.clusters.length} Cluster(s): ${result.created} objects created, ${result.deleted} deleted from the source`,
  );
  return result;
}

/** A committed Cluster is deleted from the source only while its copy is on the target. */
async function ensureTargetCopy(
  to: Reader,
  cluster: GraphNode,
  signal: AbortSignal | undefined,
): Promise<void> {
  const copy = (await listClusters(to, cluster.obj.metadata.namespace, signal)).find(
    (t) => t.metadata.name === cluster.obj.metadata.name,
  );
  if (copy?.metadata.annotations?.[MoveAnnotation.SourceUid] !== cluster.uid) {
    throw new MoveStateError(
      `Cluster ${keyOf(cluster.obj)} is committed to the target but its copy is not there; ` +
        'nothing was deleted from the source (remove its move.capi-ts.io annotations to make it the real one again)',
    );
  }
}

function needsUid(n: GraphNode, toCopy: readonly GraphNode[]): boolean {
  return toCopy.some((c) => c.owners.has(n.uid));
}

const classKeyOf = (cluster: KubeObject): string | undefined => {
  const ref = (
    cluster.spec as { topology?: { classRef?: { name?: string; namespace?: string } } } | undefined
  )?.topology?.classRef;
  return ref?.name ? `${ref.namespace || cluster.metadata.namespace || ''}/${ref.name}` : undefined;
};

/** Whether a ClusterClass's template is owned by a ClusterClass a Cluster left on the source still uses. */
function dependsOnUsedClass(graph: ObjectGraph, node: GraphNode, inUse: Set<string>): boolean {
  return [...node.owners].some((uid) => {
    const owner = graph.get(uid);
    return owner !== undefined && isClusterClass(owner.obj) && inUse.has(keyOf(owner.obj));
  });
}

async function commitCluster(from: Client, cluster: GraphNode, hooks: MoveHooks): Promise<void> {
  await beforeWrite(hooks, `commit:${keyOf(cluster.obj)}`);
  await from.patch(cluster.obj, {
    type: 'merge',
    data: { metadata: { annotations: { [MoveAnnotation.State]: MoveState.Moved } } },
  });
  report(hooks, 'commit', `committed Cluster ${keyOf(cluster.obj)}: the target is authoritative now`);
}

/**
 * Deletes the source objects of a committed Cluster, dependents first and the Cluster last (it carries the
 * commit). An object shared with a Cluster that has not committed stays.
 */
async function deleteClusterObjects(
  from: Client,
  graph: ObjectGraph,
  cluster: GraphNode,
  hooks: MoveHooks,
): Promise<number> {
  let deleted = 0;
  const objects = graph.objectsOf(cluster.uid).filter((n) => n.uid !== cluster.uid);
  report(hooks, 'delete', `deleting Cluster ${keyOf(cluster.obj)} and its objects from the source`);
  const sharedWithPending = (n: GraphNode): boolean =>
    [...n.clusters].some(
      (u) => u !== cluster.uid && stateOf(graph.get(u)?.obj ?? { metadata: {} }) !== MoveState.Moved,
    );
  for (const n of [...objects].reverse()) {
    if (sharedWithPending(n)) continue;
    if (await deleteFromSource(from, n.obj, hooks)) deleted++;
  }
  if (await deleteFromSource(from, cluster.obj, hooks)) deleted++;
  return deleted;
}

/** Where a Cluster lives during or after a move. */
export interface ClusterLocation {
  namespace: string;
  name: string;
  /** The side whose copy is the real one: `source` until the commit write, `target` from it on. */
  authoritative: 'source' | 'target';
  /** Whether the authoritative Cluster is paused. */
  paused: boolean;
  /** The source Cluster's move state (`pausing`, `moved`), if a move is under way. */
  state?: string;
  /** The non-authoritative side still holds a Cluster of that name (a partial copy, or not yet deleted). */
  leftover: boolean;
  /** Whether that leftover is paused (it must be, so two controllers never drive one cluster). */
  leftoverPaused?: boolean;
  /** The target copy is marked incoming (the move has not finished). */
  incoming: boolean;
}

/**
 * Which side of a (possibly interrupted) move each Cluster belongs to: the source until its commit write says
 * `moved`, the target from then on (also once the source Cluster is gone).
 */
export async function locateClusters(
  from: Reader,
  to: Reader,
  options: { namespace?: string; signal?: AbortSignal } = {},
): Promise<ClusterLocation[]> {
  const source = new Map(
    (await listClusters(from, options.namespace, options.signal)).map((c) => [keyOf(c), c]),
  );
  const target = new Map(
    (await listClusters(to, options.namespace, options.signal)).map((c) => [keyOf(c), c]),
  );
  const paused = (c: KubeObject | undefined): boolean =>
    (c?.spec as { paused?: boolean } | undefined)?.paused === true;
  const out: ClusterLocation[] = [];
  for (const key of [...new Set([...source.keys(), ...target.keys()])].sort()) {
    const s = source.get(key);
    const t = target.get(key);
    const state = s ? stateOf(s) : undefined;
    const onTarget = !s || state === MoveState.Moved;
    const leftover = onTarget ? s : t;
    const [ns, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    out.push({
      namespace: ns,
      name,
      authoritative: onTarget ? 'target' : 'source',
      paused: paused(onTarget ? t : s),
      ...(state !== undefined ? { state } : {}),
      leftover: leftover !== undefined,
      ...(leftover ? { leftoverPaused: paused(leftover) } : {}),
      incoming: t !== undefined && MoveAnnotation.Incoming in (t.metadata.annotations ?? {}),
    });
  }
  return out;
}
