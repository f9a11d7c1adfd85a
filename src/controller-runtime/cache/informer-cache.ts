import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { type KubeObject, keyString, type ObjectKey, type TypeRef } from '../api/object.js';
import type { LabelSelectorInput, ListOptions, ObjectList, Reader, Watcher } from '../client/client.js';
import { isNoKindMatch, NotFoundError } from '../client/errors.js';
import { LabelSelector } from '../client/label-selector.js';
import { silentLogger } from '../log/logger.js';
import { type IndexFunc, NAMESPACE_INDEX } from './indexed-store.js';
import { Informer } from './informer.js';

/** Restricts what is cached for one kind (upstream's `cache.Options.ByObject`). */
export interface ByObjectOptions {
  type: TypeRef;
  namespace?: string;
  labelSelector?: LabelSelectorInput;
  fieldSelector?: string;
}

export interface InformerCacheOptions {
  client: Reader & Watcher;
  /** Cache only this namespace (for every namespaced kind). */
  namespace?: string;
  byObject?: ByObjectOptions[];
  /** Resync period of every informer (controller-runtime defaults to ~10 h); 0 disables. */
  resyncPeriodMs?: number;
  /** Override of the watch timeout (tests use short watches). */
  watchTimeoutSeconds?: () => number;
  logger?: Logger;
}

export interface CacheListOptions extends ListOptions {
  /** Objects whose index `name` has `value` (see `indexField`). */
  index?: { name: string; value: string };
}

const typeKey = (type: TypeRef): string => `${type.kind}.${type.apiVersion}`;

/**
 * The manager's cache: one shared informer per kind, created on first use, serving `get`/`list` from memory.
 * Reads return deep copies, so a reconciler may mutate what it read without corrupting the cache.
 * `list` filters by namespace, labels and fields as the API server would; field selectors need an index of
 * the same name (`indexField(type, 'spec.nodeName', fn)`), as in controller-runtime.
 */
export class InformerCache implements Reader {
  readonly #options: InformerCacheOptions;
  readonly #informers = new Map<string, Informer>();
  readonly #log: Logger;
  #signal?: AbortSignal;
  readonly #runs = new Set<Promise<void>>();

