import type { TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { setCondition } from '../../../controller-runtime/conditions/index.js';
import {
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
} from '../../../controller-runtime/controller/reconciler.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import type { Cluster } from '../../../core/api/v1beta2/cluster-types.js';
import { CommonCondition } from '../../../core/api/v1beta2/well-known.js';
import type { DevCluster } from '../api/dev-cluster-types.js';
import { API_VERSION } from '../api/group.js';
import { DevClusterConditionType, DevClusterFinalizer, DevClusterReadyReason } from '../api/well-known.js';
import { backendNameOf, type DevClusterBackend } from './backend.js';
import { ClusterType, getIfExists, ownerOf, type Stored } from './owners.js';
import { errorText, pickBackend, reconcileWithFinalizer, recordFailure } from './reconcile-support.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import { isPaused, setPausedCondition } from '../../../core/contract/paused.js';

export const DevClusterType: TypeRef = { apiVersion: API_VERSION, kind: 'DevCluster' };

export interface DevClusterReconcilerOptions {
  client: Client;
  recorder: EventRecorder;
  /** Backends by `spec.backend` field name (`inMemory`, `docker`). */
  backends: Partial<Record<string, DevClusterBackend>>;
  /** Told of every failed reconcile (metrics). */
  onError?: (devCluster: Stored<DevCluster>, error: unknown) => void;
}

const OWNED_CONDITIONS = [DevClusterConditionType.Ready, CommonCondition.Paused];

/**
 * DevCluster: waits for its Cluster owner, honours pause, keeps the finalizer, and hands provisioning and
 * deletion to the backend its spec names. Ready mirrors the backend's outcome; failures are reported on
 * Ready, as a Warning event, and by the controller's retry with backoff.
 */
export class DevClusterReconciler implements Reconciler {
  readonly #o: DevClusterReconcilerOptions;

  constructor(options: DevClusterReconcilerOptions) {
    this.#o = options;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    const client = this.#o.client;
    const devCluster = await getIfExists<Stored<DevCluster>>(
      client,
      DevClusterType,
      request.namespace,
      request.name,
    );
    if (!devCluster) {
      // Gone without our deletion running here (moved away, finalizer removed): free what this process holds.
      for (const backend of Object.values(this.#o.backends)) {
        await backend?.release?.({ namespace: request.namespace ?? '', name: request.name });
      }
      return undefined;
    }
    const cluster = await ownerOf<Stored<Cluster>>(client, devCluster, ClusterType);
    if (!cluster) {
      log.info('waiting for the Cluster controller to set the owner reference');
      return undefined;
    }
    const observed = this.#o.backends[backendNameOf(devCluster) ?? ''];
    observed?.observe?.({ cluster, devCluster, log });
    return withPatch(
      client,
      devCluster,
      OWNED_CONDITIONS,
      async () => {
        if (setPausedCondition(devCluster, isPaused(cluster, devCluster))) return undefined;
        const backend = pickBackend(devCluster, this.#o.backends);
        return reconcileWithFinalizer(devCluster, DevClusterFinalizer, backend, { cluster, devCluster, log });
      },
      (error) => {
        if (devCluster.metadata.deletionTimestamp && error === undefined) return;
        const provisioned = devCluster.status?.initialization?.provisioned === true;
        if (error !== undefined) {
          setCondition(devCluster, {
            type: DevClusterConditionType.Ready,
            status: 'False',
            reason: DevClusterReadyReason.NotReady,
            message: errorText(error),
          });
          recordFailure(this.#o.recorder, devCluster, 'ReconcileError', error);
          this.#o.onError?.(devCluster, error);
        } else if (!isPaused(cluster, devCluster)) {
          setCondition(devCluster, {
            type: DevClusterConditionType.Ready,
            status: provisioned ? 'True' : 'False',
            reason: provisioned ? DevClusterReadyReason.Ready : DevClusterReadyReason.NotReady,
            ...(provisioned ? {} : { message: 'Cluster infrastructure is being provisioned' }),
          });
        }
      },
    );
  }
}
