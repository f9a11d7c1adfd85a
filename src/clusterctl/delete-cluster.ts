import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '../controller-runtime/client/client.js';
import { isNotFound } from '../controller-runtime/client/errors.js';
import { CLUSTER_TYPE, getCluster } from './cluster-lookup.js';
import { clusterApiKinds, clusterObjects, countByKind } from './cluster-objects.js';

export interface DeleteClusterOptions {
  namespace: string;
  name: string;
  /** Wait until the Cluster and everything that belonged to it are gone. */
  wait?: boolean;
  /** Give up waiting after this long (default 10 minutes). */
  timeoutMs?: number;
  pollMs?: number;
  /** One line each time what is left changes. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface DeleteClusterResult {
  /** Time until nothing was left, when waiting. */
  elapsedMs: number;
  waited: boolean;
}

/** Waiting for a deletion ran out of time; says what is still there. */
export class DeleteTimeoutError extends Error {
  override readonly name = 'DeleteTimeoutError';
}

/**
 * `capi delete cluster NAME`: deletes the Cluster — its controllers take the rest down in upstream's order
 * (workers, control plane, infrastructure) — and with `wait` follows until the Cluster and every object that
 * carried its name or owner reference is gone, reporting what is left as it shrinks.
 */
export async function deleteCluster(
  client: Client,
  options: DeleteClusterOptions,
): Promise<DeleteClusterResult> {
  const started = Date.now();
  const cluster = await getCluster(client, options);
  if (!cluster.metadata.deletionTimestamp) await client.delete(cluster, { propagationPolicy: 'Background' });
  if (!options.wait) return { elapsedMs: Date.now() - started, waited: false };
  const key = { namespace: options.namespace, name: options.name };
  const kinds = await clusterApiKinds(client);
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  let last = '';
  for (;;) {
    const left = await clusterObjects(client, { ...key, clusterUid: cluster.metadata.uid ?? '', kinds });
    const stillThere = await client.get(CLUSTER_TYPE, key).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
    if (!stillThere && left.length === 0) return { elapsedMs: Date.now() - started, waited: true };
    const summary = countByKind(left);
    const elapsed = Date.now() - started;
    if (summary !== last) {
      options.onProgress?.(
        `deleting cluster ${options.name}: ${summary} left (${Math.round(elapsed / 1000)}s)`,
      );
      last = summary;
    }
    if (elapsed > timeoutMs) {
      throw new DeleteTimeoutError(
        `cluster "${options.name}" still has ${summary} after ${Math.round(elapsed / 1000)}s (see: capi describe cluster ${options.name})`,
      );
    }
    await sleep(options.pollMs ?? 1000, undefined, options.signal ? { signal: options.signal } : {});
  }
}
