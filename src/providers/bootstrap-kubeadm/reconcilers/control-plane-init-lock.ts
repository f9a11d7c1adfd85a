// The control plane init lock: only one Machine of a cluster may run `kubeadm init`. A ConfigMap
// `<cluster>-lock` in the Cluster's namespace is the mutex (its creation is the atomic step), holding the name
// of the Machine that took it under `lock-information` as `{"machineName": "..."}`, labelled with the cluster
// name and owned (not controlled) by the Cluster, so it goes with the Cluster. It is released once the control
// plane is initialized, when the holder's rendering fails, or when the holder Machine is gone.
import type { Logger } from 'pino';
import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../../controller-runtime/client/errors.js';
import { API_VERSION as CORE_API_VERSION } from '../../../core/api/v1beta2/group.js';
import { Label } from '../../../core/api/v1beta2/well-known.js';

const ConfigMapType: TypeRef = { apiVersion: 'v1', kind: 'ConfigMap' };
const MachineType: TypeRef = { apiVersion: CORE_API_VERSION, kind: 'Machine' };

/** The ConfigMap key holding who has the lock (upstream's `semaphoreInformationKey`). */
export const LOCK_INFORMATION_KEY = 'lock-information';

export const initLockName = (clusterName: string): string => `${clusterName}-lock`;

/** The Cluster the lock is for: what the ConfigMap's name, namespace and owner reference are made of. */
export interface LockCluster {
  metadata: { name?: string; namespace?: string; uid?: string };
}

interface LockConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** What the controller needs of the lock; tests substitute their own. */
export interface InitLocker {
  /** Takes (or confirms holding) the lock for `machineName`; false when another Machine holds it. */
  lock(cluster: LockCluster, machineName: string, log: Logger): Promise<boolean>;
  /** Releases the lock whoever holds it; true when it is gone afterwards (false: replaced meanwhile). */
  unlock(cluster: LockCluster, log: Logger): Promise<boolean>;
}

/** The holder named in the ConfigMap, or undefined when its data does not say. */
export function lockHolder(configMap: { data?: Record<string, string> }): string | undefined {
  const raw = configMap.data?.[LOCK_INFORMATION_KEY];
  if (!raw) return undefined;
  try {
    const info = JSON.parse(raw) as { machineName?: unknown };
    return typeof info.machineName === 'string' && info.machineName ? info.machineName : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ConfigMap mutex (upstream's `ControlPlaneInitMutex`). Reads go to the API server, not a cache, so a lock
 * taken a moment ago is seen. Unexpected API errors are thrown (the reconcile is retried), where upstream logs
 * them and answers "not acquired".
 */
export class ControlPlaneInitLock implements InitLocker {
  readonly #client: Client;

  /** `client` should be uncached (a manager's API client). */
  constructor(client: Client) {
    this.#client = client;
  }

  async lock(cluster: LockCluster, machineName: string, log: Logger): Promise<boolean> {
    const namespace = cluster.metadata.namespace;
    const name = initLockName(cluster.metadata.name ?? '');
    const existing = await this.#get(namespace, name);
    if (existing) {
      const holder = lockHolder(existing);
      if (holder === machineName) return true;
      if (holder === undefined) {
        log.info({ configMap: name }, 'the init lock names no holder; waiting');
        return false;
      }
      // A holder that no longer exists will never initialize the control plane: free the lock for the next try.
      if (!(await this.#machineExists(namespace, holder))) {
        log.info(
          { configMap: name, machine: holder },
          'the Machine holding the init lock is gone; releasing it',
        );
        await this.unlock(cluster, log);
      } else {
        log.info({ configMap: name }, `Waiting for Machine ${holder} to initialize`);
      }
      return false;
    }
    try {
      await this.#client.create<LockConfigMap>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name,
          namespace,
          labels: { [Label.ClusterName]: cluster.metadata.name ?? '' },
          ownerReferences: [
            {
              apiVersion: CORE_API_VERSION,
              kind: 'Cluster',
              name: cluster.metadata.name ?? '',
              uid: cluster.metadata.uid ?? '',
            },
          ],
        },
        data: { [LOCK_INFORMATION_KEY]: JSON.stringify({ machineName }) },
      });
      return true;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      log.info(
        { configMap: name },
        'Cannot acquire the init lock. The init lock has been acquired by someone else',
      );
      return false;
    }
  }

  async unlock(cluster: LockCluster, log: Logger): Promise<boolean> {
    const namespace = cluster.metadata.namespace;
    const name = initLockName(cluster.metadata.name ?? '');
    const existing = await this.#get(namespace, name);
    if (!existing) return true;
    try {
      await this.#client.delete(existing, {
        ...(existing.metadata.uid ? { preconditions: { uid: existing.metadata.uid } } : {}),
      });
      log.info({ configMap: name }, 'released the control plane init lock');
    } catch (err) {
      if (isNotFound(err)) return true;
      // Replaced since it was read (another Machine took a fresh lock): that one is not ours to remove.
      if (isConflict(err)) return false;
      throw err;
    }
    return true;
  }

  async #get(namespace: string | undefined, name: string): Promise<LockConfigMap | undefined> {
    try {
      return await this.#client.get<LockConfigMap>(ConfigMapType, { namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async #machineExists(namespace: string | undefined, name: string): Promise<boolean> {
    try {
      await this.#client.get(MachineType, { namespace, name });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
