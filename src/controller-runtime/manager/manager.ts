import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TypeRef } from '../api/object.js';
import { InformerCache, type InformerCacheOptions } from '../cache/informer-cache.js';
import { DelegatingClient } from '../client/delegating-client.js';
import { KubeClient } from '../client/kube-client.js';
import { loadRestConfig, type RestConfig } from '../client/rest-config.js';
import { EventRecorder } from '../events/event-recorder.js';
import { defaultLogger } from '../log/logger.js';
import { type ControllerRuntimeMetrics, defaultRegistry, metricsFor } from '../metrics/metrics.js';
import { LeaderElectionLostError, type LeaderElectionOptions, LeaderElector } from './leader-election.js';
import { type Checker, ProbeServer } from './probe-server.js';

/** Anything the manager runs: a controller, a webhook server, a periodic job. */
export interface Runnable {
  name: string;
  /** Runs until `signal` aborts; a rejection stops the whole manager. */
  start(signal: AbortSignal): Promise<void>;
  /** Only on the elected leader (controllers); false for things every replica serves. Default true. */
  needLeaderElection?: boolean;
}

export interface BindAddress {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface ManagerOptions {
  /** How to reach the API server; default `loadRestConfig({ kubeconfigPath })`. */
  restConfig?: RestConfig;
  kubeconfigPath?: string;
  /** Serve `/metrics` here (controller-runtime's default is :8080); false to disable. Default disabled. */
  metricsBindAddress?: BindAddress | false;
  /** Serve `/healthz` and `/readyz` here; false to disable. Default disabled. */
  healthProbeBindAddress?: BindAddress | false;
  leaderElection?: LeaderElectionOptions | false;
  /** How long in-flight reconciles may run after shutdown begins. Upstream default 30 s. */
  gracefulShutdownTimeoutMs?: number;
  cache?: Omit<InformerCacheOptions, 'client' | 'logger'>;
  /** Kinds the manager's client reads from the API server instead of the cache. */
  uncached?: TypeRef[];
  /** Default `fieldManager` of the manager's writes. */
  fieldManager?: string;
  registry?: Registry;
  logger?: Logger;
}

/**
 * Runs controllers the way controller-runtime's manager does: one shared cache, a client that reads from it,
 * metrics and probe endpoints, optional leader election (controllers run only on the leader; losing the
 * lease stops them and fails `start`), and a graceful shutdown that stops taking work, lets in-flight
 * reconciles finish within a timeout, then stops the informers.
 */
export class Manager {
  readonly apiClient: KubeClient;
  readonly cache: InformerCache;
  readonly client: DelegatingClient;
  readonly logger: Logger;
  readonly metrics: ControllerRuntimeMetrics;
  readonly registry: Registry;
  readonly gracefulShutdownTimeoutMs: number;
  readonly #options: ManagerOptions;
  readonly #runnables: Runnable[] = [];
  readonly #healthz = new Map<string, Checker>([['ping', () => undefined]]);
  readonly #readyz = new Map<string, Checker>();
  readonly #recorders: EventRecorder[] = [];
  readonly #elector?: LeaderElector;
  #metricsServer?: ProbeServer;
  #probeServer?: ProbeServer;
  #started = false;
  #elected = false;
  readonly #electedWaiters: (() => void)[] = [];

  constructor(options: ManagerOptions = {}) {
    this.#options = options;
    this.logger = options.logger ?? defaultLogger();
    this.registry = options.registry ?? defaultRegistry;
    this.metrics = metricsFor(this.registry);
    this.gracefulShutdownTimeoutMs = options.gracefulShutdownTimeoutMs ?? 30_000;
    const config = options.restConfig ?? loadRestConfig({ kubeconfigPath: options.kubeconfigPath });
    this.apiClient = new KubeClient(config, { metrics: this.metrics, fieldManager: options.fieldManager });
    this.cache = new InformerCache({ ...options.cache, client: this.apiClient, logger: this.logger });
    this.client = new DelegatingClient({
      cache: this.cache,
      api: this.apiClient,
      uncached: options.uncached,
    });
    if (options.leaderElection) {
      this.#elector = new LeaderElector(this.apiClient, options.leaderElection, this.logger, this.metrics);
    }
    this.#readyz.set('informers', () => {
      if (!this.#started || !this.cache.hasSynced()) throw new Error('caches not synced yet');
    });
  }

  /** The identity used for leader election (if enabled). */
  get identity(): string | undefined {
    return this.#elector?.identity;
  }

  get isLeader(): boolean {
    return this.#elector ? this.#elector.isLeader : this.#elected;
  }

  get metricsUrl(): string | undefined {
    return this.#metricsServer?.url;
  }

  get probeUrl(): string | undefined {
    return this.#probeServer?.url;
  }

