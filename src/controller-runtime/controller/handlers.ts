import { type KubeObject, parseApiVersion, type TypeRef } from '../api/object.js';
import type { Request } from './reconciler.js';

/** Turns an object that changed into the keys of the objects to reconcile. */
export type MapFunc<T extends KubeObject = KubeObject> = (obj: T) => Request[];

/** The object itself (`For`). */
export const mapToSelf: MapFunc = (obj) => [
  obj.metadata.namespace
    ? { namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }
    : { name: obj.metadata.name ?? '' },
];

/**
 * Its owner of `ownerType` (`Owns`): the controller owner only unless `onlyController` is false. Owners are
 * matched by group and kind, not version, as upstream does; they live in the object's namespace.
 */
export function mapToOwner(ownerType: TypeRef, options: { onlyController?: boolean } = {}): MapFunc {
  const group = parseApiVersion(ownerType.apiVersion).group;
  const onlyController = options.onlyController ?? true;
  return (obj) =>
    (obj.metadata.ownerReferences ?? [])
      .filter(
        (ref) =>
          ref.kind === ownerType.kind &&
          parseApiVersion(ref.apiVersion).group === group &&
          (!onlyController || ref.controller === true),
      )
      .map((ref) =>
        obj.metadata.namespace ? { namespace: obj.metadata.namespace, name: ref.name } : { name: ref.name },
      );
}
