import { statusErrors } from '../errors/status-error.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import { parseResourceVersion } from '../registry/generic-registry.js';
import { type StoreEvent, StoreCompactedError, type StoreWatch } from '../registry/object-store.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface WatchRequest {
  def: ResourceDefinition;
  namespace: string | undefined;
  /** Selector predicate (labels and fields); undefined matches everything. */
  matches?: (obj: KubeObject) => boolean;
  resourceVersion: string | undefined;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  /** Milliseconds between bookmarks (upstream: about a minute). */
  bookmarkIntervalMs: number;
}

/**
 * Serves one watch: optional synthetic ADDED events for the current state, then every change in revision
 * order, with ADDED/DELETED on selector transitions (apiserver's cacheWatcher rules). Events go to `emit`;
 * `close` is called once, after an ERROR event or when the store drops the watcher.
 */
export class WatchStream {
  #watch: StoreWatch | undefined;
  #bookmarkTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastRevision = 0;

  constructor(
    private readonly registry: GenericRegistry,
    private readonly req: WatchRequest,
    private readonly emit: (event: WatchEvent) => void,
    private readonly close: () => void,
  ) {}

  start(): void {
    const { def, namespace } = this.req;
    const store = this.registry.store;
    const prefix = this.registry.prefixOf(def, namespace);
    const rv = this.req.resourceVersion;
    let from: number;
    if (rv === undefined || rv === '' || rv === '0' || this.req.sendInitialEvents) {
      // Initial state from one snapshot, then live changes from that snapshot's revision.
      const snapshot = store.range(prefix);
      from = snapshot.revision;
      if (rv !== undefined && rv !== '' && rv !== '0' && this.req.sendInitialEvents) {
        const min = parseResourceVersion(rv);
        if (min > from) from = Math.max(from, min);
      }
      for (const kv of snapshot.kvs) {
        const obj = this.registry.decode(def, kv);
        if (this.#matches(obj)) this.emit({ type: 'ADDED', object: obj });
      }
      if (this.req.sendInitialEvents && this.req.allowBookmarks) {
        this.emit({
          type: 'BOOKMARK',
          object: this.#bookmarkObject(from, { 'k8s.io/initial-events-end': 'true' }),
        });
      }
    } else {
      from = parseResourceVersion(rv);
      if (from > store.currentRevision) {
        this.#fail(statusErrors.tooLargeResourceVersion(from, store.currentRevision).status);
        return;
      }
    }
    this.#lastRevision = from;
    try {
      this.#watch = store.watch(
        prefix,
        from,
        (event) => this.#onStoreEvent(event),
        (err) => {
          if (this.#closed) return;
          if (err instanceof StoreCompactedError) this.#fail(this.#tooOld(from, err.compacted));
          else this.#end();
        },
      );
    } catch (err) {
      if (err instanceof StoreCompactedError) {
        this.#fail(this.#tooOld(from, err.compacted));
        return;
      }
      throw err;
    }
    if (this.req.allowBookmarks) {
      this.#bookmarkTimer = setInterval(() => {
        if (!this.#closed)
          this.emit({
            type: 'BOOKMARK',
            object: this.#bookmarkObject(Math.max(this.#lastRevision, store.currentRevision)),
          });
      }, this.req.bookmarkIntervalMs);
      this.#bookmarkTimer.unref();
    }
  }

  /** Stops the watch (client went away or timeout). */
  stop(): void {
    this.#end();
  }

  #onStoreEvent(event: StoreEvent): void {
    if (this.#closed) return;
    this.#lastRevision = event.revision;
    const { def } = this.req;
    const prev = event.prevKv ? this.registry.decode(def, event.prevKv) : undefined;
    const prevMatched = prev !== undefined && this.#matches(prev);
    if (event.type === 'DELETE') {
      if (!prev || !prevMatched) return;
      prev.metadata = { ...prev.metadata, resourceVersion: String(event.revision) };
      this.emit({ type: 'DELETED', object: prev });
      return;
    }
    const obj = this.registry.decode(def, event.kv);
    const nowMatches = this.#matches(obj);
    if (nowMatches && prevMatched) this.emit({ type: 'MODIFIED', object: obj });
    else if (nowMatches) this.emit({ type: 'ADDED', object: obj });
    else if (prevMatched && prev) {
      prev.metadata = { ...prev.metadata, resourceVersion: String(event.revision) };
      this.emit({ type: 'DELETED', object: prev });
    }
  }

  #matches(obj: KubeObject): boolean {
    return this.req.matches ? this.req.matches(obj) : true;
  }

  #bookmarkObject(revision: number, annotations?: Record<string, string>): KubeObject {
    const { def } = this.req;
    return {
      kind: def.kind,
      apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
      metadata: { resourceVersion: String(revision), ...(annotations ? { annotations } : {}) },
    };
  }

  #tooOld(requested: number, compacted: number): Record<string, unknown> {
    return statusErrors.expired(`too old resource version: ${requested} (${compacted})`)
      .status as unknown as Record<string, unknown>;
  }

  #fail(status: object): void {
    if (this.#closed) return;
    this.emit({ type: 'ERROR', object: status as KubeObject });
    this.#end();
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch?.cancel();
    if (this.#bookmarkTimer) clearInterval(this.#bookmarkTimer);
    this.close();
  }
}
