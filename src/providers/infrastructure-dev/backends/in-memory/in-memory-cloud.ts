import type { Registry } from 'prom-client';
import type { ApiServerInstance } from '../../../../apiserver/embedded/api-server-instance.js';
import { InMemoryMetrics } from './in-memory-metrics.js';
import { ListenerPorts, type ListenerPortsOptions } from './listener-ports.js';
import { WorkloadCluster } from './workload-cluster.js';

export interface InMemoryCloudOptions extends ListenerPortsOptions {
  /** Where the backend's metrics go (the manager's registry). */
  registry: Registry;
  /** What runs inside each workload cluster besides its API server. */
  startSimulation?: (instance: ApiServerInstance) => { stop(): Promise<void> };
}

/**
 * The fake cloud of the in-memory backend: every simulated workload cluster of this process, keyed by
 * `namespace/name` of its Cluster, with the listener ports they hold. Shared by the DevCluster and DevMachine
 * reconcilers (and nothing else), like upstream's resource groups and API server multiplexer.
 */
export class InMemoryCloud {
  readonly ports: ListenerPorts;
  readonly metrics: InMemoryMetrics;
  readonly #o: InMemoryCloudOptions;
  readonly #clusters = new Map<string, WorkloadCluster>();
  readonly #opening = new Map<string, Promise<WorkloadCluster>>();
  /** Clusters deleted in this process: a machine's restore must not bring them back; only their DevCluster may. */
  readonly #deleted = new Set<string>();

  constructor(options: InMemoryCloudOptions) {
    this.#o = options;
    this.ports = new ListenerPorts(options);
    this.metrics = new InMemoryMetrics(options.registry, () => this.#clusters.size);
  }

  /** How many workload clusters exist. */
  get size(): number {
    return this.#clusters.size;
  }

  get(key: string): WorkloadCluster | undefined {
    return this.#clusters.get(key);
  }

  /**
   * The workload cluster of `key`, its endpoint bound on first call: on `preferredPort` when the DevCluster
   * already advertises one (after a restart of this process), else on a free port of the range.
   */
  async ensure(key: string, preferredPort?: number): Promise<WorkloadCluster> {
    this.#deleted.delete(key);
    return this.#ensure(key, preferredPort);
  }

  /**
   * The workload cluster as after a restart of this process: bound again on its advertised port, unless it was
   * deleted by this process (a reconcile working from a copy of its DevCluster read before the deletion must
   * not resurrect it). Undefined in that case.
   */
  async restore(key: string, advertisedPort: number): Promise<WorkloadCluster | undefined> {
    if (this.#deleted.has(key)) return undefined;
    return this.#ensure(key, advertisedPort);
  }

  async #ensure(key: string, preferredPort?: number): Promise<WorkloadCluster> {
    const existing = this.#clusters.get(key);
    if (existing) return existing;
    let opening = this.#opening.get(key);
    if (!opening) {
      opening = this.#open(key, preferredPort).finally(() => this.#opening.delete(key));
      this.#opening.set(key, opening);
    }
    return opening;
  }

  async #open(key: string, preferredPort: number | undefined): Promise<WorkloadCluster> {
    const holder: { cluster?: WorkloadCluster } = {};
    const listener = await this.ports.open((socket) => {
      if (holder.cluster) holder.cluster.accept(socket);
      else socket.destroy();
    }, preferredPort);
    const metrics = this.metrics;
    const cluster = new WorkloadCluster({
      key,
      listener,
      onRequest: (entry) => {
        metrics.apiServerRequests.inc({ method: entry.method, code: String(entry.code) });
        metrics.apiServerRequestDuration.observe({ method: entry.method }, entry.ms / 1000);
      },
      ...(this.#o.startSimulation ? { startSimulation: this.#o.startSimulation } : {}),
    });
    holder.cluster = cluster;
    this.#clusters.set(key, cluster);
    return cluster;
  }

  /** Stops the cluster's API server and simulation, frees its port and forgets it. */
  async delete(key: string): Promise<void> {
    this.#deleted.add(key);
    await this.#opening.get(key)?.catch(() => undefined);
    const cluster = this.#clusters.get(key);
    if (!cluster) return;
    this.#clusters.delete(key);
    await cluster.stop();
  }

  /** Stops every workload cluster (process shutdown). */
  async stop(): Promise<void> {
    await Promise.all([...this.#clusters.keys()].map((k) => this.delete(k)));
  }
}
