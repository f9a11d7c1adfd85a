import pc from 'picocolors';
import type { KubeObject } from '../controller-runtime/api/object.js';
import type { Reader } from '../controller-runtime/client/client.js';
import { isNoKindMatch } from '../controller-runtime/client/errors.js';
import { CLUSTER_TYPE } from './cluster-lookup.js';
import { formatTable, shortDuration } from './output.js';

interface ReplicaCounts {
  desiredReplicas?: number;
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}

type ClusterObject = KubeObject & {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string }[];
    controlPlane?: ReplicaCounts;
    workers?: ReplicaCounts;
  };
};

/** `available/desired` of a replica group, `-` when the Cluster has none. */
function replicas(counts: ReplicaCounts | undefined): string {
  if (!counts || counts.desiredReplicas === undefined) return '-';
  return `${counts.availableReplicas ?? 0}/${counts.desiredReplicas}`;
}

/**
 * `capi get clusters`: one aligned line per Cluster — available, control plane and worker Machines available
 * out of desired, phase, age — the fleet at a glance. Empty output says so in words.
 */
export async function getClusters(
  client: Reader,
  options: { namespace?: string; color: boolean; now?: Date },
): Promise<string> {
  let items: ClusterObject[];
  try {
    items = (
      await client.list<ClusterObject>(
        CLUSTER_TYPE,
        options.namespace ? { namespace: options.namespace } : {},
      )
    ).items;
  } catch (err) {
    if (isNoKindMatch(err))
      return 'No clusters: the Cluster API CRDs are not installed (capi init installs them).\n';
    throw err;
  }
  if (items.length === 0) {
    return options.namespace ? `No clusters in namespace "${options.namespace}".\n` : 'No clusters.\n';
  }
  const c = pc.createColors(options.color);
  const now = (options.now ?? new Date()).getTime();
  const rows = items
    .sort((a, b) =>
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace}/${b.metadata.name}`,
      ),
    )
    .map((cluster) => {
      const available = cluster.status?.conditions?.find((x) => x.type === 'Available');
      const status = available?.status ?? 'Unknown';
      const paint = status === 'True' ? c.green : status === 'False' ? c.red : c.yellow;
      const created = Date.parse(cluster.metadata.creationTimestamp ?? '');
      return [
        ...(options.namespace ? [] : [cluster.metadata.namespace ?? '']),
        cluster.metadata.name ?? '',
        paint(status) + (status !== 'True' && available?.reason ? ` (${available.reason})` : ''),
        replicas(cluster.status?.controlPlane),
        replicas(cluster.status?.workers),
        cluster.status?.phase ?? '',
        Number.isNaN(created) ? '' : shortDuration(now - created),
      ];
    });
  return formatTable(
    [
      ...(options.namespace ? [] : ['NAMESPACE']),
      'NAME',
      'AVAILABLE',
      'CONTROL PLANE',
      'WORKERS',
      'PHASE',
      'AGE',
    ],
    rows,
  );
}
