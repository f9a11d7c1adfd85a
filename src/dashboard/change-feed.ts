import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { KubeObject, TypeRef } from '../controller-runtime/api/object.js';
import type { Reader, Watcher } from '../controller-runtime/client/client.js';
import { apiErrorFromStatus, isGone, isNoKindMatch } from '../controller-runtime/client/errors.js';
import { silentLogger } from '../controller-runtime/log/logger.js';

/** Something the dashboard shows changed: pages re-fetch their content. */
export interface Change {
  kind: string;
  namespace?: string;
  name?: string;
}

export type ChangeListener = (change: Change) => void;

/**
 * The kinds whose changes a dashboard page can show. Read as plain objects by `{ apiVersion, kind }`: the
 * KubeadmControlPlane is named here, not imported from its provider.
 */
export const DASHBOARD_WATCHED_KINDS: readonly TypeRef[] = [
  { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' },
  { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine' },
  { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet' },
  { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment' },
  { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineHealthCheck' },
  { apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2', kind: 'KubeadmControlPlane' },
  { apiVersion: 'addons.cluster.x-k8s.io/v1beta2', kind: 'ClusterResourceSet' },
  { apiVersion: 'addons.cluster.x-k8s.io/v1beta2', kind: 'ClusterResourceSetBinding' },
  { apiVersion: 'v1', kind: 'Event' },
];

export interface ChangeFeedOptions {
  client: Reader & Watcher;
  kinds?: readonly TypeRef[];
  /** How long watches stay open after the last listener leaves (a page navigating to the next). Default 5 s. */
  lingerMs?: number;
  /** Retry delays after a failed list or watch (a kind not installed yet, the API server restarting). */
  retryMinMs?: number;
  retryMaxMs?: number;
  logger?: Logger;
}

/**
 * One watch per kind, shared by every connected page, open only while someone listens. Each watch starts at
 * the resourceVersion of a one-item list (so existing objects are not replayed), resumes from the last version
 * it saw when the server ends it, and starts over (reporting a change, since some may have been missed)
 * after 410 Gone.
 */
export class ChangeFeed {
  readonly #options: ChangeFeedOptions;
  readonly #listeners = new Set<ChangeListener>();
  readonly #log: Logger;
  #running?: { stop: AbortController; loops: Promise<void>[] };
  #linger?: NodeJS.Timeout;
  #closed = false;

  constructor(options: ChangeFeedOptions) {
    this.#options = options;
    this.#log = (options.logger ?? silentLogger()).child({ component: 'dashboard-change-feed' });
  }

  /** True while the watches are open. */
  get watching(): boolean {
    return this.#running !== undefined;
  }

  /** Starts the watches for the first listener; the returned function unsubscribes. */
  subscribe(listener: ChangeListener): () => void {
    if (this.#closed) throw new Error('the change feed is closed');
    this.#listeners.add(listener);
    if (this.#linger) {
      clearTimeout(this.#linger);
      this.#linger = undefined;
    }
    if (!this.#running) this.#start();
    return () => {
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
      const linger = this.#options.lingerMs ?? 5000;
      if (linger <= 0) {
        void this.#stopWatches();
        return;
      }
      this.#linger = setTimeout(() => {
        this.#linger = undefined;
        if (this.#listeners.size === 0) void this.#stopWatches();
      }, linger);
      this.#linger.unref();
    };
  }

  /** Stops every watch for good. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    if (this.#linger) clearTimeout(this.#linger);
    await this.#stopWatches();
  }

  #start(): void {
    const stop = new AbortController();
    const kinds = this.#options.kinds ?? DASHBOARD_WATCHED_KINDS;
    this.#running = { stop, loops: kinds.map((type) => this.#watchKind(type, stop.signal)) };
    this.#log.debug({ kinds: kinds.length }, 'watching for dashboard changes');
  }

  async #stopWatches(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    running.stop.abort();
    await Promise.all(running.loops);
    this.#log.debug('stopped watching: no dashboard page is connected');
  }

  #emit(change: Change): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (err) {
        this.#log.warn({ err: (err as Error).message }, 'a change listener failed');
      }
    }
  }

  async #watchKind(type: TypeRef, signal: AbortSignal): Promise<void> {
    const { client } = this.#options;
    const minDelay = this.#options.retryMinMs ?? 1000;
    const maxDelay = this.#options.retryMaxMs ?? 30_000;
    let delay = minDelay;
    let resourceVersion: string | undefined;
    let listedBefore = false;
    while (!signal.aborted) {
      const began = Date.now();
      let events = 0;
      try {
        if (resourceVersion === undefined) {
          const list = await client.list(type, { limit: 1, signal });
          resourceVersion = list.metadata.resourceVersion ?? '';
          // Starting over after 410 or an outage: whatever happened meanwhile was not seen.
          if (listedBefore) this.#emit({ kind: type.kind });
          listedBefore = true;
        }
        const stream = client.watch<KubeObject>(type, {
          ...(resourceVersion ? { resourceVersion } : {}),
          allowWatchBookmarks: true,
          timeoutSeconds: 300 + Math.floor(Math.random() * 300),
          signal,
        });
        for await (const event of stream) {
          events++;
          if (event.type === 'ERROR') {
            const status = event.object as unknown as { code?: number };
            throw apiErrorFromStatus(status.code ?? 500, event.object);
          }
          resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
          if (event.type === 'BOOKMARK') continue;
          const { namespace, name } = event.object.metadata ?? {};
          this.#emit({
            kind: type.kind,
            ...(namespace ? { namespace } : {}),
            ...(name ? { name } : {}),
          });
        }
        // A watch the server ends at once, again and again, must not become a busy loop.
        if (events === 0 && Date.now() - began < 1000) await pause(delay, signal);
        else delay = minDelay;
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          resourceVersion = undefined;
          continue;
        }
        resourceVersion = undefined;
        if (!isNoKindMatch(err)) {
          this.#log.info(
            { kind: type.kind, err: (err as Error).message },
            'dashboard watch failed; retrying',
          );
        }
        // A kind that is not installed (yet) is asked about again at the slowest pace.
        await pause(isNoKindMatch(err) ? maxDelay : delay, signal);
        delay = Math.min(maxDelay, delay * 2);
      }
    }
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}
