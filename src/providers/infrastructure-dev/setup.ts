import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Manager } from '../../controller-runtime/manager/manager.js';
import { startWorkloadSimulation } from './backends/in-memory/workload/workload-simulation.js';
import { ProviderApiError } from './backends/in-memory/faults.js';
import { InMemoryCloud } from './backends/in-memory/in-memory-cloud.js';
import { InMemoryClusterBackend } from './backends/in-memory/in-memory-cluster-backend.js';
import {
  InMemoryMachineBackend,
  type ProvisioningFailure,
} from './backends/in-memory/in-memory-machine-backend.js';
import type { ListenerPortsOptions } from './backends/in-memory/listener-ports.js';
import { setupDevProviderControllers } from './reconcilers/setup.js';

export interface DevProviderOptions {
  /** The in-memory backend: where workload endpoints listen, which failure domains clusters report. */
  inMemory?: ListenerPortsOptions & {
    failureDomains?: string[];
    random?: () => number;
    now?: () => number;
    /** A DevMachine's provisioning failed (once per failure; the composition root counts it as a Machine failure). */
    onProvisioningFailed?: (failure: ProvisioningFailure) => void;
  };
  maxConcurrentReconciles?: number;
}

export type { ProvisioningFailure };

export interface DevProvider {
  /** The in-memory backend's simulated clouds (workload clusters by `namespace/name`). */
  cloud: InMemoryCloud;
}

/**
 * Wires the dev infrastructure provider into a manager: the DevCluster and DevMachine controllers with the
 * in-memory backend (the docker backend is not available in this process yet). The workload clusters stop
 * when the manager stops.
 */
export function setupDevProvider(manager: Manager, options: DevProviderOptions = {}): DevProvider {
  const o = options.inMemory ?? {};
  const cloud = new InMemoryCloud({
    ...o,
    registry: manager.registry,
    startSimulation: (instance) => startWorkloadSimulation(instance.registry, instance.catalog),
  });
  const random = o.random;
  setupDevProviderControllers(manager, {
    clusterBackends: {
      inMemory: new InMemoryClusterBackend({
        cloud,
        ...(o.failureDomains ? { failureDomains: o.failureDomains } : {}),
        ...(random ? { random } : {}),
      }),
    },
    machineBackends: {
      inMemory: new InMemoryMachineBackend({
        cloud,
        secrets: manager.apiClient,
        ...(random ? { random } : {}),
        ...(o.now ? { now: o.now } : {}),
        ...(o.onProvisioningFailed ? { onProvisioningFailed: o.onProvisioningFailed } : {}),
      }),
    },
    ...(options.maxConcurrentReconciles ? { maxConcurrentReconciles: options.maxConcurrentReconciles } : {}),
    onError: (obj: KubeObject, error: unknown) => {
      if (error instanceof ProviderApiError)
        cloud.metrics.providerApiErrors.inc({
          provider: 'in-memory',
          kind: obj.kind ?? '',
          operation: error.operation,
          code: String(error.code),
        });
    },
  });
  manager.add({
    name: 'in-memory-cloud',
    needLeaderElection: false,
    start: async (signal: AbortSignal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await cloud.stop();
    },
  });
  return { cloud };
}
