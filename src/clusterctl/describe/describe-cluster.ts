import type { Reader } from '../../controller-runtime/client/client.js';
import { buildClusterTree, type BuildTreeOptions, type DescribeNode } from './describe-tree.js';
import { loadClusterObjects } from './fetch.js';
import { renderClusterTree } from './render-tree.js';

export { ClusterNotFoundError } from '../errors.js';

export interface DescribeClusterOptions extends BuildTreeOptions {
  namespace: string;
  name: string;
  /** Decided by the CLI (TTY, `NO_COLOR`, `--color`). */
  color: boolean;
  /** The clock `SINCE` is measured against. */
  now?: Date;
  signal?: AbortSignal;
}

/** The tree `describe cluster` prints, as plain data: what `-o json|yaml` prints. */
export async function describeClusterTree(
  client: Reader,
  options: Omit<DescribeClusterOptions, 'color' | 'now'>,
): Promise<DescribeNode> {
  const objects = await loadClusterObjects(client, {
    namespace: options.namespace,
    name: options.name,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.showResourceSets ? { resourceSetBinding: true } : {}),
  });
  return buildClusterTree(objects, options);
}

/** `capi describe cluster NAME`: the cluster's objects as a tree with their state, ready to print. */
export async function describeCluster(client: Reader, options: DescribeClusterOptions): Promise<string> {
  const tree = await describeClusterTree(client, options);
  return renderClusterTree(tree, { color: options.color, ...(options.now ? { now: options.now } : {}) });
}
