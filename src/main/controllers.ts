import type { Manager } from '../controller-runtime/manager/manager.js';
import { setupKubeadmBootstrapProvider } from '../providers/bootstrap-kubeadm/setup.js';
import { setupKubeadmControlPlaneProvider } from '../providers/control-plane-kubeadm/setup.js';
import { type CoreMetrics, MachineFailureReason } from '../core/metrics/core-metrics.js';
import {
  type DevProvider,
  type DevProviderOptions,
  type ProvisioningFailure,
  setupDevProvider,
} from '../providers/infrastructure-dev/setup.js';
import {
  type CoreControllers,
  type CoreControllersOptions,
  setupCoreControllers,
} from './core-controllers.js';

export interface AllControllersOptions {
  core?: CoreControllersOptions;
  devProvider?: DevProviderOptions;
}

export interface AllControllers {
  core: CoreControllers;
  devProvider: DevProvider;
}

/**
 * Every controller capi-ts runs, on one manager: core, the kubeadm bootstrap and control plane providers, and
 * the dev infrastructure provider with its in-memory backend. `capi up` and `capi manager` both call this, so
 * the all-in-one plane and a Deployment in a real cluster reconcile the same kinds.
 */
export function setupAllControllers(manager: Manager, options: AllControllersOptions = {}): AllControllers {
  // The dev provider starts first; its provisioning failures reach core's metrics once those exist.
  const late: { metrics?: CoreMetrics } = {};
  const chained = options.devProvider?.inMemory?.onProvisioningFailed;
  const countFailure = provisioningFailureCounter(() => late.metrics);
  const devProvider = setupDevProvider(manager, {
    ...options.devProvider,
    inMemory: {
      ...options.devProvider?.inMemory,
      onProvisioningFailed: (failure) => {
        countFailure(failure);
        chained?.(failure);
      },
    },
  });
  const core = setupCoreControllers(manager, options.core);
  late.metrics = core.metrics;
  // The kubeadm bootstrap and control plane providers reach workload clusters through core's cluster cache.
  setupKubeadmBootstrapProvider(manager, { workloadClusters: core.clusterCache });
  setupKubeadmControlPlaneProvider(manager, { workloadClusters: core.clusterCache });
  return { core, devProvider };
}

/**
 * Counts a DevMachine's failed provisioning as a failure of its Machine:
 * `capi_machine_failures_total{reason="InfrastructureProvisioningFailed"}`, once per failure the in-memory
 * backend reports.
 */
export function provisioningFailureCounter(
  metrics: () => CoreMetrics | undefined,
): (failure: ProvisioningFailure) => void {
  return (failure) =>
    metrics()?.machineFailed(
      { namespace: failure.namespace, clusterName: failure.clusterName },
      MachineFailureReason.InfrastructureProvisioningFailed,
    );
}
