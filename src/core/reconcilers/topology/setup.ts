import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import {
  annotationsChangedPredicate,
  generationChangedPredicate,
  labelsChangedPredicate,
  or,
  type Predicate,
} from '../../../controller-runtime/controller/predicates.js';
import type { Request } from '../../../controller-runtime/controller/reconciler.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { Label } from '../../api/v1beta2/well-known.js';
import { ContractResolver } from '../../contract/contract-version.js';
import type { CoreMetrics } from '../../metrics/core-metrics.js';
import type { RandomSource } from '../../topology/desired-state/index.js';
import { ClusterType } from '../cluster/cluster-reconciler.js';
import { toClusterByLabel } from '../cluster/setup.js';
import { ExternalTracker } from '../external-tracker.js';
import { ClusterClassType, MachineDeploymentType, MachineSetType, MachineType } from './current-state.js';
import { TopologyReconciler } from './topology-reconciler.js';

export interface TopologyControllerOptions {
  /** Upstream's --clustertopology-concurrency default is 10. */
  maxConcurrentReconciles?: number;
  random?: RandomSource;
  /** `capi_drift_corrections_total{controller="topology/cluster"}`. */
  metrics?: Pick<CoreMetrics, 'driftCorrected'>;
}

/** Objects the topology made (MachineDeployments, infrastructure cluster, control plane) go to their Cluster. */
const toClusterOfTopologyObject = (obj: KubeObject): Request[] =>
  Label.ClusterTopologyOwned in (obj.metadata.labels ?? {}) ? toClusterByLabel(obj) : [];

/**
 * A topology MachineSet going away: the templates it was made from may now be unused (upstream's topology
 * MachineSet controller deletes them then). Nothing else need change when an old MachineSet of a rollout
 * goes, so without this its templates would wait for an unrelated event.
 */
const onlyDeletes: Predicate = { create: () => false, update: () => false };

/**
 * What the topology is computed from on a Cluster or a MachineDeployment: spec (generation), labels, annotations
 * (pause, upgrade concurrency), deletion. Their status writes (conditions, counters; also this controller's own
 * TopologyReconciled) change nothing it decides.
 */
const specOrMetadataChanged: Predicate = or(
  generationChangedPredicate,
  labelsChangedPredicate,
  annotationsChangedPredicate,
  { update: (o, n) => !!o.metadata.deletionTimestamp !== !!n.metadata.deletionTimestamp },
);

type VersionedMachine = KubeObject & {
  spec?: { version?: string };
  status?: { nodeInfo?: { kubeletVersion?: string } };
};

/**
 * Upgrade sequencing reads Machines for their versions only: a Machine coming, going, being deleted or changing
 * its `spec.version` or kubelet version matters; its many status writes (conditions, addresses) do not.
 */
const machineVersionChanged: Predicate<VersionedMachine> = {
  update: (o, n) =>
    o.spec?.version !== n.spec?.version ||
    o.status?.nodeInfo?.kubeletVersion !== n.status?.nodeInfo?.kubeletVersion ||
    !!o.metadata.deletionTimestamp !== !!n.metadata.deletionTimestamp,
};

/**
 * Registers the topology controller: Clusters with `spec.topology`; their ClusterClass; the MachineDeployments,
 * infrastructure cluster and control plane the topology made; Machines (an upgrade moves on as they are
 * replaced); and deleted MachineSets (their cloned templates are cleaned up).
 */
export function setupTopologyController(
  manager: Manager,
  options: TopologyControllerOptions = {},
): Controller {
  const clustersOfClass = (cc: KubeObject): Request[] => {
    const out: Request[] = [];
    for (const c of manager.cache.getInformer<Cluster & KubeObject>(ClusterType).store.values()) {
      const ref = c.spec?.topology?.classRef;
      if (
        ref?.name === cc.metadata.name &&
        (ref?.namespace || c.metadata.namespace) === cc.metadata.namespace
      )
        out.push({ namespace: c.metadata.namespace, name: c.metadata.name ?? '' });
    }
    return out;
  };
  const tracker = new ExternalTracker(manager.cache, toClusterOfTopologyObject);
  const controller = new ControllerBuilder(manager)
    .named('topology/cluster')
    .for(ClusterType, { predicates: [specOrMetadataChanged] })
    .watches(ClusterClassType, clustersOfClass)
    .watches(MachineDeploymentType, toClusterOfTopologyObject, { predicates: [specOrMetadataChanged] })
    .watches(MachineType, toClusterByLabel, { predicates: [machineVersionChanged as Predicate] })
    .watches(MachineSetType, toClusterOfTopologyObject, { predicates: [onlyDeletes] })
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 10 })
    .complete(
      new TopologyReconciler({
        client: manager.client,
        apiReader: manager.apiClient,
        resolver: new ContractResolver(manager.client),
        tracker,
        ...(options.random ? { random: options.random } : {}),
        ...(options.metrics ? { metrics: options.metrics } : {}),
        recorder: manager.getEventRecorderFor('topology/cluster-controller'),
      }),
    );
  tracker.controller = controller;
  return controller;
}
