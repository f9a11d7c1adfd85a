import { type KubeObject, type TypeRef, keyString } from '../../controller-runtime/api/object.js';
import type { InformerCache } from '../../controller-runtime/cache/informer-cache.js';
import type { Controller } from '../../controller-runtime/controller/controller.js';
import type { MapFunc } from '../../controller-runtime/controller/handlers.js';

/**
 * Watches provider kinds that are only known at run time (whatever an infrastructureRef or controlPlaneRef
 * names): the first time a kind is seen its informer is started and its events are mapped into the
 * controller's queue. Upstream's external ObjectTracker.
 */
export class ExternalTracker {
  readonly #cache: InformerCache;
  readonly #map: MapFunc;
  readonly #watched = new Set<string>();
  #controller: Controller | undefined;

  constructor(cache: InformerCache, map: MapFunc) {
    this.#cache = cache;
    this.#map = map;
  }

  /** The controller whose queue receives the mapped requests (set once it is built). */
  set controller(controller: Controller) {
    this.#controller = controller;
  }

  watch(type: TypeRef): void {
    const id = `${type.apiVersion}/${type.kind}`;
    if (this.#watched.has(id) || !this.#controller) return;
    this.#watched.add(id);
    const enqueue = (obj: KubeObject): void => {
      for (const request of this.#map(obj)) this.#controller?.queue.add(keyString(request));
    };
    this.#cache.getInformer(type).addEventHandler({
      onAdd: (obj, initial) => {
        if (!initial) enqueue(obj);
      },
      onUpdate: (_old, obj) => enqueue(obj),
      onDelete: (obj) => enqueue(obj),
    });
  }
}
