import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Client } from '../../controller-runtime/client/client.js';
import { isNoKindMatch, isNotFound } from '../../controller-runtime/client/errors.js';
import { writeFileAtomic } from '../../pki/atomic-file.js';
import { ClusterNotProvisionedError, MoveDirectoryError } from './errors.js';
import { CLUSTER, describeObject, discoveryTypes, isClusterClass, ObjectGraph } from './object-graph.js';
import { beforeWrite, type MoveHooks, report, reportObject } from './progress.js';
import {
  pauseCluster,
  pauseClusterClass,
  provisioningProblems,
  resumeOnSource,
  sourceReader,
  waitUntilUnblocked,
  type WaitOptions,
} from './source-ops.js';
import { keyOf, TargetCopier, wasPaused } from './target-copy.js';
import { MoveAnnotation, MoveState } from './well-known.js';

export interface MoveToDirectoryOptions extends MoveHooks, WaitOptions {
  from: Client;
  /** Created if missing; one YAML file per object is written into it. */
  directory: string;
  namespace?: string;
}

export interface MoveFromDirectoryOptions extends MoveHooks {
  to: Client;
  directory: string;
  /** Only objects of this namespace. */
  namespace?: string;
}

export interface DirectoryResult {
  clusters: { namespace: string; name: string; objects: number }[];
  /** Files written (to a directory) or objects read (from one). */
  files: string[];
  created: number;
  reused: number;
}

/** `<Kind>_<namespace>_<name>.yaml`, clusterctl's file name. */
export const fileNameOf = (obj: KubeObject): string =>
  `${obj.kind ?? ''}_${obj.metadata.namespace ?? ''}_${obj.metadata.name ?? ''}.yaml`;

/**
 * What is written: the object as read, without what only the API server may set and without our move state. The
 * `managedFields` stay, so a restore gives each field back to its manager (the topology controller can then remove
 * what it stops setting).
 */
function backupOf(obj: KubeObject): KubeObject {
  const { resourceVersion: _r, generation: _g, selfLink: _s, ...metadata } = obj.metadata;
  const annotations = { ...metadata.annotations };
  delete annotations[MoveAnnotation.State];
  delete annotations[MoveAnnotation.Target];
  // The state the user had it in, so a restore leaves it paused only if it was.
  if (
    annotations[MoveAnnotation.WasPaused] === undefined &&
    (obj.kind === 'Cluster' || isClusterClass(obj))
  ) {
    annotations[MoveAnnotation.WasPaused] = String(wasPaused(obj));
  }
  return {
    ...obj,
    metadata: {
      ...metadata,
      ...(Object.keys(annotations).length ? { annotations } : { annotations: undefined }),
    },
  };
}

/**
 * Backs the clusters up into a directory, as `clusterctl move --to-directory`: pauses them, waits for
 * `block-move` to go away, writes every object of the move (status, owner references and UIDs as they are on
 * the source), then unpauses the source, which keeps the clusters. Re-running after an interruption rewrites
 * the files and unpauses.
 */
export async function moveToDirectory(options: MoveToDirectoryOptions): Promise<DirectoryResult> {
  const { from, namespace, signal } = options;
  const hooks: MoveHooks = options;
  const read = await sourceReader(from, namespace, hooks);
  let graph = await read();
  const moved = new Set(
    graph
      .clusters()
      .filter((c) => c.obj.metadata.annotations?.[MoveAnnotation.State] === MoveState.Moved)
      .map((c) => c.uid),
  );
  for (const uid of moved) {
    report(
      hooks,
      'discover',
      `skipping Cluster ${keyOf(graph.get(uid)!.obj)}: it was moved to another management plane`,
    );
  }
  const clusters = graph.clusters().filter((c) => !moved.has(c.uid));
  const fresh = clusters.filter((c) => c.obj.metadata.annotations?.[MoveAnnotation.State] === undefined);
  const problems = provisioningProblems(
    graph,
    fresh.map((c) => c.uid),
  );
  if (problems.length > 0) throw new ClusterNotProvisionedError(problems);

  for (const c of clusters) await pauseCluster(from, c.obj, hooks);
  for (const cc of graph.globals().filter((n) => isClusterClass(n.obj)))
    await pauseClusterClass(from, cc.obj, hooks);
  const included = (g: ObjectGraph) =>
    g.order.filter((n) => n.clusters.size === 0 || [...n.clusters].some((u) => !moved.has(u)));
  graph = await waitUntilUnblocked(read, (g) => included(g).map((n) => n.uid), hooks, options);

  const files: string[] = [];
  for (const n of included(graph)) {
    const file = fileNameOf(n.obj);
    await beforeWrite(hooks, `write:${file}`);
    await writeFileAtomic(path.join(options.directory, file), stringify(backupOf(n.obj)), {
      ...(signal ? { signal } : {}),
    });
    files.push(file);
    reportObject(hooks, 'write', `wrote ${describeObject(n.obj)} to ${file}`);
  }

  for (const c of graph.clusters().filter((x) => !moved.has(x.uid))) await resumeOnSource(from, c.obj, hooks);
  for (const cc of graph.globals().filter((n) => isClusterClass(n.obj)))
    await resumeOnSource(from, cc.obj, hooks);
  report(
    hooks,
    'done',
    `backed up ${clusters.length} Cluster(s), ${files.length} objects, to ${options.directory}`,
  );
  return {
    clusters: clusters.map((c) => ({
      namespace: c.obj.metadata.namespace ?? '',
      name: c.obj.metadata.name ?? '',
      objects: graph.objectsOf(c.uid).length,
    })),
    files,
    created: 0,
    reused: 0,
  };
}

