import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { KubeObject, TypeRef } from '../api/object.js';
import type { LabelSelectorInput, ObjectList, Reader, Watcher } from '../client/client.js';
import { apiErrorFromStatus, GoneError, isGone, isResourceVersionTooLarge } from '../client/errors.js';
import { silentLogger } from '../log/logger.js';
import { Backoff } from './backoff.js';
import { type IndexFunc, IndexedStore, storeKeyOf } from './indexed-store.js';

/**
 * What an informer tells its listeners. The objects are the cached ones: read them, never mutate them.
 * A periodic resync calls `onUpdate` with the same object twice (`oldObj === newObj`).
 */
export interface InformerEventHandler<T extends KubeObject = KubeObject> {
  onAdd?(obj: T, isInInitialList: boolean): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T extends KubeObject = KubeObject> {
  type: TypeRef;
  client: Reader & Watcher;
  /** Watch one namespace only. */
  namespace?: string;
  labelSelector?: LabelSelectorInput;
  fieldSelector?: string;
  /** Replays every cached object to the handlers this often (jittered +-10 %); 0 = never. */
  resyncPeriodMs?: number;
  /** List page size; big lists come in pages so the server never builds one huge response. */
  pageSize?: number;
  /** How long one watch request may last before the server ends it; default a random 5-10 minutes. */
  watchTimeoutSeconds?: () => number;
  backoff?: Backoff;
  logger?: Logger;
  /**
   * Applied to every object before it is stored and handed to handlers (controller-runtime's `Transform`), e.g.
   * to keep only the metadata of kinds whose content is large or secret.
   */
  transform?: (obj: T) => T;
}

const DEFAULT_PAGE_SIZE = 500;
/** client-go's reflector: watches last between 5 and 10 minutes so their reconnects spread out. */
const randomWatchTimeout = (): number => Math.floor(300 + Math.random() * 300);

/**
 * List-then-watch for one kind into an indexed store: resumes watches from the last resourceVersion it saw
 * (bookmarks keep that current), relists when the server answers 410 Gone, and backs off with jitter on any
 * other failure. One informer feeds any number of handlers (controllers share it through the cache).
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly type: TypeRef;
  readonly store = new IndexedStore<T>();
  readonly #options: InformerOptions<T>;
  readonly #handlers = new Set<InformerEventHandler<T>>();
  readonly #log: Logger;
  readonly #backoff: Backoff;
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: { synced: () => void; failed: (err: unknown) => boolean }[] = [];
  #running?: Promise<void>;
  #relists = 0;
  #lastListError?: unknown;

  constructor(options: InformerOptions<T>) {
    this.type = options.type;
    this.#options = options;
    this.#backoff = options.backoff ?? new Backoff();
    this.#log = (options.logger ?? silentLogger()).child({
      informer: `${options.type.kind}.${options.type.apiVersion}`,
    });
  }

  /** The resourceVersion the cache reflects (from the last list, watch event or bookmark). */
  get lastSyncResourceVersion(): string {
    return this.#resourceVersion;
  }

