import { keyString } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import type { MachineHealthCheck } from '../../api/v1beta2/machine-health-check-types.js';
import { Label } from '../../api/v1beta2/well-known.js';
import type { CoreMetrics } from '../../metrics/core-metrics.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { NodeType } from '../machine/machine-node.js';
import type { WorkloadAccess } from '../machine/workload-access.js';
import { MachineHealthCheckReconciler, MachineHealthCheckType } from './machine-health-check-reconciler.js';

export interface MachineHealthCheckControllerOptions {
  workload: WorkloadAccess;
  metrics?: CoreMetrics;
  /** Upstream's --machinehealthcheck-concurrency default is 10. */
  maxConcurrentReconciles?: number;
}

/** Registers the MachineHealthCheck controller: MHCs, their Machines' changes, and Node changes of their clusters. */
export function setupMachineHealthCheckController(
  manager: Manager,
  options: MachineHealthCheckControllerOptions,
): Controller {
  const mhcsOfCluster = (namespace: string | undefined, cluster: string | undefined) => {
    const out: { namespace?: string; name: string }[] = [];
    for (const mhc of manager.cache
      .getInformer<Stored<MachineHealthCheck>>(MachineHealthCheckType)
      .store.values())
      if (mhc.metadata.namespace === namespace && mhc.spec?.clusterName === cluster)
        out.push({ namespace, name: mhc.metadata.name ?? '' });
    return out;
  };
  const controller = new ControllerBuilder(manager)
    .named('machinehealthcheck')
    .for(MachineHealthCheckType)
    .watches({ apiVersion: API_VERSION, kind: 'Machine' }, (m) =>
      mhcsOfCluster(m.metadata.namespace, m.metadata.labels?.[Label.ClusterName]),
    )
    .watches({ apiVersion: API_VERSION, kind: 'Cluster' }, (c) =>
      mhcsOfCluster(c.metadata.namespace, c.metadata.name),
    )
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 10 })
    .complete(
      new MachineHealthCheckReconciler({
        client: manager.client,
        workload: options.workload,
        recorder: manager.getEventRecorderFor('machinehealthcheck-controller'),
        ...(options.metrics ? { metrics: options.metrics } : {}),
      }),
    );
  // Node condition changes in a workload cluster concern the MHCs of that cluster.
  // The cache keeps one watch per name (and forgets those of deleted clusters), so registering again is free.
  const watchNodes = (cluster: { namespace: string; name: string }): void => {
    try {
      options.workload.watch(cluster, {
        name: 'machinehealthcheck-nodes',
        type: NodeType,
        handler: () => {
          for (const r of mhcsOfCluster(cluster.namespace, cluster.name)) controller.queue.add(keyString(r));
        },
      });
    } catch {
      // Not connected yet: the connection listener below tries again.
    }
  };
  options.workload.onConnectionChange?.((cluster, connected) => {
    if (connected) watchNodes(cluster);
    for (const r of mhcsOfCluster(cluster.namespace, cluster.name)) controller.queue.add(keyString(r));
  });
  return controller;
}
