import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Client } from '../../controller-runtime/client/client.js';
import { isNotFound } from '../../controller-runtime/client/errors.js';
import { Annotation } from '../../core/api/v1beta2/well-known.js';
import { BlockMoveTimeoutError, type NotReadyCluster } from './errors.js';
import { describeObject, discoveryTypes, isCluster, ObjectGraph, readObjects } from './object-graph.js';
import { beforeWrite, type MoveHooks, report, reportObject } from './progress.js';
import { keyOf, stepName, wasPaused } from './target-copy.js';
import { ClusterctlAnnotation, MoveAnnotation, MoveState } from './well-known.js';

interface ClusterShape {
  spec?: { paused?: boolean; controlPlaneRef?: { name?: string } };
  status?: { initialization?: { infrastructureProvisioned?: boolean; controlPlaneInitialized?: boolean } };
}

/**
 * clusterctl's preflight: a Cluster is moved only once its infrastructure is provisioned and its control plane
 * initialized, and each of its Machines has a Node. Then nothing is waiting on a long-running reconcile, and
 * pausing the Cluster stops all work on it. Nor is anything of it being deleted (a copy would bring it back).
 */
/**
 * Finds the kinds to move on the source and returns a function that reads their objects as a graph (again after
 * every pause, so the graph is what the paused source holds).
 */
export async function sourceReader(
  from: Client,
  namespace: string | undefined,
  hooks: MoveHooks,
): Promise<() => Promise<ObjectGraph>> {
  const { signal } = hooks;
  report(
    hooks,
    'discover',
    `discovering Cluster API objects${namespace ? ` in namespace ${namespace}` : ''}`,
  );
  const types = await discoveryTypes(from, signal);
  return async () =>
    new ObjectGraph(
      await readObjects(from, types, { ...(namespace ? { namespace } : {}), ...(signal ? { signal } : {}) }),
      types,
    );
}

