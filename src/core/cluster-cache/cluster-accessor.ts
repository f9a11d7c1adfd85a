import type { Logger } from 'pino';
import type { Reader } from '../../controller-runtime/client/client.js';
import { UnauthorizedError } from '../../controller-runtime/client/errors.js';
import type { ControllerRuntimeMetrics } from '../../controller-runtime/metrics/metrics.js';
import type { ClusterCacheMetrics } from './cluster-cache-metrics.js';
import {
  type CacheIndex,
  ClusterConnection,
  ConnectionCreationError,
  errorText,
  probeEndpoint,
  type WatchSpec,
} from './cluster-connection.js';
import type { ClusterKey } from './cluster-key.js';
import { restConfigFromKubeconfigSecret } from './kubeconfig-secret.js';

/** What `ClusterCache.healthState` reports; times are milliseconds since the epoch (the cache's clock). */
export interface HealthState {
  connected: boolean;
  lastProbeTime?: number;
  lastProbeSuccessTime?: number;
  consecutiveFailures: number;
}

/** Settings every accessor shares (the ClusterCache's options with defaults applied). */
export interface ClusterAccessorConfig {
  managementClient: Reader;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  failureThreshold: number;
  connectionRetryMs: number;
  connectionFirstRetryMs: number;
  clientQps: number;
  clientBurst: number;
  clientTimeoutMs: number;
  userAgent: string;
  initialSyncTimeoutMs: number;
  indexes: readonly CacheIndex[];
  now: () => number;
  metrics: () => ClusterCacheMetrics;
  restClientMetrics: () => ControllerRuntimeMetrics | undefined;
}

/** How an accessor reports back to its ClusterCache. */
export interface ClusterAccessorEvents {
  connectionChanged(cluster: ClusterKey, connected: boolean): void;
  /** The health probe dropped the connection: try to create it again after `delayMs`. */
  reconnectAfter(cluster: ClusterKey, delayMs: number): void;
  /** A probe or a connection attempt just ended (either way). */
  probed(accessor: ClusterAccessor): void;
}

/**
 * One workload cluster's connection and health (upstream's `clusterAccessor`). Connecting is only done by the
 * ClusterCache controller, one reconcile per Cluster at a time; everything else reads the current state and
 * returns at once. While connected a timer probes the endpoint every `probeIntervalMs`; `failureThreshold`
 * failures in a row (or one 401) drop the connection. Health state outlives a connection, so the
 * RemoteConnectionProbe condition can say when the cluster last answered.
 */
export class ClusterAccessor {
  readonly cluster: ClusterKey;
  readonly #config: ClusterAccessorConfig;
  readonly #events: ClusterAccessorEvents;
  readonly #log: Logger;
  /** Aborts in-flight connects and probes when the accessor is closed. */
  readonly #closing = new AbortController();
  readonly #health: Omit<HealthState, 'connected'> = { consecutiveFailures: 0 };
  /** Registered watches, re-attached to every new connection. */
  readonly #watches = new Map<string, WatchSpec>();
  #connection?: ClusterConnection;
  #lastConnectionCreationErrorTime?: number;
  #probeTimer?: NodeJS.Timeout;
  #probing?: Promise<void>;

  constructor(
    cluster: ClusterKey,
    config: ClusterAccessorConfig,
    events: ClusterAccessorEvents,
    logger: Logger,
  ) {
    this.cluster = cluster;
    this.#config = config;
    this.#events = events;
    this.#log = logger.child({ kind: 'Cluster', namespace: cluster.namespace, name: cluster.name });
  }

  get connection(): ClusterConnection | undefined {
    return this.#connection;
  }

  get lastConnectionCreationErrorTime(): number | undefined {
    return this.#lastConnectionCreationErrorTime;
  }

