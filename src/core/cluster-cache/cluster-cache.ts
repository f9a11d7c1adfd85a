import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import type { Client, Reader, SubresourceWriter } from '../../controller-runtime/client/client.js';
import { isNotFound } from '../../controller-runtime/client/errors.js';
import type { KubeClient } from '../../controller-runtime/client/kube-client.js';
import type { RestConfig } from '../../controller-runtime/client/rest-config.js';
import { ControllerBuilder } from '../../controller-runtime/controller/builder.js';
import type { Controller } from '../../controller-runtime/controller/controller.js';
import type { ReconcileContext, Request, Result } from '../../controller-runtime/controller/reconciler.js';
import { silentLogger } from '../../controller-runtime/log/logger.js';
import type { Manager } from '../../controller-runtime/manager/manager.js';
import { defaultRegistry, metricsFor } from '../../controller-runtime/metrics/metrics.js';
import { API_VERSION } from '../api/v1beta2/group.js';
import { ClusterAccessor, type ClusterAccessorConfig, type HealthState } from './cluster-accessor.js';
import { type ClusterCacheMetrics, clusterCacheMetricsFor } from './cluster-cache-metrics.js';
import { type CacheIndex, errorText } from './cluster-connection.js';
import { type ClusterKey, clusterKeyString } from './cluster-key.js';
import { ClusterNotConnectedError } from './errors.js';

const CLUSTER: TypeRef = { apiVersion: API_VERSION, kind: 'Cluster' };

/** Upstream's `defaultRequeueAfter`: when the Cluster could not even be read. */
const READ_ERROR_REQUEUE_MS = 10_000;

type ClusterObject = KubeObject & {
  status?: { initialization?: { infrastructureProvisioned?: boolean } };
};

export interface ClusterCacheOptions {
  /** Reads `<cluster>-kubeconfig` Secrets; an uncached API client is fine (one read per connection attempt). */
  managementClient: Reader;
  /** Default: the manager's logger (silent when never set up with one). */
  logger?: Logger;
  /** Where the `capi_cluster_cache_*` metrics go; default the manager's registry. */
  registry?: Registry;
  /** Upstream: 10 s. */
  probeIntervalMs?: number;
  /** Upstream: 5 s. */
  probeTimeoutMs?: number;
  /** Consecutive failed probes that drop the connection; upstream: 5. */
  failureThreshold?: number;
  /**
   * The longest wait after a failed connection attempt (or a dropped connection) before the next; upstream waits
   * this long (30 s) every time. Here the waits start at `connectionFirstRetryMs` and double up to it, so a
   * cluster whose API server comes up a few seconds after its infrastructure is connected seconds later, and an
   * unreachable one is still tried only every 30 s.
   */
  connectionRetryMs?: number;
  /** The first wait after a failed connection attempt (default 1 s, capped by `connectionRetryMs`). */
  connectionFirstRetryMs?: number;
  /** Client-side rate limit towards each workload cluster; upstream: 20 QPS, burst 30. */
  clientQps?: number;
  clientBurst?: number;
  /** Per-request timeout of the workload clients (not of watches); upstream: 10 s. */
  clientTimeoutMs?: number;
  userAgent?: string;
  /** How long indexed kinds may take to list when connecting; upstream: 5 minutes. */
  initialSyncTimeoutMs?: number;
  /** Indexes (and so informers) every connection has from the start, e.g. Nodes by `spec.providerID`. */
  indexes?: CacheIndex[];
  /** Clusters connected (and reconnected) at once; upstream `--clustercache-concurrency`: 100. */
  concurrency?: number;
  /** Clock of the health state (tests); timers always use real time. */
  now?: () => number;
}

export interface WorkloadWatch {
  /** Unique per cluster: a second `watch` with the same name is a no-op. */
  name: string;
  type: TypeRef;
  /** Gets the informer's cached object: read it, never mutate it. */
  handler: (obj: KubeObject, event: 'add' | 'update' | 'delete') => void;
}

export type ConnectionListener = (cluster: ClusterKey, connected: boolean) => void;

interface ProbeFailureWatch {
  afterMs: number;
  listener: (cluster: ClusterKey) => void;
  /** When the listener was last called, per cluster. */
  lastSent: Map<string, number>;
}

/**
 * One cached connection per workload cluster, as upstream's ClusterCache: a controller on Cluster connects
 * once the infrastructure is provisioned and `<cluster>-kubeconfig` works, a per-cluster timer probes the
 * endpoint and drops the connection after repeated failures, connection creation is retried, and the
 * connection goes when the Cluster goes. Callers never wait on a cluster: without a connection `getClient`
 * and `watch` throw ClusterNotConnectedError at once.
 */
export class ClusterCache {
  readonly #options: ClusterCacheOptions;
  readonly #accessorConfig: ClusterAccessorConfig;
  readonly #accessors = new Map<string, ClusterAccessor>();
  readonly #listeners = new Set<ConnectionListener>();
  readonly #probeFailureWatches = new Set<ProbeFailureWatch>();
  readonly #stopping = new AbortController();
  #log: Logger;
  #registry?: Registry;
  #metrics?: ClusterCacheMetrics;
  #manager?: Manager;
  #controller?: Controller;