/** Reads the objects of a backup directory; a file that is not one (or more) Kubernetes objects is an error naming it. */
export async function readDirectory(directory: string): Promise<{ file: string; obj: KubeObject }[]> {
  let names: string[];
  try {
    names = (await readdir(directory, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && /\.ya?ml$/i.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new MoveDirectoryError(directory, 'cannot read the directory', { cause: err });
  }
  if (names.length === 0) throw new MoveDirectoryError(directory, 'holds no .yaml files to restore');
  const out: { file: string; obj: KubeObject }[] = [];
  for (const name of names) {
    const file = path.join(directory, name);
    const text = await readFile(file, 'utf8');
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs)) throw new MoveDirectoryError(file, 'is not YAML');
    for (const doc of docs) {
      if (doc.errors.length > 0)
        throw new MoveDirectoryError(file, `is not valid YAML: ${doc.errors[0]!.message}`);
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      out.push({ file, obj: validObject(file, value) });
    }
  }
  return out;
}

function validObject(file: string, value: unknown): KubeObject {
  if (typeof value !== 'object' || Array.isArray(value))
    throw new MoveDirectoryError(file, 'is not a Kubernetes object');
  const obj = value as Partial<KubeObject>;
  const missing = [
    typeof obj.apiVersion !== 'string' && 'apiVersion',
    typeof obj.kind !== 'string' && 'kind',
    typeof obj.metadata?.name !== 'string' && 'metadata.name',
    typeof obj.metadata?.namespace !== 'string' && 'metadata.namespace',
    typeof obj.metadata?.uid !== 'string' && 'metadata.uid',
  ].filter((x): x is string => typeof x === 'string');
  if (missing.length > 0) throw new MoveDirectoryError(file, `object has no ${missing.join(', ')}`);
  return obj as KubeObject;
}

/**
 * Restores a backup directory into `to`, as `clusterctl move --from-directory`, through the same idempotent copy
 * as a two-cluster move: Clusters are created paused and marked incoming, owner references remapped to the new
 * UIDs, status written; once everything exists each Cluster is unpaused (unless it was paused when backed up).
 * Re-running after an interruption reuses what exists and finishes.
 */
export async function moveFromDirectory(options: MoveFromDirectoryOptions): Promise<DirectoryResult> {
  const { to, namespace, signal } = options;
  const hooks: MoveHooks = options;
  report(hooks, 'read', `reading ${options.directory}`);
  const entries = (await readDirectory(options.directory)).filter(
    (e) => !namespace || e.obj.metadata.namespace === namespace,
  );
  const types = await discoveryTypes(to, signal);
  const graph = new ObjectGraph(
    entries.map((e) => e.obj),
    types,
  );
  const fileOf = new Map(entries.map((e) => [e.obj.metadata.uid!, e.file]));

  // A Cluster whose copy on the target is already finished (not marked incoming) was restored before.
  const finished = new Set<string>();
  for (const c of graph.clusters()) {
    try {
      const t = await to.get(CLUSTER, { namespace: c.obj.metadata.namespace, name: c.obj.metadata.name! });
      const a = t.metadata.annotations ?? {};
      if (a[MoveAnnotation.SourceUid] === c.uid && !(MoveAnnotation.Incoming in a)) finished.add(c.uid);
    } catch (err) {
      if (!isNotFound(err) && !isNoKindMatch(err)) throw err;
    }
  }
  const copier = new TargetCopier(to, hooks);
  const toCopy = graph.order.filter(
    (n) => n.clusters.size === 0 || [...n.clusters].some((u) => !finished.has(u)),
  );
  await copier.ensureNamespaces(toCopy.map((n) => n.obj.metadata.namespace ?? '').filter(Boolean));
  for (const n of graph.order) if (!toCopy.includes(n)) await copier.adopt(n);
  for (const n of toCopy) {
    try {
      await copier.copy(n);
    } catch (err) {
      if (isNoKindMatch(err)) {
        throw new MoveDirectoryError(
          fileOf.get(n.uid) ?? options.directory,
          `the target does not serve ${n.obj.apiVersion} ${n.obj.kind}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  }
  for (const c of graph.clusters()) await copier.finishCluster(c.obj);
  for (const cc of graph.globals().filter((n) => isClusterClass(n.obj)))
    await copier.finishClusterClass(cc.obj);
  report(
    hooks,
    'done',
    `restored ${graph.clusters().length} Cluster(s), ${copier.stats.created} objects created`,
  );
  return {
    clusters: graph.clusters().map((c) => ({
      namespace: c.obj.metadata.namespace ?? '',
      name: c.obj.metadata.name ?? '',
      objects: graph.objectsOf(c.uid).length,
    })),
    files: [...new Set(entries.map((e) => e.file))],
    created: copier.stats.created,
    reused: copier.stats.reused,
  };
}
