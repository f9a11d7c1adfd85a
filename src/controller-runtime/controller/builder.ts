import type { KubeObject, TypeRef } from '../api/object.js';
import type { Manager } from '../manager/manager.js';
import type { RateLimiter } from '../workqueue/index.js';
import { Controller, type Watch } from './controller.js';
import { type MapFunc, mapToOwner, mapToSelf } from './handlers.js';
import type { Predicate } from './predicates.js';
import type { Reconciler } from './reconciler.js';

export interface BuilderWatchOptions<T extends KubeObject = KubeObject> {
  predicates?: Predicate<T>[];
}

/**
 * controller-runtime's builder: `new ControllerBuilder(mgr).for(kind).owns(child).watches(other, map)
 * .withEventFilter(p).complete(reconciler)` registers a controller with the manager.
 */
export class ControllerBuilder {
  readonly #manager: Manager;
  #name?: string;
  #forType?: TypeRef;
  readonly #watches: Watch[] = [];
  readonly #globalPredicates: Predicate[] = [];
  #maxConcurrentReconciles = 1;
  #rateLimiter?: RateLimiter<string>;
  #cacheSyncTimeoutMs?: number;

  constructor(manager: Manager) {
    this.#manager = manager;
  }

  /** The kind this controller reconciles; its own events enqueue its own key. */
  for(type: TypeRef, options: BuilderWatchOptions = {}): this {
    if (this.#forType) throw new Error('for() may be called only once');
    this.#forType = type;
    this.#watches.push({ type, map: mapToSelf, predicates: options.predicates ?? [] });
    return this;
  }

  /** A kind this controller creates; its events enqueue the controlling owner of the `for` kind. */
  owns(type: TypeRef, options: BuilderWatchOptions & { onlyController?: boolean } = {}): this {
    this.#pending.push((forType) => ({
      type,
      map: mapToOwner(forType, { onlyController: options.onlyController }),
      predicates: options.predicates ?? [],
    }));
    return this;
  }

  /** Any kind, mapped to requests by `map`. */
  watches<T extends KubeObject = KubeObject>(
    type: TypeRef,
    map: MapFunc<T>,
    options: BuilderWatchOptions<T> = {},
  ): this {
    this.#watches.push({ type, map: map as MapFunc, predicates: options.predicates ?? [] });
    return this;
  }

  /** Predicates applied to every watch of this controller. */
  withEventFilter(predicate: Predicate): this {
    this.#globalPredicates.push(predicate);
    return this;
  }

  named(name: string): this {
    this.#name = name;
    return this;
  }

  withOptions(options: {
    maxConcurrentReconciles?: number;
    rateLimiter?: RateLimiter<string>;
    cacheSyncTimeoutMs?: number;
  }): this {
    if (options.maxConcurrentReconciles !== undefined)
      this.#maxConcurrentReconciles = options.maxConcurrentReconciles;
    if (options.rateLimiter) this.#rateLimiter = options.rateLimiter;
    if (options.cacheSyncTimeoutMs !== undefined) this.#cacheSyncTimeoutMs = options.cacheSyncTimeoutMs;
    return this;
  }

  readonly #pending: ((forType: TypeRef) => Watch)[] = [];

  /** Builds the controller and adds it to the manager (it runs once the manager starts and is leader). */
  complete(reconciler: Reconciler): Controller {
    const forType = this.#forType;
    if (!forType) throw new Error('a controller needs for(kind)');
    const watches = [...this.#watches, ...this.#pending.map((p) => p(forType))].map((w) => ({
      ...w,
      predicates: [...this.#globalPredicates, ...w.predicates],
    }));
    const manager = this.#manager;
    const controller = new Controller({
      name: this.#name ?? forType.kind.toLowerCase(),
      forType,
      reconciler,
      watches,
      maxConcurrentReconciles: this.#maxConcurrentReconciles,
      rateLimiter: this.#rateLimiter,
      cacheSyncTimeoutMs: this.#cacheSyncTimeoutMs,
      metrics: manager.metrics,
      logger: manager.logger,
    });
    manager.add({
      name: `controller/${controller.name}`,
      start: (signal) => controller.start(manager.cache, signal, manager.gracefulShutdownTimeoutMs),
    });
    return controller;
  }
}