  constructor(options: ClusterCacheOptions) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger();
    this.#registry = options.registry;
    this.#accessorConfig = {
      managementClient: options.managementClient,
      probeIntervalMs: options.probeIntervalMs ?? 10_000,
      probeTimeoutMs: options.probeTimeoutMs ?? 5_000,
      failureThreshold: options.failureThreshold ?? 5,
      connectionRetryMs: options.connectionRetryMs ?? 30_000,
      connectionFirstRetryMs: options.connectionFirstRetryMs ?? 1_000,
      clientQps: options.clientQps ?? 20,
      clientBurst: options.clientBurst ?? 30,
      clientTimeoutMs: options.clientTimeoutMs ?? 10_000,
      userAgent: options.userAgent ?? 'capi-ts/cluster-cache',
      initialSyncTimeoutMs: options.initialSyncTimeoutMs ?? 5 * 60_000,
      indexes: options.indexes ?? [],
      now: options.now ?? Date.now,
      metrics: () => this.#clusterCacheMetrics(),
      restClientMetrics: () => metricsFor(this.#registry ?? defaultRegistry),
    };
  }

  /**
   * Registers with a manager: the `clustercache` controller on Cluster (leader only, as every controller) and
   * a runnable on every replica that disconnects everything when the manager stops.
   */
  setupWithManager(manager: Manager): void {
    if (this.#manager) throw new Error('the ClusterCache is already set up with a manager');
    this.#manager = manager;
    this.#registry ??= manager.registry;
    if (!this.#options.logger) this.#log = manager.logger;
    this.#log = this.#log.child({ controller: 'clustercache' });
    this.#controller = new ControllerBuilder(manager)
      .named('clustercache')
      .for(CLUSTER)
      .withOptions({ maxConcurrentReconciles: this.#options.concurrency ?? 100 })
      .complete({ reconcile: (request, context) => this.#reconcile(request, context) });
    manager.add({
      name: 'clustercache',
      needLeaderElection: false,
      start: async (signal) => {
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await this.stop();
      },
    });
  }

  /**
   * The cluster's client: reads of watched or indexed kinds from its informers, everything else from its API
   * server. Throws ClusterNotConnectedError at once when there is no connection.
   */
  getClient(cluster: ClusterKey): Client & SubresourceWriter {
    return this.#connected(cluster, 'error getting client').client;
  }

  /** A client that always asks the workload API server. */
  getUncachedClient(cluster: ClusterKey): KubeClient {
    return this.#connected(cluster, 'error getting uncached client').api;
  }

  /** The RestConfig of the connection (a copy), e.g. for port-forwarding to etcd. */
  getRestConfig(cluster: ClusterKey): RestConfig {
    return { ...this.#connected(cluster, 'error getting REST config').restConfig };
  }

  /**
   * Starts (once per name) an informer on the workload cluster for `w.type` and calls `w.handler` on add,
   * update and delete. The watch survives reconnects: a new connection lists again (adds for everything
   * there) and carries on. Throws ClusterNotConnectedError when not connected.
   */
  watch(cluster: ClusterKey, w: WorkloadWatch): void {
    if (!w.name) throw new TypeError('a watch needs a name');
    const accessor = this.#accessors.get(clusterKeyString(cluster));
    if (!accessor?.connection) {
      throw new ClusterNotConnectedError(cluster, `error creating watch ${w.name} for ${w.type.kind}`);
    }
    accessor.watch({ name: w.name, type: w.type, handler: w.handler });
  }

  /** Forgets a watch; its informer stops unless another watch or an index needs the kind. */
  stopWatch(cluster: ClusterKey, name: string): void {
    this.#accessors.get(clusterKeyString(cluster))?.stopWatch(name);
  }

  healthState(cluster: ClusterKey): HealthState {
    return (
      this.#accessors.get(clusterKeyString(cluster))?.healthState() ?? {
        connected: false,
        consecutiveFailures: 0,
      }
    );
  }

  /** Called after every connect and disconnect; returns the function that unregisters the listener. */
  onConnectionChange(listener: ConnectionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Calls `listener` once a cluster's health probe has not succeeded for `afterMs` (upstream's
   * `WatchForProbeFailure` option of `GetClusterSource`): the Cluster controller registers its
   * remote-connection grace period so RemoteConnectionProbe turns False on time, Machine and MHC controllers
   * their remote-conditions grace period. Called once per outage (again only after a later success), and once
   * for a cluster that never answered. Checked whenever a probe or connection attempt ends, so it comes at
   * most a probe interval (connected) or a connection retry interval (disconnected) late.
   */
  onProbeFailure(afterMs: number, listener: (cluster: ClusterKey) => void): () => void {
    const watch: ProbeFailureWatch = { afterMs, listener, lastSent: new Map() };
    this.#probeFailureWatches.add(watch);
    return () => this.#probeFailureWatches.delete(watch);
  }

  /** Disconnects every cluster and stops connecting; the manager calls it on shutdown. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    const accessors = [...this.#accessors.values()];
    this.#accessors.clear();
    await Promise.all(accessors.map((a) => a.close()));
  }

  #connected(cluster: ClusterKey, action: string) {
    const connection = this.#accessors.get(clusterKeyString(cluster))?.connection;
    if (!connection) throw new ClusterNotConnectedError(cluster, action);
    return connection;
  }

  #clusterCacheMetrics(): ClusterCacheMetrics {
    this.#metrics ??= clusterCacheMetricsFor(this.#registry ?? defaultRegistry);
    return this.#metrics;
  }

  #accessorFor(cluster: ClusterKey): ClusterAccessor {
    const key = clusterKeyString(cluster);
    let accessor = this.#accessors.get(key);
    if (!accessor) {
      accessor = new ClusterAccessor(
        cluster,
        this.#accessorConfig,
        {
          connectionChanged: (c, connected) => this.#notify(c, connected),
          reconnectAfter: (c, delayMs) => {
            const queue = this.#controller?.queue;
            if (!queue) return;
            if (delayMs > 0) queue.addAfter(clusterKeyString(c), delayMs);
            else queue.add(clusterKeyString(c));
          },
          probed: (a) => this.#checkProbeFailures(a),
        },
        this.#log,
      );
      this.#accessors.set(key, accessor);
    }
    return accessor;
  }

  /** Upstream's `shouldSendEvent`: due once the last success (or the epoch, for never) is `afterMs` old. */
  #checkProbeFailures(accessor: ClusterAccessor): void {
    if (this.#probeFailureWatches.size === 0) return;
    const key = clusterKeyString(accessor.cluster);
    const now = this.#accessorConfig.now();
    const lastSuccess = accessor.healthState().lastProbeSuccessTime ?? 0;
    for (const watch of this.#probeFailureWatches) {
      const due = lastSuccess + watch.afterMs;
      if ((watch.lastSent.get(key) ?? Number.NEGATIVE_INFINITY) >= due || due >= now) continue;
      watch.lastSent.set(key, now);
      try {
        watch.listener({ ...accessor.cluster });
      } catch (err) {
        this.#log.error({ err: errorText(err) }, 'probe failure listener threw');
      }
    }
  }

  #notify(cluster: ClusterKey, connected: boolean): void {
    for (const listener of this.#listeners) {
      try {
        listener({ ...cluster }, connected);
      } catch (err) {
        this.#log.error({ err: errorText(err) }, 'connection listener threw');
      }
    }
  }

  /**
   * Upstream's ClusterCache Reconcile, minus the probe (a timer per connection runs it): disconnect and forget
   * a deleted Cluster; wait for its infrastructure; connect unless a connection attempt failed less than
   * `connectionRetryMs` ago.
   */
  async #reconcile(request: Request, context: ReconcileContext): Promise<Result> {
    if (this.#stopping.signal.aborted || !this.#manager) return {};
    const cluster: ClusterKey = { namespace: request.namespace ?? '', name: request.name };
    const key = clusterKeyString(cluster);
    let object: ClusterObject;
    try {
      object = await this.#manager.client.get<ClusterObject>(CLUSTER, cluster);
    } catch (err) {
      if (!isNotFound(err)) {
        context.log.error({ err: errorText(err) }, 'error getting the Cluster; requeuing');
        return { requeueAfterMs: READ_ERROR_REQUEUE_MS };
      }
      for (const watch of this.#probeFailureWatches) watch.lastSent.delete(key);
      const accessor = this.#accessors.get(key);
      if (accessor) {
        this.#accessors.delete(key);
        accessor.disconnect('the Cluster was deleted');
        await accessor.close();
        this.#clusterCacheMetrics().forget(cluster);
      }
      return {};
    }
    // Stopped while the read was out: an accessor created now would outlive the shutdown.
    if (this.#stopping.signal.aborted) return {};
    // Connecting before the infrastructure exists cannot succeed; the status change brings the Cluster back.
    if (object.status?.initialization?.infrastructureProvisioned !== true) return {};
    const accessor = this.#accessorFor(cluster);
    if (accessor.connection) return {};
    const { connectionRetryMs, connectionFirstRetryMs } = this.#accessorConfig;
    const failures = Math.max(1, accessor.healthState().consecutiveFailures);
    const retryMs = Math.min(connectionRetryMs, connectionFirstRetryMs * 2 ** Math.min(failures - 1, 30));
    const lastError = accessor.lastConnectionCreationErrorTime;
    if (lastError !== undefined) {
      const wait = lastError + retryMs - this.#accessorConfig.now();
      if (wait > 0) return { requeueAfterMs: wait };
    }
    try {
      await accessor.connect(AbortSignal.any([context.signal, this.#stopping.signal]));
      return {};
    } catch (err) {
      context.log.info({ err: errorText(err), retryInMs: retryMs }, 'connection creation failed');
      return { requeueAfterMs: retryMs };
    }
  }
}