  healthState(): HealthState {
    return { connected: this.#connection !== undefined, ...this.#health };
  }

  /**
   * Creates the connection: kubeconfig Secret -> RestConfig (QPS/burst/timeout of the cache's options), probe,
   * discovery, indexed informers. A failure counts as a failed probe, as upstream counts it. Never called
   * concurrently for one cluster (the controller reconciles one key at a time).
   */
  async connect(signal: AbortSignal): Promise<void> {
    if (this.#connection || this.#closing.signal.aborted) return;
    const config = this.#config;
    const both = AbortSignal.any([signal, this.#closing.signal]);
    const started = performance.now();
    let connection: ClusterConnection;
    try {
      let restConfig;
      try {
        restConfig = await restConfigFromKubeconfigSecret(config.managementClient, this.cluster, both);
      } catch (err) {
        throw new ConnectionCreationError(`error creating REST config: ${errorText(err)}`, { cause: err });
      }
      connection = await ClusterConnection.create({
        cluster: this.cluster,
        restConfig: {
          ...restConfig,
          qps: config.clientQps,
          burst: config.clientBurst,
          timeoutMs: config.clientTimeoutMs,
          userAgent: config.userAgent,
        },
        probeTimeoutMs: config.probeTimeoutMs,
        initialSyncTimeoutMs: config.initialSyncTimeoutMs,
        indexes: config.indexes,
        metrics: config.restClientMetrics(),
        logger: this.#log,
        signal: both,
      });
    } catch (err) {
      // Closed meanwhile (Cluster deleted, shutdown): nothing to record about a cluster that is forgotten.
      if (this.#closing.signal.aborted) throw err;
      const now = config.now();
      this.#lastConnectionCreationErrorTime = now;
      this.#health.lastProbeTime = now;
      this.#health.consecutiveFailures++;
      config.metrics().setConnectionUp(this.cluster, false);
      this.#events.probed(this);
      throw err;
    }
    if (this.#closing.signal.aborted) {
      connection.close();
      return;
    }
    const now = config.now();
    this.#health.lastProbeTime = now;
    this.#health.lastProbeSuccessTime = now;
    this.#health.consecutiveFailures = 0;
    this.#connection = connection;
    config.metrics().setConnectionUp(this.cluster, true);
    for (const spec of this.#watches.values()) connection.addWatch(spec);
    this.#log.info({ durationMs: Math.round(performance.now() - started) }, 'connected');
    this.#scheduleProbe(connection);
    this.#events.connectionChanged(this.cluster, true);
  }

  /** Stops the informers and drops the sockets; `getClient` throws from now on. */
  disconnect(reason: string, options: { notify?: boolean } = {}): void {
    const connection = this.#connection;
    if (!connection) return;
    this.#connection = undefined;
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    connection.close();
    this.#config.metrics().setConnectionUp(this.cluster, false);
    this.#log.info({ reason }, 'disconnected');
    if (options.notify ?? true) this.#events.connectionChanged(this.cluster, false);
  }

  /** Registers a watch (once per name) on the current connection and every later one. Caller checked `connection`. */
  watch(spec: WatchSpec): void {
    if (this.#watches.has(spec.name)) return;
    this.#watches.set(spec.name, spec);
    this.#connection?.addWatch(spec);
  }

  stopWatch(name: string): void {
    this.#watches.delete(name);
    this.#connection?.removeWatch(name);
  }

  /** For good: disconnects without telling listeners, aborts a connect or probe in flight and waits for it. */
  async close(): Promise<void> {
    this.#closing.abort();
    this.disconnect('shutting down', { notify: false });
    this.#watches.clear();
    await this.#probing;
  }

  #scheduleProbe(connection: ClusterConnection): void {
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      this.#probing = this.#probe(connection).finally(() => {
        this.#probing = undefined;
      });
    }, this.#config.probeIntervalMs);
    // Probes must not keep a process alive that has nothing else to do.
    this.#probeTimer.unref();
  }

  async #probe(connection: ClusterConnection): Promise<void> {
    const config = this.#config;
    let error: unknown;
    try {
      await probeEndpoint(connection.restConfig, config.probeTimeoutMs, this.#closing.signal);
    } catch (err) {
      error = err ?? new Error('probe failed');
    }
    // Disconnected (or closed) while the probe was out: its answer is about a connection that is gone.
    if (this.#connection !== connection) return;
    const health = this.#health;
    health.lastProbeTime = config.now();
    config.metrics().probed(this.cluster, error === undefined);
    if (error === undefined) {
      health.consecutiveFailures = 0;
      health.lastProbeSuccessTime = health.lastProbeTime;
      this.#scheduleProbe(connection);
      this.#events.probed(this);
      return;
    }
    health.consecutiveFailures++;
    this.#events.probed(this);
    // A 401 usually means the kubeconfig was rotated: reconnect at once with the new one, as upstream does.
    const unauthorized = error instanceof UnauthorizedError;
    this.#log.debug(
      { err: errorText(error), failures: health.consecutiveFailures, threshold: config.failureThreshold },
      'health probe failed',
    );
    if (unauthorized || health.consecutiveFailures >= config.failureThreshold) {
      this.disconnect(
        unauthorized
          ? 'health probe got 401 Unauthorized'
          : `${health.consecutiveFailures} consecutive health probes failed`,
      );
      this.#events.reconnectAfter(this.cluster, unauthorized ? 0 : config.connectionRetryMs);
      return;
    }
    this.#scheduleProbe(connection);
  }
}