  constructor(options: InformerCacheOptions) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger();
  }

  get started(): boolean {
    return this.#signal !== undefined;
  }

  /** The shared informer of a kind; created (and started, if the cache runs) on first request. */
  getInformer<T extends KubeObject = KubeObject>(type: TypeRef): Informer<T> {
    const key = typeKey(type);
    let informer = this.#informers.get(key);
    if (!informer) {
      const restriction = this.#options.byObject?.find((b) => typeKey(b.type) === key);
      informer = new Informer({
        type: { apiVersion: type.apiVersion, kind: type.kind },
        client: this.#options.client,
        namespace: restriction?.namespace ?? this.#options.namespace,
        labelSelector: restriction?.labelSelector,
        fieldSelector: restriction?.fieldSelector,
        resyncPeriodMs: this.#options.resyncPeriodMs,
        watchTimeoutSeconds: this.#options.watchTimeoutSeconds,
        logger: this.#log,
      });
      this.#informers.set(key, informer);
      if (this.#signal) this.#run(informer, this.#signal);
    }
    return informer as unknown as Informer<T>;
  }

  /** Adds an index to a kind's informer (`list(..., { index })` and field selectors use it). */
  indexField<T extends KubeObject = KubeObject>(type: TypeRef, name: string, fn: IndexFunc<T>): void {
    this.getInformer<T>(type).store.addIndexer(name, fn);
  }

  /** Starts every informer asked for so far, and any asked for later, until `signal` aborts. */
  start(signal: AbortSignal): void {
    if (this.#signal) return;
    this.#signal = signal;
    for (const informer of this.#informers.values()) this.#run(informer, signal);
  }

  /** Resolves true when every informer has listed once; false if `signal` aborted first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    // One listener on the caller's signal however many kinds there are; the informers share a signal of ours.
    const waiting = new AbortController();
    setMaxListeners(0, waiting.signal);
    const abort = (): void => waiting.abort();
    if (signal?.aborted) waiting.abort();
    else signal?.addEventListener('abort', abort, { once: true });
    try {
      const informers = [...this.#informers.values()];
      const results = await Promise.all(informers.map((i) => i.waitForSync(waiting.signal)));
      return results.every(Boolean);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Whether every informer created so far has listed once (the manager's readiness check). */
  hasSynced(): boolean {
    return [...this.#informers.values()].every((i) => i.hasSynced());
  }

  /** Waits for the informer loops to end after the start signal aborted. */
  async stopped(): Promise<void> {
    await Promise.allSettled([...this.#runs]);
  }

  async get<T extends KubeObject = KubeObject>(
    type: TypeRef,
    key: ObjectKey,
    options: { signal?: AbortSignal } = {},
  ): Promise<T> {
    const informer = await this.#synced<T>(type, options.signal);
    const obj = informer.store.get(keyString(key));
    if (!obj) {
      throw new NotFoundError(
        {
          kind: 'Status',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
          message: `${type.kind} "${key.name}" not found${key.namespace ? ` in namespace "${key.namespace}"` : ''}`,
          details: { name: key.name, kind: type.kind },
        },
        404,
      );
    }
    return structuredClone(obj);
  }

  async list<T extends KubeObject = KubeObject>(
    type: TypeRef,
    options: CacheListOptions = {},
  ): Promise<ObjectList<T>> {
    const informer = await this.#synced<T>(type, options.signal);
    const store = informer.store;
    let candidates: Iterable<T>;
    const fields = parseFieldSelector(options.fieldSelector);
    const indexed = options.index ?? fields.find((f) => store.hasIndexer(f.name));
    if (indexed) candidates = store.byIndex(indexed.name, indexed.value);
    else if (options.namespace) candidates = store.byIndex(NAMESPACE_INDEX, options.namespace);
    else candidates = store.values();
    const selector = LabelSelector.parse(options.labelSelector);
    const items: T[] = [];
    for (const obj of candidates) {
      if (options.namespace && obj.metadata.namespace !== options.namespace) continue;
      if (!selector.empty && !selector.matches(obj.metadata.labels)) continue;
      if (!fields.every((f) => matchesField(store, obj, f))) continue;
      items.push(structuredClone(obj));
    }
    return {
      apiVersion: type.apiVersion,
      kind: `${type.kind}List`,
      metadata: { resourceVersion: informer.lastSyncResourceVersion },
      items,
    };
  }

  async #synced<T extends KubeObject>(type: TypeRef, signal?: AbortSignal): Promise<Informer<T>> {
    const informer = this.getInformer<T>(type);
    if (!informer.hasSynced()) {
      if (!this.#signal) throw new Error(`the cache is not started; cannot read ${type.kind} yet`);
      // A kind the server does not serve (CRD not installed) fails the read instead of hanging it;
      // the informer keeps retrying in the background and serves reads once the CRD appears.
      if (!(await informer.waitForSync(signal ?? this.#signal, { failOn: isNoKindMatch }))) {
        throw new Error(`cache stopped before ${type.kind} was synced`);
      }
    }
    return informer;
  }

  #run(informer: Informer, signal: AbortSignal): void {
    const run = informer.run(signal);
    this.#runs.add(run);
    void run.finally(() => this.#runs.delete(run));
  }
}

interface FieldRequirement {
  name: string;
  value: string;
}

/** `a=b,c==d`; only equality is supported by the cache (as in controller-runtime). */
function parseFieldSelector(selector: string | undefined): FieldRequirement[] {
  if (!selector) return [];
  return selector
    .split(',')
    .filter((p) => p.trim())
    .map((part) => {
      const m = /^\s*([^=!\s]+)\s*==?\s*(.*?)\s*$/.exec(part);
      if (!m) throw new Error(`field selector "${selector}": the cache supports only "field=value" terms`);
      return { name: m[1] ?? '', value: m[2] ?? '' };
    });
}

function matchesField<T extends KubeObject>(
  store: Informer<T>['store'],
  obj: T,
  f: FieldRequirement,
): boolean {
  if (f.name === 'metadata.name') return obj.metadata.name === f.value;
  if (f.name === 'metadata.namespace') return (obj.metadata.namespace ?? '') === f.value;
  if (!store.hasIndexer(f.name)) {
    throw new Error(`field selector on "${f.name}" needs an index of that name (cache.indexField)`);
  }
  return store
    .keysByIndex(f.name, f.value)
    .has(
      obj.metadata.namespace
        ? `${obj.metadata.namespace}/${obj.metadata.name ?? ''}`
        : (obj.metadata.name ?? ''),
    );
}
