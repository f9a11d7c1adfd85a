import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import type { Request } from '../../../controller-runtime/controller/reconciler.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import { Label } from '../../../core/api/v1beta2/well-known.js';
import type { DevMachine } from '../api/dev-machine-types.js';
import { GROUP } from '../api/group.js';
import type { DevClusterBackend, DevMachineBackend } from './backend.js';
import { DevClusterReconciler, DevClusterType } from './dev-cluster-reconciler.js';
import { DevMachineReconciler, DevMachineType } from './dev-machine-reconciler.js';
import { ClusterType, MachineType, type Stored } from './owners.js';

export interface DevProviderControllerOptions {
  clusterBackends: Partial<Record<string, DevClusterBackend>>;
  machineBackends: Partial<Record<string, DevMachineBackend>>;
  /** Workers per controller (upstream's --concurrency flags default to 10). */
  maxConcurrentReconciles?: number;
  /** Told of every failed reconcile (metrics). */
  onError?: (obj: KubeObject, error: unknown) => void;
}

const CLUSTER_NAME_INDEX = 'metadata.labels.cluster-name';

/** A reference to `kind` of this provider's group, as the object it names. */
function refTo(
  kind: string,
  namespace: string | undefined,
  ref: { apiGroup?: string; kind?: string; name?: string } | undefined,
): Request[] {
  if (!ref?.name || ref.kind !== kind || (ref.apiGroup !== undefined && ref.apiGroup !== GROUP)) return [];
  return [{ namespace, name: ref.name }];
}

/** Registers the DevCluster and DevMachine controllers with the manager. */
export function setupDevProviderControllers(manager: Manager, options: DevProviderControllerOptions): void {
  const workers = options.maxConcurrentReconciles ?? 10;
  const recorder = manager.getEventRecorderFor('capi-dev-controller-manager');

  new ControllerBuilder(manager)
    .named('devcluster')
    .for(DevClusterType)
    .watches(
      ClusterType,
      (
        cluster: Stored<{
          spec?: { infrastructureRef?: { apiGroup?: string; kind?: string; name?: string } };
        }>,
      ) => refTo('DevCluster', cluster.metadata.namespace, cluster.spec?.infrastructureRef),
    )
    .withOptions({ maxConcurrentReconciles: workers })
    .complete(
      new DevClusterReconciler({
        client: manager.client,
        recorder,
        backends: options.clusterBackends,
        ...(options.onError ? { onError: options.onError } : {}),
      }),
    );

  // Cluster changes (infrastructure provisioned, control plane initialized, paused) concern all its machines.
  manager.cache.indexField<Stored<DevMachine>>(DevMachineType, CLUSTER_NAME_INDEX, (m) => {
    const name = m.metadata.labels?.[Label.ClusterName];
    return name ? [`${m.metadata.namespace ?? ''}/${name}`] : [];
  });
  const devMachines = manager.cache.getInformer<Stored<DevMachine>>(DevMachineType).store;
  new ControllerBuilder(manager)
    .named('devmachine')
    .for(DevMachineType)
    .watches(
      MachineType,
      (
        machine: Stored<{
          spec?: { infrastructureRef?: { apiGroup?: string; kind?: string; name?: string } };
        }>,
      ) => refTo('DevMachine', machine.metadata.namespace, machine.spec?.infrastructureRef),
    )
    .watches(ClusterType, (cluster) =>
      devMachines
        .byIndex(CLUSTER_NAME_INDEX, `${cluster.metadata.namespace ?? ''}/${cluster.metadata.name ?? ''}`)
        .map((m) => ({ namespace: m.metadata.namespace, name: m.metadata.name ?? '' })),
    )
    .withOptions({ maxConcurrentReconciles: workers })
    .complete(
      new DevMachineReconciler({
        client: manager.client,
        recorder,
        backends: options.machineBackends,
        ...(options.onError ? { onError: options.onError } : {}),
      }),
    );
}
