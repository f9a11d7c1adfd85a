import { keyString } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import { mapToOwner } from '../../../controller-runtime/controller/handlers.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import type { Predicate } from '../../../controller-runtime/controller/predicates.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import { type FeatureGates } from '../../api/feature-gates.js';
import { Annotation, Label } from '../../api/v1beta2/well-known.js';
import { ContractResolver } from '../../contract/contract-version.js';
import type { CoreMetrics } from '../../metrics/core-metrics.js';
import { ExternalTracker } from '../external-tracker.js';
import { DEFAULT_REMOTE_CONDITIONS_GRACE_PERIOD_MS } from './machine-node-conditions.js';
import { MachineReconciler, type MachineReconcilerOptions, MachineType } from './machine-reconciler.js';
import type { WorkloadAccess } from './workload-access.js';

export interface MachineControllerOptions {
  workload: WorkloadAccess;
  metrics?: CoreMetrics;
  /** While a drain is not complete the Machine comes back after this long (upstream: 20 s). */
  drainRequeueMs?: number;
  /** Upstream's --machine-concurrency default is 100. */
  maxConcurrentReconciles?: number;
  /** Feature gates (MachineTaintPropagation); unset ones take `DEFAULT_FEATURE_GATES`. */
  featureGates?: Partial<FeatureGates>;
  /**
   * How long NodeReady/NodeHealthy keep their last known values while the workload cluster does not answer
   * (upstream `--remote-conditions-grace-period`, default 5 minutes; upstream refuses less than 2 minutes, so the
   * cluster cache has dropped the connection first; only tests should go lower).
   */
  remoteConditionsGracePeriodMs?: number;
  /** Extra Machine labels and annotations kept on Nodes (upstream `--additional-sync-machine-labels|annotations`). */
  nodeSync?: MachineReconcilerOptions['nodeSync'];
}

/** MachineSet and MachineDeployment changes matter to Machines only through their revision (outdated-revision taint). */
const revisionChanged: Predicate = {
  update: (o, n) =>
    o === n ||
    o.metadata.annotations?.[Annotation.MachineDeploymentRevision] !==
      n.metadata.annotations?.[Annotation.MachineDeploymentRevision],
};

/** Registers the Machine controller with the manager. */
export function setupMachineController(manager: Manager, options: MachineControllerOptions): Controller {
  const machinesOf = (namespace: string, cluster: string) => {
    const out: { namespace: string; name: string }[] = [];
    for (const m of manager.cache.getInformer(MachineType).store.values())
      if (m.metadata.namespace === namespace && m.metadata.labels?.[Label.ClusterName] === cluster)
        out.push({ namespace, name: m.metadata.name ?? '' });
    return out;
  };
  const gracePeriodMs = options.remoteConditionsGracePeriodMs ?? DEFAULT_REMOTE_CONDITIONS_GRACE_PERIOD_MS;
  const machines = () => manager.cache.getInformer(MachineType).store.values();
  const tracker = new ExternalTracker(manager.cache, mapToOwner(MachineType, { onlyController: true }));
  const built: { controller?: Controller } = {};
  const reconciler = new MachineReconciler({
    client: manager.client,
    resolver: new ContractResolver(manager.client),
    tracker,
    workload: options.workload,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    recorder: manager.getEventRecorderFor('machine-controller'),
    ...(options.drainRequeueMs ? { drainRequeueMs: options.drainRequeueMs } : {}),
    ...(options.featureGates ? { featureGates: options.featureGates } : {}),
    remoteConditionsGracePeriodMs: gracePeriodMs,
    ...(options.nodeSync ? { nodeSync: options.nodeSync } : {}),
    enqueue: (m) => built.controller?.queue.add(keyString(m)),
    machineOfNode: (cluster, nodeName) => {
      for (const m of machines())
        if (
          m.metadata.namespace === cluster.namespace &&
          m.metadata.labels?.[Label.ClusterName] === cluster.name &&
          (m.status as { nodeRef?: { name?: string } } | undefined)?.nodeRef?.name === nodeName
        )
          return m.metadata.name;
      return undefined;
    },
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
    // A MachineSet's Machines, and a MachineDeployment's (by their deployment-name label), for the
    // outdated-revision taint on their Nodes.
    .watches(
      { apiVersion: API_VERSION, kind: 'MachineSet' },
      (ms) => {
        const out = [];
        for (const m of machines())
          if (
            m.metadata.namespace === ms.metadata.namespace &&
            (m.metadata.ownerReferences ?? []).some(
              (r) => r.kind === 'MachineSet' && r.uid === ms.metadata.uid,
            )
          )
            out.push({ namespace: m.metadata.namespace, name: m.metadata.name ?? '' });
        return out;
      },
      { predicates: [revisionChanged] },
    )
    .watches(
      { apiVersion: API_VERSION, kind: 'MachineDeployment' },
      (md) => {
        const out = [];
        for (const m of machines())
          if (
            m.metadata.namespace === md.metadata.namespace &&
            m.metadata.labels?.[Label.MachineDeploymentName] === md.metadata.name
          )
            out.push({ namespace: m.metadata.namespace, name: m.metadata.name ?? '' });
        return out;
      },
      { predicates: [revisionChanged] },
    )
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 100 })
    .complete(reconciler);
  tracker.controller = controller;
  built.controller = controller;
  options.workload.onConnectionChange?.((cluster) => {
    for (const m of machinesOf(cluster.namespace, cluster.name)) controller.queue.add(keyString(m));
  });
  // Once the grace period has passed without a successful probe, NodeReady/NodeHealthy turn Unknown.
  options.workload.onProbeFailure?.(gracePeriodMs, (cluster) => {
    for (const m of machinesOf(cluster.namespace, cluster.name)) controller.queue.add(keyString(m));
  });
  return controller;
}
