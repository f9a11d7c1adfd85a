import type { Logger } from 'pino';
import type { Result } from '../../../controller-runtime/controller/reconciler.js';
import type { Cluster } from '../../../core/api/v1beta2/cluster-types.js';
import type { Machine } from '../../../core/api/v1beta2/machine-types.js';
import type { DevCluster } from '../api/dev-cluster-types.js';
import type { DevMachine } from '../api/dev-machine-types.js';
import type { Stored } from './owners.js';

/** What a backend gets for one DevCluster reconcile; it changes `devCluster` and the reconciler patches it. */
export interface DevClusterScope {
  cluster: Stored<Cluster>;
  devCluster: Stored<DevCluster>;
  log: Logger;
}

/** What a backend gets for one DevMachine reconcile; it changes `devMachine` and the reconciler patches it. */
export interface DevMachineScope {
  cluster: Stored<Cluster>;
  devCluster: Stored<DevCluster>;
  machine: Stored<Machine>;
  devMachine: Stored<DevMachine>;
  log: Logger;
}

/** When deletion is finished the reconciler removes the finalizer; until then it comes back after `result`. */
export interface DeleteOutcome {
  done: boolean;
  result?: Result;
}

/**
 * One way of providing cluster infrastructure (docker containers, simulation in memory). The reconciler does
 * what every backend shares: owner lookups, pause, finalizer, patching, error reporting.
 */
export interface DevClusterBackend {
  readonly name: string;
  reconcileNormal(scope: DevClusterScope): Promise<Result | undefined>;
  reconcileDelete(scope: DevClusterScope): Promise<DeleteOutcome>;
  /** Told of every DevCluster seen with its Cluster (paused or not), so `release` knows what it held. */
  observe?(scope: DevClusterScope): void;
  /**
   * The DevCluster `namespace/name` is gone from the API without its deletion having run here (moved to another
   * management plane, or its finalizer removed by hand): let go of what this process holds for it.
   */
  release?(devCluster: { namespace: string; name: string }): Promise<void>;
}

/**
 * What deleting a DevMachine needs: only the machine and the name of its Cluster. Its Machine, Cluster or
 * DevCluster may be gone already (a namespace deleted at once, objects deleted out of order), and the
 * infrastructure must still be released.
 */
export interface DevMachineDeleteScope {
  clusterName: string;
  devMachine: Stored<DevMachine>;
  log: Logger;
}

export interface DevMachineBackend {
  readonly name: string;
  /** The provisioning conditions the Ready summary covers, for this machine. */
  provisioningConditions(scope: Pick<DevMachineScope, 'machine' | 'devMachine'>): readonly string[];
  reconcileNormal(scope: DevMachineScope): Promise<Result | undefined>;
  reconcileDelete(scope: DevMachineDeleteScope): Promise<DeleteOutcome>;
}

/** Which backend a DevCluster/DevMachine asks for (`spec.backend.<name>`). */
export function backendNameOf(obj: { spec?: { backend?: Record<string, unknown> } }): string | undefined {
  const backend = obj.spec?.backend ?? {};
  return Object.keys(backend).find((k) => backend[k] !== undefined && backend[k] !== null);
}
