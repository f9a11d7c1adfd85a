// A Reader over the management plane in which some objects are replaced or added: the objects a user is about to
// apply, as the API server would store them. The topology loaders read through it, so the plan computes the
// desired state exactly as the controller will once those objects are applied.
import {
  type KubeObject,
  type ObjectKey,
  parseApiVersion,
  type TypeRef,
} from '../../controller-runtime/api/object.js';
import type { ListOptions, ObjectList, Reader } from '../../controller-runtime/client/client.js';
import { NoKindMatchError, NotFoundError } from '../../controller-runtime/client/errors.js';

const groupOf = (apiVersion: string | undefined): string => parseApiVersion(apiVersion ?? '').group;

/** Objects are the same across versions of their kind: the key is group, kind, namespace and name. */
export const overlayKey = (
  type: { apiVersion?: string; kind?: string },
  namespace: string | undefined,
  name: string | undefined,
): string => `${groupOf(type.apiVersion)}/${type.kind ?? ''}/${namespace ?? ''}/${name ?? ''}`;

function labelsMatch(
  labels: Record<string, string> | undefined,
  selector: ListOptions['labelSelector'],
): boolean {
  if (selector === undefined) return true;
  if (typeof selector !== 'object') return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export class OverlayReader implements Reader {
  readonly #base: Reader;
  readonly #objects = new Map<string, KubeObject>();

  constructor(base: Reader, objects: readonly KubeObject[] = []) {
    this.#base = base;
    for (const obj of objects) this.set(obj);
  }

  set(obj: KubeObject): void {
    this.#objects.set(overlayKey(obj, obj.metadata.namespace, obj.metadata.name), obj);
  }

  /** The overlaid objects. */
  objects(): KubeObject[] {
    return [...this.#objects.values()];
  }

  async get<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey): Promise<T> {
    const found = this.#objects.get(overlayKey(type, key.namespace, key.name));
    if (found) return { ...structuredClone(found), apiVersion: type.apiVersion } as T;
    return this.#base.get<T>(type, key);
  }

  async list<T extends KubeObject = KubeObject>(
    type: TypeRef,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    let base: ObjectList<T>;
    try {
      base = await this.#base.list<T>(type, options);
    } catch (err) {
      // A kind only the overlay has (its CRD is in the plan too) lists as empty on the server.
      if (!(err instanceof NotFoundError) && !(err instanceof NoKindMatchError)) throw err;
      base = { apiVersion: type.apiVersion, kind: `${type.kind}List`, metadata: {}, items: [] };
    }
    const seen = new Set<string>();
    const items: T[] = [];
    for (const item of base.items) {
      const key = overlayKey(type, item.metadata.namespace, item.metadata.name);
      seen.add(key);
      const replaced = this.#objects.get(key);
      if (!replaced) items.push(item);
      else if (labelsMatch(replaced.metadata.labels, options.labelSelector))
        items.push({ ...structuredClone(replaced), apiVersion: type.apiVersion } as T);
    }
    for (const [key, obj] of this.#objects) {
      if (seen.has(key) || groupOf(obj.apiVersion) !== groupOf(type.apiVersion) || obj.kind !== type.kind)
        continue;
      if (options.namespace && obj.metadata.namespace !== options.namespace) continue;
      if (!labelsMatch(obj.metadata.labels, options.labelSelector)) continue;
      items.push({ ...structuredClone(obj), apiVersion: type.apiVersion } as T);
    }
    return { ...base, items };
  }
}
