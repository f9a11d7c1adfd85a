import type { Logger } from 'pino';
import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import { InformerCache } from '../../controller-runtime/cache/informer-cache.js';
import type { IndexFunc } from '../../controller-runtime/cache/indexed-store.js';
import type { Informer } from '../../controller-runtime/cache/informer.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { KubeClient } from '../../controller-runtime/client/kube-client.js';
import type { RestConfig } from '../../controller-runtime/client/rest-config.js';
import { Transport } from '../../controller-runtime/client/transport.js';
import type { ControllerRuntimeMetrics } from '../../controller-runtime/metrics/metrics.js';
import type { ClusterKey } from './cluster-key.js';
import { WorkloadClient } from './workload-client.js';

/**
 * What the probe asks for. Upstream probes `GET /`; our API server does not serve `/` (a real
 * kube-apiserver lists its paths there), so the probe asks for `/api`, which every kube-apiserver serves
 * to any authenticated user (system:discovery) and which is as cheap.
 */
export const PROBE_PATH = '/api';

/** Upstream gives informer lists 11 minutes (no timeout on lists, watches end after 5-10 minutes). */
const INFORMER_REQUEST_TIMEOUT_MS = 11 * 60_000;

const NODE: TypeRef = { apiVersion: 'v1', kind: 'Node' };

/** An index the per-cluster cache keeps from the moment it connects (upstream's `CacheOptionsIndex`). */
export interface CacheIndex<T extends KubeObject = KubeObject> {
  type: TypeRef;
  /** The index name; `list(type, { fieldSelector: '<name>=<value>' })` on `getClient` uses it. */
  name: string;
  extract: IndexFunc<T>;
}

/** A registered watch: the accessor keeps these across reconnects and re-attaches them. */
export interface WatchSpec {
  name: string;
  type: TypeRef;
  handler: (obj: KubeObject, event: 'add' | 'update' | 'delete') => void;
}

/** Why a connection could not be created; `cause` holds the underlying error. */
export class ConnectionCreationError extends Error {
  override readonly name = 'ConnectionCreationError';
}

/**
 * One `GET /api` against the endpoint over a connection of its own, given up after `timeoutMs`. A fresh
 * connection per probe asks what matters (does the endpoint accept and answer a new connection?) and is not
 * fooled by a keep-alive socket that outlived the load balancer's backends.
 */
