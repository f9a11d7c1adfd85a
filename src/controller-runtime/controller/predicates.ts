import type { KubeObject } from '../api/object.js';

/** Filters informer events before they reach the queue; an absent method lets the event through. */
export interface Predicate<T extends KubeObject = KubeObject> {
  create?(obj: T): boolean;
  update?(oldObj: T, newObj: T): boolean;
  delete?(obj: T): boolean;
}

/** Passes updates that change `metadata.generation` (spec changes; status-only writes do not). */
export const generationChangedPredicate: Predicate = {
  update: (o, n) => o === n || o.metadata.generation !== n.metadata.generation,
};

export const labelsChangedPredicate: Predicate = {
  update: (o, n) => o === n || !sameStringMap(o.metadata.labels, n.metadata.labels),
};

export const annotationsChangedPredicate: Predicate = {
  update: (o, n) => o === n || !sameStringMap(o.metadata.annotations, n.metadata.annotations),
};

/** Passes events for objects that do not carry `annotation` (e.g. a "paused" marker); unpausing passes. */
export function annotationAbsentPredicate(annotation: string): Predicate {
  const absent = (obj: KubeObject): boolean => obj.metadata.annotations?.[annotation] === undefined;
  return { create: absent, update: (_o, n) => absent(n), delete: absent };
}

/** Passes events for objects matching `test`. */
export function objectPredicate<T extends KubeObject = KubeObject>(test: (obj: T) => boolean): Predicate<T> {
  return { create: test, update: (_o, n) => test(n), delete: test };
}

export function and<T extends KubeObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return {
    create: (obj) => predicates.every((p) => p.create?.(obj) ?? true),
    update: (o, n) => predicates.every((p) => p.update?.(o, n) ?? true),
    delete: (obj) => predicates.every((p) => p.delete?.(obj) ?? true),
  };
}

export function or<T extends KubeObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return {
    create: (obj) => predicates.some((p) => p.create?.(obj) ?? true),
    update: (o, n) => predicates.some((p) => p.update?.(o, n) ?? true),
    delete: (obj) => predicates.some((p) => p.delete?.(obj) ?? true),
  };
}

function sameStringMap(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => a?.[k] === b?.[k]);
}
