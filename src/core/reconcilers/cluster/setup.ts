import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import { mapToOwner } from '../../../controller-runtime/controller/handlers.js';
import type { Request } from '../../../controller-runtime/controller/reconciler.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import type { NewCondition } from '../../../controller-runtime/conditions/index.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { Label } from '../../api/v1beta2/well-known.js';
import { ContractResolver } from '../../contract/contract-version.js';
import { ExternalTracker } from '../external-tracker.js';
import type { Stored } from './cluster-scope.js';
import {
  ClusterReconciler,
  ClusterType,
  MachineDeploymentType,
  MachineSetType,
  MachineType,
} from './cluster-reconciler.js';

export interface ClusterControllerOptions {
  /** Upstream's --cluster-concurrency default is 50. */
  maxConcurrentReconciles?: number;
  remoteConnectionProbe?: (cluster: Stored<Cluster>) => NewCondition | undefined;
}

/** The Cluster of an object, by its cluster-name label (same namespace). */
export const toClusterByLabel = (obj: KubeObject): Request[] => {
  const name = obj.metadata.labels?.[Label.ClusterName];
  return name ? [{ namespace: obj.metadata.namespace, name }] : [];
};

/** Registers the Cluster controller with the manager. */
export function setupClusterController(manager: Manager, options: ClusterControllerOptions = {}): Controller {
  const tracker = new ExternalTracker(manager.cache, mapToOwner(ClusterType, { onlyController: false }));
  const controller = new ControllerBuilder(manager)
    .named('cluster')
    .for(ClusterType)
    .watches(MachineType, toClusterByLabel)
    .watches(MachineSetType, toClusterByLabel)
    .watches(MachineDeploymentType, toClusterByLabel)
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 50 })
    .complete(
      new ClusterReconciler({
        client: manager.client,
        apiReader: manager.apiClient,
        resolver: new ContractResolver(manager.client),
        tracker,
        recorder: manager.getEventRecorderFor('cluster-controller'),
        ...(options.remoteConnectionProbe ? { remoteConnectionProbe: options.remoteConnectionProbe } : {}),
      }),
    );
  tracker.controller = controller;
  return controller;
}