export function provisioningProblems(graph: ObjectGraph, clusterUids: Iterable<string>): NotReadyCluster[] {
  const problems: NotReadyCluster[] = [];
  for (const uid of clusterUids) {
    const node = graph.get(uid);
    if (!node) continue;
    const cluster = node.obj as KubeObject & ClusterShape;
    const at = { namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' };
    const deleting = graph.objectsOf(uid).filter((n) => n.obj.metadata.deletionTimestamp);
    if (deleting.length > 0) {
      problems.push({
        ...at,
        reason: `being deleted: ${deleting.map((n) => describeObject(n.obj)).join(', ')}`,
      });
      continue;
    }
    const init = cluster.status?.initialization;
    if (init?.infrastructureProvisioned !== true) {
      problems.push({ ...at, reason: 'the infrastructure is still being provisioned' });
      continue;
    }
    if (init.controlPlaneInitialized !== true) {
      problems.push({ ...at, reason: 'the control plane is not initialized yet' });
      continue;
    }
    for (const m of graph.objectsOf(uid)) {
      if (m.obj.kind !== 'Machine' || !m.obj.apiVersion?.startsWith('cluster.x-k8s.io/')) continue;
      if (!(m.obj.status as { nodeRef?: { name?: string } } | undefined)?.nodeRef?.name) {
        problems.push({ ...at, reason: `Machine ${m.obj.metadata.name ?? ''} has no Node yet` });
      }
    }
  }
  return problems;
}

/**
 * The move's first write on a Cluster: `spec.paused: true` together with the move state `pausing`, whether the
 * user had paused it already, and (for a two-cluster move) which management plane it goes to. A Cluster already
 * in state `pausing` keeps what it recorded (it is paused by us now); it is only paused again if someone
 * unpaused it in between.
 */
export async function pauseCluster(
  from: Client,
  cluster: KubeObject,
  hooks: MoveHooks,
  target?: string,
): Promise<void> {
  const annotations = cluster.metadata.annotations ?? {};
  const paused = (cluster.spec as { paused?: boolean } | undefined)?.paused === true;
  const recorded = annotations[MoveAnnotation.State] === MoveState.Pausing;
  if (recorded && paused && (target === undefined || annotations[MoveAnnotation.Target] === target)) return;
  await beforeWrite(hooks, `pause:${keyOf(cluster)}`);
  await from.patch(cluster, {
    type: 'merge',
    data: {
      metadata: {
        annotations: {
          [MoveAnnotation.State]: MoveState.Pausing,
          ...(recorded ? {} : { [MoveAnnotation.WasPaused]: String(paused) }),
          ...(target !== undefined ? { [MoveAnnotation.Target]: target } : {}),
        },
      },
      spec: { paused: true },
    },
  });
  report(hooks, 'pause', `paused Cluster ${keyOf(cluster)}`);
}

/** ClusterClasses are paused by annotation; what the user had is kept in ours. */
export async function pauseClusterClass(from: Client, cc: KubeObject, hooks: MoveHooks): Promise<void> {
  const annotations = cc.metadata.annotations ?? {};
  if (MoveAnnotation.WasPaused in annotations && Annotation.Paused in annotations) return;
  await beforeWrite(hooks, `pause-class:${keyOf(cc)}`);
  await from.patch(cc, {
    type: 'merge',
    data: {
      metadata: {
        annotations: {
          [Annotation.Paused]: annotations[Annotation.Paused] ?? '',
          [MoveAnnotation.WasPaused]: annotations[MoveAnnotation.WasPaused] ?? String(wasPaused(cc)),
        },
      },
    },
  });
  report(hooks, 'pause', `paused ClusterClass ${keyOf(cc)}`);
}

/** Undoes `pauseCluster`/`pauseClusterClass` on the source (after a backup to a directory). */
export async function resumeOnSource(from: Client, obj: KubeObject, hooks: MoveHooks): Promise<void> {
  const annotations = obj.metadata.annotations ?? {};
  if (!(MoveAnnotation.WasPaused in annotations)) return;
  const paused = annotations[MoveAnnotation.WasPaused] === 'true';
  await beforeWrite(hooks, `${isCluster(obj) ? 'unpause' : 'unpause-class'}:${keyOf(obj)}`);
  const clearMarkers = {
    [MoveAnnotation.State]: null,
    [MoveAnnotation.WasPaused]: null,
    [MoveAnnotation.Target]: null,
  };
  await from.patch(obj, {
    type: 'merge',
    data: isCluster(obj)
      ? { metadata: { annotations: clearMarkers }, spec: { paused: paused ? true : null } }
      : { metadata: { annotations: { ...clearMarkers, ...(paused ? {} : { [Annotation.Paused]: null }) } } },
  });
  report(hooks, 'unpause', `${paused ? 'left paused (as before)' : 'unpaused'} ${describeObject(obj)}`);
}

export interface WaitOptions {
  /** How long objects may carry `block-move` (default 5 minutes). */
  blockMoveTimeoutMs?: number;
  /** How often to look again (default 1s). */
  pollIntervalMs?: number;
}

/**
 * Waits until no object of the move carries `clusterctl.cluster.x-k8s.io/block-move` (providers set it while
 * they finish work a pause does not stop). `read` re-reads the graph; the last one read is returned, so the
 * copy starts from objects read after every provider let go.
 */
export async function waitUntilUnblocked(
  read: () => Promise<ObjectGraph>,
  relevant: (graph: ObjectGraph) => string[],
  hooks: MoveHooks,
  options: WaitOptions,
): Promise<ObjectGraph> {
  const deadline = Date.now() + (options.blockMoveTimeoutMs ?? 5 * 60_000);
  let reported = false;
  for (;;) {
    const graph = await read();
    const blocking = relevant(graph)
      .map((uid) => graph.get(uid))
      .filter((n) => n?.blocking)
      .map((n) => describeObject(n!.obj));
    if (blocking.length === 0) return graph;
    if (Date.now() >= deadline) throw new BlockMoveTimeoutError(blocking);
    if (!reported) {
      report(
        hooks,
        'wait',
        `waiting for ${ClusterctlAnnotation.BlockMove} to go away from ${blocking.join(', ')}`,
      );
      reported = true;
    }
    await sleep(options.pollIntervalMs ?? 1000, undefined, hooks.signal ? { signal: hooks.signal } : {});
  }
}

/**
 * Deletes one moved object from the source: its finalizers are removed first (the paused controllers would never
 * run them, and the infrastructure they guard lives on under the target) and it is marked delete-for-move; the
 * delete is guarded by its UID so a same-named newcomer is never taken.
 */
export async function deleteFromSource(from: Client, obj: KubeObject, hooks: MoveHooks): Promise<boolean> {
  const type = { apiVersion: obj.apiVersion!, kind: obj.kind! };
  const key = { namespace: obj.metadata.namespace, name: obj.metadata.name! };
  const signal = hooks.signal ? { signal: hooks.signal } : {};
  let current: KubeObject;
  try {
    current = await from.get(type, key, signal);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  if (current.metadata.uid !== obj.metadata.uid) return false;
  await beforeWrite(hooks, `delete:${stepName(obj)}`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      if (
        current.metadata.finalizers?.length ||
        !(ClusterctlAnnotation.DeleteForMove in (current.metadata.annotations ?? {}))
      ) {
        await from.patch(current, {
          type: 'merge',
          data: {
            metadata: {
              annotations: { [ClusterctlAnnotation.DeleteForMove]: '' },
              finalizers: null,
            },
          },
        });
      }
      if (!current.metadata.deletionTimestamp) {
        await from.delete(current, { preconditions: { uid: obj.metadata.uid! }, ...signal });
      }
      current = await from.get(type, key, signal);
      if (current.metadata.uid !== obj.metadata.uid) break;
    } catch (err) {
      if (isNotFound(err)) break;
      throw err;
    }
  }
  reportObject(hooks, 'delete', `deleted ${describeObject(obj)} from the source`);
  return true;
}