  /** How many full lists were made (1 after the first sync; more after 410 Gone). */
  get listCount(): number {
    return this.#relists;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Why the last list failed (cleared by a successful one): lets readers fail fast, e.g. on a missing CRD. */
  get lastListError(): unknown {
    return this.#lastListError;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /**
   * Resolves true once the first list is in the store, false if `signal` aborts first. A list failure for
   * which `failOn` says yes (e.g. the kind is not served) rejects with that error instead of waiting on.
   */
  async waitForSync(
    signal?: AbortSignal,
    options: { failOn?: (err: unknown) => boolean } = {},
  ): Promise<boolean> {
    if (this.#synced) return true;
    if (signal?.aborted) return false;
    const failOn = options.failOn ?? (() => false);
    const failed = this.#lastListError;
    if (failed !== undefined && failOn(failed))
      throw failed instanceof Error ? failed : new Error('the list failed');
    return await new Promise<boolean>((resolve, reject) => {
      const waiter = {
        synced: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
        },
        failed: (err: unknown): boolean => {
          if (!failOn(err)) return false;
          signal?.removeEventListener('abort', onAbort);
          reject(err instanceof Error ? err : new Error('the list failed'));
          return true;
        },
      };
      const onAbort = (): void => {
        this.#syncWaiters = this.#syncWaiters.filter((w) => w !== waiter);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(waiter);
    });
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) this.store.addIndexer(name, fn);
  }

  /** Registers a handler; objects already cached are replayed to it as initial adds. */
  addEventHandler(handler: InformerEventHandler<T>): { remove(): void } {
    this.#handlers.add(handler);
    if (this.#synced) for (const obj of this.store.values()) handler.onAdd?.(obj, true);
    return { remove: () => this.#handlers.delete(handler) };
  }

  /** Starts the list/watch loop (once); it runs until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    this.#running ??= this.#loop(signal).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #loop(signal: AbortSignal): Promise<void> {
    const resync = this.#startResync(signal);
    let needList = true;
    try {
      while (!signal.aborted) {
        try {
          if (needList) {
            try {
              await this.#listAndReplace(signal);
            } catch (err) {
              this.#lastListError = err;
              this.#syncWaiters = this.#syncWaiters.filter((w) => !w.failed(err));
              throw err;
            }
            this.#lastListError = undefined;
            needList = false;
            this.#backoff.reset();
          }
          const opened = performance.now();
          const events = await this.#watch(signal);
          // A server that keeps closing watches at once must not turn this loop into a busy spin.
          if (events === 0 && performance.now() - opened < 1000 && !signal.aborted) {
            await sleep(this.#backoff.nextDelayMs(), undefined, { signal }).catch(() => undefined);
          }
        } catch (err) {
          if (signal.aborted) break;
          if (isGone(err)) {
            this.#log.info({ resourceVersion: this.#resourceVersion }, 'resourceVersion too old; relisting');
            needList = true;
            continue;
          }
          if (isResourceVersionTooLarge(err)) {
            this.#log.info(
              { resourceVersion: this.#resourceVersion },
              'resourceVersion newer than the server has (a different server); relisting',
            );
            needList = true;
            continue;
          }
          const delay = this.#backoff.nextDelayMs();
          this.#log.warn(
            { err: errorText(err), retryInMs: Math.round(delay) },
            needList ? 'list failed' : 'watch failed',
          );
          try {
            await sleep(delay, undefined, { signal });
          } catch {
            break;
          }
        }
      }
    } finally {
      clearInterval(resync);
    }
  }

  async #listAndReplace(signal: AbortSignal): Promise<void> {
    const list = await this.#listAll(signal);
    this.#relists++;
    const initial = !this.#synced;
    const seen = new Set<string>();
    const transform = this.#options.transform;
    for (const listed of list.items) {
      const obj = transform ? transform(listed) : listed;
      const key = storeKeyOf(obj);
      seen.add(key);
      const old = this.store.upsert(obj);
      if (!old) this.#emitAdd(obj, initial);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.#emitUpdate(old, obj);
    }
    for (const key of [...this.store.keys()]) {
      if (seen.has(key)) continue;
      const gone = this.store.remove(key);
      if (gone) this.#emitDelete(gone);
    }
    this.#resourceVersion = list.metadata.resourceVersion ?? '';
    if (!this.#synced) {
      this.#synced = true;
      for (const waiter of this.#syncWaiters.splice(0)) waiter.synced();
    }
  }

  /** Pages through the list; if a continue token expires mid-way, falls back to one unpaged list. */
  async #listAll(signal: AbortSignal): Promise<ObjectList<T>> {
    const base = {
      namespace: this.#options.namespace,
      labelSelector: this.#options.labelSelector,
      fieldSelector: this.#options.fieldSelector,
      signal,
    };
    const limit = this.#options.pageSize ?? DEFAULT_PAGE_SIZE;
    const first = await this.#options.client.list<T>(this.type, { ...base, limit });
    const items = first.items;
    let token = first.metadata.continue;
    try {
      while (token) {
        const page = await this.#options.client.list<T>(this.type, { ...base, limit, continue: token });
        items.push(...page.items);
        token = page.metadata.continue;
      }
    } catch (err) {
      if (!isGone(err)) throw err;
      return await this.#options.client.list<T>(this.type, base);
    }
    return { ...first, items, metadata: { resourceVersion: first.metadata.resourceVersion } };
  }

  /** Follows one watch request to its end; returns how many events it delivered. */
  async #watch(signal: AbortSignal): Promise<number> {
    let count = 0;
    const stream = this.#options.client.watch<T>(this.type, {
      namespace: this.#options.namespace,
      labelSelector: this.#options.labelSelector,
      fieldSelector: this.#options.fieldSelector,
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: (this.#options.watchTimeoutSeconds ?? randomWatchTimeout)(),
      signal,
    });
    for await (const event of stream) {
      switch (event.type) {
        case 'ADDED':
        case 'MODIFIED': {
          const obj = this.#options.transform ? this.#options.transform(event.object) : event.object;
          const old = this.store.upsert(obj);
          if (old) this.#emitUpdate(old, obj);
          else this.#emitAdd(obj, false);
          break;
        }
        case 'DELETED': {
          const old = this.store.remove(storeKeyOf(event.object));
          this.#emitDelete(
            old ?? (this.#options.transform ? this.#options.transform(event.object) : event.object),
          );
          break;
        }
        case 'BOOKMARK':
          break;
        case 'ERROR': {
          const status = event.object as unknown as { code?: number };
          const err = apiErrorFromStatus(status.code ?? 500, event.object);
          throw status.code === 410 ? new GoneError(err.status, 410) : err;
        }
      }
      const rv = event.object.metadata?.resourceVersion;
      if (rv) this.#resourceVersion = rv;
      this.#backoff.reset();
      count++;
    }
    return count;
  }

  #startResync(signal: AbortSignal): NodeJS.Timeout | undefined {
    const period = this.#options.resyncPeriodMs ?? 0;
    if (!(period > 0)) return undefined;
    const jittered = period * (0.9 + Math.random() * 0.2);
    const timer = setInterval(() => {
      if (signal.aborted || !this.#synced) return;
      for (const obj of this.store.values()) this.#emitUpdate(obj, obj);
    }, jittered);
    timer.unref();
    return timer;
  }

  #emitAdd(obj: T, initial: boolean): void {
    for (const h of this.#handlers) this.#guard(() => h.onAdd?.(obj, initial));
  }
  #emitUpdate(oldObj: T, newObj: T): void {
    for (const h of this.#handlers) this.#guard(() => h.onUpdate?.(oldObj, newObj));
  }
  #emitDelete(obj: T): void {
    for (const h of this.#handlers) this.#guard(() => h.onDelete?.(obj));
  }

  /** A throwing handler must not break the informer or starve the other handlers. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err: errorText(err) }, 'event handler threw');
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
