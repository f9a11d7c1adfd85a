import type { Result } from '../../../../controller-runtime/controller/reconciler.js';
import { InMemoryListenerAnnotation } from '../../api/well-known.js';
import type { DeleteOutcome, DevClusterBackend, DevClusterScope } from '../../reconcilers/backend.js';
import { failureDomainNames, maybeFailApiCall, unreachable } from './faults.js';
import type { InMemoryCloud } from './in-memory-cloud.js';

/** Failure domains a DevCluster of the in-memory backend reports unless its annotation says otherwise. */
export const DEFAULT_FAILURE_DOMAINS = ['fd1', 'fd2', 'fd3'];

export interface InMemoryBackendOptions {
  cloud: InMemoryCloud;
  /** Failure domain names reported by every DevCluster (default fd1, fd2, fd3; all control plane eligible). */
  failureDomains?: string[];
  /** Random source of fault injection and jitter (tests pass a fixed one). */
  random?: () => number;
}

/** `namespace/name` of the Cluster: the key of its simulated workload cluster. */
export const workloadKeyOf = (scope: Pick<DevClusterScope, 'cluster'>): string =>
  `${scope.cluster.metadata.namespace ?? ''}/${scope.cluster.metadata.name ?? ''}`;

/**
 * DevCluster, in memory: binds the workload cluster's endpoint (a port of the configured range on the
 * listener host), advertises it as `spec.controlPlaneEndpoint`, reports failure domains and `provisioned`.
 * The API server behind the endpoint starts with the first control plane machine. Deleting releases all.
 */
export class InMemoryClusterBackend implements DevClusterBackend {
  readonly name = 'inMemory';
  readonly #o: InMemoryBackendOptions;
  /** DevCluster `namespace/name` → the workload key it holds, for `release`. */
  readonly #held = new Map<string, string>();

  constructor(options: InMemoryBackendOptions) {
    this.#o = options;
  }

  observe({ cluster, devCluster }: DevClusterScope): void {
    this.#held.set(
      `${devCluster.metadata.namespace ?? ''}/${devCluster.metadata.name ?? ''}`,
      workloadKeyOf({ cluster }),
    );
  }

  /**
   * The DevCluster left this management plane without its deletion (a move strips its finalizer): stop the
   * workload cluster's API server, close the listener so the plane it moved to can bind the advertised port,
   * and forget it. Unless another DevCluster still holds the same workload cluster.
   */
  async release(devCluster: { namespace: string; name: string }): Promise<void> {
    const id = `${devCluster.namespace}/${devCluster.name}`;
    const key = this.#held.get(id);
    if (key === undefined) return;
    this.#held.delete(id);
    if ([...this.#held.values()].includes(key)) return;
    await this.#o.cloud.delete(key);
  }

  async reconcileNormal({ cluster, devCluster }: DevClusterScope): Promise<Result | undefined> {
    maybeFailApiCall(devCluster, 'ProvisionClusterInfrastructure', this.#o.random);
    const key = workloadKeyOf({ cluster });
    const endpoint = devCluster.spec?.controlPlaneEndpoint;
    // After a restart of this process the DevCluster still advertises its endpoint: take the same port back.
    const advertised = endpoint?.host && endpoint.port ? endpoint.port : undefined;
    const workload = await this.#o.cloud.ensure(key, advertised);
    workload.setUnreachable(unreachable(devCluster));

    devCluster.metadata.annotations = {
      ...devCluster.metadata.annotations,
      [InMemoryListenerAnnotation]: key,
    };
    devCluster.spec ??= { backend: { inMemory: {} } };
    if (!advertised) devCluster.spec.controlPlaneEndpoint = { host: workload.host, port: workload.port };
    const names = failureDomainNames(devCluster) ?? this.#o.failureDomains ?? DEFAULT_FAILURE_DOMAINS;
    devCluster.status = {
      ...devCluster.status,
      initialization: { provisioned: true },
      ...(names.length > 0 ? { failureDomains: names.map((name) => ({ name, controlPlane: true })) } : {}),
    };
    if (names.length === 0) delete devCluster.status.failureDomains;
    return undefined;
  }

  async reconcileDelete({ cluster, devCluster }: DevClusterScope): Promise<DeleteOutcome> {
    maybeFailApiCall(devCluster, 'DeleteClusterInfrastructure', this.#o.random);
    await this.#o.cloud.delete(workloadKeyOf({ cluster }));
    return { done: true };
  }
}
