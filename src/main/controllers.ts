import type { Manager } from '../controller-runtime/manager/manager.js';
import { setupKubeadmBootstrapProvider } from '../providers/bootstrap-kubeadm/setup.js';
import { setupKubeadmControlPlaneProvider } from '../providers/control-plane-kubeadm/setup.js';
import {
  type DevProvider,
  type DevProviderOptions,
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
  const devProvider = setupDevProvider(manager, options.devProvider);
  const core = setupCoreControllers(manager, options.core);
  // The kubeadm bootstrap and control plane providers reach workload clusters through core's cluster cache.
  setupKubeadmBootstrapProvider(manager, { workloadClusters: core.clusterCache });
  setupKubeadmControlPlaneProvider(manager, { workloadClusters: core.clusterCache });
  return { core, devProvider };
}
