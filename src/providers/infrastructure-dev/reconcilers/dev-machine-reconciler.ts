import type { TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { setCondition, setSummaryCondition } from '../../../controller-runtime/conditions/index.js';
import {
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
} from '../../../controller-runtime/controller/reconciler.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import {
  addFinalizer,
  hasFinalizer,
  removeFinalizer,
} from '../../../controller-runtime/helpers/finalizers.js';
import type { Logger } from 'pino';
import { Label } from '../../../core/api/v1beta2/well-known.js';
import type { Machine } from '../../../core/api/v1beta2/machine-types.js';
import { CommonCondition } from '../../../core/api/v1beta2/well-known.js';
import type { DevCluster } from '../api/dev-cluster-types.js';
import type { DevMachine } from '../api/dev-machine-types.js';
import { API_VERSION } from '../api/group.js';
import {
  DevMachineConditionType,
  DevMachineFinalizer,
  DevMachineInMemoryConditionType,
  DevMachineReadyReason,
} from '../api/well-known.js';
import type { DevMachineBackend } from './backend.js';
import { DevClusterType } from './dev-cluster-reconciler.js';
import { clusterOfMachine, getIfExists, MachineType, ownerOf, type Stored } from './owners.js';
import { errorText, pickBackend, recordFailure } from './reconcile-support.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import { isPaused, setPausedCondition } from '../../../core/contract/paused.js';

export const DevMachineType: TypeRef = { apiVersion: API_VERSION, kind: 'DevMachine' };

export interface DevMachineReconcilerOptions {
  client: Client;
  recorder: EventRecorder;
  backends: Partial<Record<string, DevMachineBackend>>;
  onError?: (devMachine: Stored<DevMachine>, error: unknown) => void;
}

const OWNED_CONDITIONS = [
  DevMachineConditionType.Ready,
  CommonCondition.Paused,
  ...Object.values(DevMachineInMemoryConditionType),
];

/**
 * DevMachine: waits for its Machine owner, the Machine's Cluster and the Cluster's DevCluster; honours pause;
 * keeps the finalizer; hands provisioning and deletion to the backend its spec names. Ready summarises the
 * backend's provisioning conditions.
 */
export class DevMachineReconciler implements Reconciler {
  readonly #o: DevMachineReconcilerOptions;

  constructor(options: DevMachineReconcilerOptions) {
    this.#o = options;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    const client = this.#o.client;
    const devMachine = await getIfExists<Stored<DevMachine>>(
      client,
      DevMachineType,
      request.namespace,
      request.name,
    );
    if (!devMachine) return undefined;
    if (devMachine.metadata.deletionTimestamp) return this.#reconcileDelete(devMachine, log);
    const machine = await ownerOf<Stored<Machine>>(client, devMachine, MachineType);
    if (!machine) {
      log.info('waiting for the Machine controller to set the owner reference');
      return undefined;
    }
    const cluster = await clusterOfMachine(client, machine);
    if (!cluster) {
      log.info({ machine: machine.metadata.name }, 'the Machine has no Cluster yet');
      return undefined;
    }
    const ref = cluster.spec?.infrastructureRef;
    const devCluster = ref?.name
      ? await getIfExists<Stored<DevCluster>>(client, DevClusterType, cluster.metadata.namespace, ref.name)
      : undefined;
    let backend: DevMachineBackend | undefined;

    return withPatch(
      client,
      devMachine,
      OWNED_CONDITIONS,
      async () => {
        if (setPausedCondition(devMachine, isPaused(cluster, devMachine))) return undefined;
        backend = pickBackend(devMachine, this.#o.backends);
        if (!devCluster) {
          log.info({ cluster: cluster.metadata.name }, 'waiting for the DevCluster of the Cluster');
          return undefined;
        }
        addFinalizer(devMachine, DevMachineFinalizer);
        return backend.reconcileNormal({ cluster, devCluster, machine, devMachine, log });
      },
      (error) => {
        if (error !== undefined) {
          recordFailure(this.#o.recorder, devMachine, 'ReconcileError', error);
          this.#o.onError?.(devMachine, error);
        }
        if (isPaused(cluster, devMachine)) return;
        if (error !== undefined || !backend) {
          setCondition(devMachine, {
            type: DevMachineConditionType.Ready,
            status: 'False',
            reason: DevMachineReadyReason.NotReady,
            message: errorText(error),
          });
          return;
        }
        setSummaryCondition(devMachine, {
          targetType: DevMachineConditionType.Ready,
          forConditionTypes: backend.provisioningConditions({ machine, devMachine }),
        });
      },
    );
  }

  /**
   * Deletion releases the infrastructure with what the DevMachine itself says (its cluster-name label), so it
   * completes even when its Machine, Cluster or DevCluster are already gone.
   */
  async #reconcileDelete(devMachine: Stored<DevMachine>, log: Logger): Promise<Result | undefined> {
    if (!hasFinalizer(devMachine, DevMachineFinalizer)) return undefined;
    return withPatch(
      this.#o.client,
      devMachine,
      OWNED_CONDITIONS,
      async () => {
        const backend = pickBackend(devMachine, this.#o.backends);
        const clusterName = devMachine.metadata.labels?.[Label.ClusterName];
        if (clusterName) {
          const outcome = await backend.reconcileDelete({ clusterName, devMachine, log });
          if (!outcome.done) return outcome.result;
        }
        removeFinalizer(devMachine, DevMachineFinalizer);
        return undefined;
      },
      (error) => {
        if (error === undefined) return;
        recordFailure(this.#o.recorder, devMachine, 'ReconcileError', error);
        this.#o.onError?.(devMachine, error);
      },
    );
  }
}