export async function probeEndpoint(
  config: RestConfig,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const transport = new Transport({ ...config, timeoutMs });
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    await transport.requestJson({
      method: 'GET',
      path: PROBE_PATH,
      verb: 'get',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    if (timeout.aborted && !signal?.aborted) {
      throw new Error(`GET ${PROBE_PATH}: no answer within ${timeoutMs} ms`, { cause: err });
    }
    throw err;
  } finally {
    transport.close();
  }
}

interface KindCache {
  cache: InformerCache;
  informer: Informer;
  stop: AbortController;
  /** Names of the watches using this informer. */
  watches: Set<string>;
  /** Indexed kinds stay cached for the connection's lifetime, whatever the watches do. */
  pinned: boolean;
}

export interface ClusterConnectionOptions {
  cluster: ClusterKey;
  restConfig: RestConfig;
  probeTimeoutMs: number;
  /** How long the indexed kinds may take to list once before the connection counts as failed. */
  initialSyncTimeoutMs: number;
  indexes: readonly CacheIndex[];
  metrics?: ControllerRuntimeMetrics;
  logger: Logger;
  signal: AbortSignal;
}

const typeKey = (type: TypeRef): string => `${type.kind}.${type.apiVersion}`;

/**
 * Everything one connection to a workload cluster holds: its RestConfig, an API client (QPS/burst and a
 * per-request timeout from the RestConfig), informers (one InformerCache per kind, so a single kind can be
 * stopped) and the client handed to reconcilers. `close` stops the informers and drops every socket; clients
 * handed out before then fail with ClusterNotConnectedError from that moment.
 */
export class ClusterConnection {
  readonly cluster: ClusterKey;
  readonly restConfig: RestConfig;
  /** Live reads and all writes. */
  readonly api: KubeClient;
  readonly client: WorkloadClient;
  readonly #informerClient: KubeClient;
  readonly #kinds = new Map<string, KindCache>();
  readonly #watches = new Map<string, { spec: WatchSpec; remove(): void }>();
  readonly #log: Logger;
  #closed = false;

  private constructor(options: ClusterConnectionOptions) {
    this.cluster = options.cluster;
    this.restConfig = options.restConfig;
    this.#log = options.logger;
    this.api = new KubeClient(options.restConfig, { metrics: options.metrics });
    this.#informerClient = new KubeClient(
      { ...options.restConfig, timeoutMs: INFORMER_REQUEST_TIMEOUT_MS },
      { metrics: options.metrics },
    );
    this.client = new WorkloadClient(this);
  }

  /**
   * Upstream's `createConnection`: the endpoint must answer the probe ("cluster is not reachable"), discovery
   * must map Nodes, and the indexed kinds must list once. Anything that fails closes what was opened.
   */
  static async create(options: ClusterConnectionOptions): Promise<ClusterConnection> {
    try {
      await probeEndpoint(options.restConfig, options.probeTimeoutMs, options.signal);
    } catch (err) {
      throw new ConnectionCreationError(`cluster is not reachable: ${errorText(err)}`, { cause: err });
    }
    const connection = new ClusterConnection(options);
    try {
      try {
        await connection.api.mappingFor(NODE);
      } catch (err) {
        throw new ConnectionCreationError(`error getting REST mapping: ${errorText(err)}`, { cause: err });
      }
      for (const index of options.indexes) {
        connection.#kindCache(index.type, true).informer.addIndexers({ [index.name]: index.extract });
      }
      await connection.#waitForPinned(options.initialSyncTimeoutMs, options.signal);
    } catch (err) {
      connection.close();
      throw err;
    }
    return connection;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The cache for `type` when an informer for it has listed; reads of anything else go to the API. */
  cachedReader(type: TypeRef): Reader | undefined {
    const kind = this.#kinds.get(typeKey(type));
    return kind?.informer.hasSynced() ? kind.cache : undefined;
  }

  hasWatch(name: string): boolean {
    return this.#watches.has(name);
  }

  /** Feeds `spec.handler` from the kind's informer (started on first use, shared by watches of one kind). */
  addWatch(spec: WatchSpec): void {
    if (this.#closed || this.#watches.has(spec.name)) return;
    const kind = this.#kindCache(spec.type, false);
    kind.watches.add(spec.name);
    const handle = kind.informer.addEventHandler({
      onAdd: (obj) => spec.handler(obj, 'add'),
      onUpdate: (_old, obj) => spec.handler(obj, 'update'),
      onDelete: (obj) => spec.handler(obj, 'delete'),
    });
    this.#watches.set(spec.name, { spec, remove: () => handle.remove() });
    this.#log.info({ watch: spec.name, watchKind: spec.type.kind }, 'watch started');
  }

  /** Detaches a watch; the informer stops when no watch needs it and no index pins it. */
  removeWatch(name: string): void {
    const watch = this.#watches.get(name);
    if (!watch) return;
    watch.remove();
    this.#watches.delete(name);
    const key = typeKey(watch.spec.type);
    const kind = this.#kinds.get(key);
    if (!kind) return;
    kind.watches.delete(name);
    if (kind.watches.size === 0 && !kind.pinned) {
      kind.stop.abort();
      this.#kinds.delete(key);
    }
    this.#log.info({ watch: name, watchKind: watch.spec.type.kind }, 'watch stopped');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const watch of this.#watches.values()) watch.remove();
    this.#watches.clear();
    for (const kind of this.#kinds.values()) kind.stop.abort();
    this.#kinds.clear();
    this.api.close();
    this.#informerClient.close();
  }

  #kindCache(type: TypeRef, pinned: boolean): KindCache {
    const key = typeKey(type);
    let kind = this.#kinds.get(key);
    if (!kind) {
      const cache = new InformerCache({ client: this.#informerClient, logger: this.#log });
      const informer = cache.getInformer(type);
      const stop = new AbortController();
      cache.start(stop.signal);
      kind = { cache, informer, stop, watches: new Set(), pinned };
      this.#kinds.set(key, kind);
    }
    kind.pinned ||= pinned;
    return kind;
  }

  async #waitForPinned(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const pinned = [...this.#kinds.values()].filter((k) => k.pinned);
    if (pinned.length === 0) return;
    const timeout = AbortSignal.timeout(timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    const synced = await Promise.all(pinned.map((k) => k.informer.waitForSync(both)));
    if (synced.every(Boolean)) return;
    const kinds = pinned.filter((k) => !k.informer.hasSynced()).map((k) => k.informer.type.kind);
    throw new ConnectionCreationError(
      `error when waiting for the cache to sync (${kinds.join(', ')}): ${
        timeout.aborted ? `not synced within ${timeoutMs} ms` : 'stopped'
      }`,
    );
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
