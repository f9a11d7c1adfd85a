import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import type { Request } from '../../../controller-runtime/controller/reconciler.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import type { MachineDeployment } from '../../api/v1beta2/machine-deployment-types.js';
import { Label } from '../../api/v1beta2/well-known.js';
import { ContractResolver } from '../../contract/contract-version.js';
import { isSelectorError, labelSelectorAsSelector } from '../../webhooks/util/label-selector.js';
import type { Stored } from '../cluster/cluster-scope.js';
import {
  ClusterType,
  MachineDeploymentReconciler,
  MachineDeploymentType,
  MachineSetType,
  MachineType,
} from './machine-deployment-reconciler.js';

export interface MachineDeploymentControllerOptions {
  /** Upstream's --machinedeployment-concurrency default is 50. */
  maxConcurrentReconciles?: number;
}

/** Registers the MachineDeployment controller with the manager. */
export function setupMachineDeploymentController(
  manager: Manager,
  options: MachineDeploymentControllerOptions = {},
): Controller {
  const deployments = (namespace: string | undefined): Stored<MachineDeployment>[] =>
    [...manager.cache.getInformer<Stored<MachineDeployment>>(MachineDeploymentType).store.values()].filter(
      (md) => md.metadata.namespace === namespace,
    );
  const request = (md: KubeObject): Request => ({
    namespace: md.metadata.namespace,
    name: md.metadata.name ?? '',
  });
  // An orphan MachineSet goes to every MachineDeployment whose selector matches it (one of them adopts it).
  const orphanToDeployments = (ms: KubeObject): Request[] => {
    if ((ms.metadata.ownerReferences ?? []).some((r) => r.controller === true)) return [];
    if (Object.keys(ms.metadata.labels ?? {}).length === 0) return [];
    return deployments(ms.metadata.namespace)
      .filter((md) => {
        const selector = labelSelectorAsSelector(md.spec?.selector);
        return !isSelectorError(selector) && !selector.empty && selector.matches(ms.metadata.labels);
      })
      .map(request);
  };
  // Machines report readiness and up-to-dateness the MachineDeployment summarises.
  const machineToDeployment = (m: KubeObject): Request[] => {
    const name = m.metadata.labels?.[Label.MachineDeploymentName];
    return name ? [{ namespace: m.metadata.namespace, name }] : [];
  };
  // Pausing, unpausing or creating a Cluster concerns all of its MachineDeployments.
  const clusterToDeployments = (cluster: KubeObject): Request[] =>
    deployments(cluster.metadata.namespace)
      .filter(
        (md) =>
          md.spec?.clusterName === cluster.metadata.name ||
          md.metadata.labels?.[Label.ClusterName] === cluster.metadata.name,
      )
      .map(request);
  return new ControllerBuilder(manager)
    .named('machinedeployment')
    .for(MachineDeploymentType)
    .owns(MachineSetType)
    .watches(MachineSetType, orphanToDeployments)
    .watches(MachineType, machineToDeployment)
    .watches(ClusterType, clusterToDeployments, {
      predicates: [
        {
          update: (o, n) =>
            (o.spec as { paused?: boolean } | undefined)?.paused !==
            (n.spec as { paused?: boolean } | undefined)?.paused,
        },
      ],
    })
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 50 })
    .complete(
      new MachineDeploymentReconciler({
        client: manager.client,
        resolver: new ContractResolver(manager.client),
        recorder: manager.getEventRecorderFor('machinedeployment-controller'),
      }),
    );
}