  add(runnable: Runnable): void {
    if (this.#started) throw new Error(`cannot add ${runnable.name}: the manager is already started`);
    this.#runnables.push(runnable);
  }

  addHealthzCheck(name: string, check: Checker): void {
    this.#healthz.set(name, check);
  }

  addReadyzCheck(name: string, check: Checker): void {
    this.#readyz.set(name, check);
  }

  /** An event recorder writing core/v1 Events as `component`; flushed when the manager stops. */
  getEventRecorderFor(component: string): EventRecorder {
    const recorder = new EventRecorder({
      client: this.apiClient,
      component,
      instance: this.#elector?.identity,
      logger: this.logger,
    });
    this.#recorders.push(recorder);
    return recorder;
  }

  /** Resolves once this manager runs its leader-only runnables (at once without leader election). */
  async elected(): Promise<void> {
    if (this.#elected) return;
    await new Promise<void>((resolve) => this.#electedWaiters.push(resolve));
  }

  /**
   * Runs everything until `signal` aborts, then shuts down gracefully. Rejects with
   * `LeaderElectionLostError` if the lease is lost, or with the error of a runnable that failed.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new Error('the manager can be started only once');
    this.#started = true;
    const log = this.logger;
    const cacheStop = new AbortController();
    const leaderStop = new AbortController();
    const failures: unknown[] = [];
    const fail = (err: unknown): void => {
      failures.push(err);
      leaderStop.abort();
      stopAll.abort();
    };
    const stopAll = new AbortController();
    // Every controller and runnable listens on these; dozens of listeners are expected, not a leak.
    setMaxListeners(0, cacheStop.signal, leaderStop.signal, stopAll.signal);
    const onSignal = (): void => stopAll.abort();
    if (signal.aborted) stopAll.abort();
    else signal.addEventListener('abort', onSignal, { once: true });

    const running: Promise<void>[] = [];
    try {
      if (this.#options.metricsBindAddress) {
        this.#metricsServer = await ProbeServer.start({
          ...this.#options.metricsBindAddress,
          registry: this.registry,
        });
        log.info({ url: this.#metricsServer.url }, 'serving metrics');
      }
      if (this.#options.healthProbeBindAddress) {
        this.#probeServer = await ProbeServer.start({
          ...this.#options.healthProbeBindAddress,
          healthz: this.#healthz,
          readyz: this.#readyz,
        });
        log.info({ url: this.#probeServer.url }, 'serving health probes');
      }
      this.cache.start(cacheStop.signal);

      const launch = (runnable: Runnable, runSignal: AbortSignal): void => {
        running.push(
          runnable.start(runSignal).catch((err: unknown) => {
            log.error(
              { runnable: runnable.name, err: (err as Error).message },
              'runnable failed; stopping the manager',
            );
            fail(err);
          }),
        );
      };
      for (const r of this.#runnables) if (r.needLeaderElection === false) launch(r, stopAll.signal);

      let holding: Promise<void> | undefined;
      if (this.#elector) {
        const won = await this.#elector.acquire(stopAll.signal);
        if (won) {
          holding = this.#elector.holdUntil(stopAll.signal).catch((err: unknown) => {
            fail(err);
          });
        }
      }
      if (!stopAll.signal.aborted) {
        const linked = AbortSignal.any([stopAll.signal, leaderStop.signal]);
        // One listener per leader-elected runnable: a dozen controllers is expected, not a leak.
        setMaxListeners(0, linked);
        this.#markElected();
        for (const r of this.#runnables) if (r.needLeaderElection !== false) launch(r, linked);
      }

      await new Promise<void>((resolve) => {
        if (stopAll.signal.aborted) resolve();
        else stopAll.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      log.info('stopping the manager: waiting for runnables to finish');
      leaderStop.abort();
      await Promise.all(running);
      await holding;
    } finally {
      signal.removeEventListener('abort', onSignal);
      stopAll.abort();
      cacheStop.abort();
      await this.cache.stopped();
      await Promise.all(this.#recorders.map((r) => r.close()));
      await this.#metricsServer?.close();
      await this.#probeServer?.close();
      this.apiClient.close();
      log.info('manager stopped');
    }
    const lost = failures.find((f) => f instanceof LeaderElectionLostError);
    if (lost) throw lost;
    if (failures.length > 0) throw failures[0];
  }

  #markElected(): void {
    this.#elected = true;
    for (const wake of this.#electedWaiters.splice(0)) wake();
  }
}

/**
 * An AbortSignal that fires on the first SIGTERM or SIGINT (graceful shutdown); a second signal exits at
 * once with status 1, as controller-runtime's signal handler does.
 */
export function setupSignalHandler(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(1);
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller.signal;
}
