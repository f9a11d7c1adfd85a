import { keyString } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import { mapToOwner } from '../../../controller-runtime/controller/handlers.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import { Label } from '../../api/v1beta2/well-known.js';
import { ContractResolver } from '../../contract/contract-version.js';
import type { CoreMetrics } from '../../metrics/core-metrics.js';
import { ExternalTracker } from '../external-tracker.js';
import { MachineReconciler, MachineType } from './machine-reconciler.js';
import type { WorkloadAccess } from './workload-access.js';

export interface MachineControllerOptions {
  workload: WorkloadAccess;
  metrics?: CoreMetrics;
  /** While a drain is not complete the Machine comes back after this long (upstream: 20 s). */
  drainRequeueMs?: number;
  /** Upstream's --machine-concurrency default is 100. */
  maxConcurrentReconciles?: number;
}

/** Registers the Machine controller with the manager. */
export function setupMachineController(manager: Manager, options: MachineControllerOptions): Controller {
  const machinesOf = (namespace: string, cluster: string) => {
    const out: { namespace: string; name: string }[] = [];
    for (const m of manager.cache.getInformer(MachineType).store.values())
      if (m.metadata.namespace === namespace && m.metadata.labels?.[Label.ClusterName] === cluster)
        out.push({ namespace, name: m.metadata.name ?? '' });
    return out;
  };
  const tracker = new ExternalTracker(manager.cache, mapToOwner(MachineType, { onlyController: true }));
  const built: { controller?: Controller } = {};
  const reconciler = new MachineReconciler({
    client: manager.client,
    resolver: new ContractResolver(manager.client),
    tracker,
    workload: options.workload,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.drainRequeueMs ? { drainRequeueMs: options.drainRequeueMs } : {}),
    enqueue: (m) => built.controller?.queue.add(keyString(m)),
  });
  const controller = new ControllerBuilder(manager)
    .named('machine')
    .for(MachineType)
    // Cluster changes (infrastructure provisioned, paused, deleting) concern all of its Machines.
    .watches({ apiVersion: API_VERSION, kind: 'Cluster' }, (cluster) => {
      const machines = manager.cache.getInformer(MachineType).store.values();
      const out = [];
      for (const m of machines)
        if (
          m.metadata.namespace === cluster.metadata.namespace &&
          m.metadata.labels?.[Label.ClusterName] === cluster.metadata.name
        )
          out.push({ namespace: m.metadata.namespace, name: m.metadata.name ?? '' });
      return out;
    })
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 100 })
    .complete(reconciler);
  tracker.controller = controller;
  built.controller = controller;
  options.workload.onConnectionChange?.((cluster) => {
    for (const m of machinesOf(cluster.namespace, cluster.name)) controller.queue.add(keyString(m));
  });
  return controller;
}
