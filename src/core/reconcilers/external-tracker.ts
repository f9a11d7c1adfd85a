import { type KubeObject, type TypeRef, keyString } from '../../controller-runtime/api/object.js';
import type { InformerCache } from '../../controller-runtime/cache/informer-cache.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { isNotFound } from '../../controller-runtime/client/errors.js';
import type { Controller } from '../../controller-runtime/controller/controller.js';
import type { MapFunc } from '../../controller-runtime/controller/handlers.js';
import type { ContractReference, ContractResolver, ContractVersion } from '../contract/contract-version.js';

/** A referenced provider object (absent when it does not exist) and the contract its fields follow. */
export interface TrackedObject {
  object?: KubeObject;
  contract: ContractVersion;
  notFound: boolean;
}

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

  /** Reads the object a reference names (at the version its CRD's contract label says) and watches its kind. */
  async read(
    reader: Reader,
    resolver: ContractResolver,
    namespace: string | undefined,
    ref: ContractReference,
  ): Promise<TrackedObject> {
    const type = await resolver.typeOf(ref);
    this.watch({ apiVersion: type.apiVersion, kind: type.kind });
    try {
      const object = await reader.get(
        { apiVersion: type.apiVersion, kind: type.kind },
        { namespace, name: ref.name },
      );
      return { object, contract: type.contract, notFound: false };
    } catch (err) {
      if (isNotFound(err)) return { contract: type.contract, notFound: true };
      throw err;
    }
  }
}

/** The soonest of several requested requeues (none when no phase asked for one). */
export function lowestRequeue(
  results: readonly ({ requeueAfterMs?: number } | undefined)[],
): { requeueAfterMs: number } | undefined {
  const delays = results.map((r) => r?.requeueAfterMs).filter((d): d is number => d !== undefined);
  return delays.length ? { requeueAfterMs: Math.min(...delays) } : undefined;
}
