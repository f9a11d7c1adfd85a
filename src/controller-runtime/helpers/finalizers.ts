import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** Anything with Kubernetes metadata; finalizers live in `metadata.finalizers`. */
export interface HasMetadata {
  metadata?: ObjectMeta;
}

export function hasFinalizer(obj: HasMetadata, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/**
 * Adds the finalizer unless present; returns whether the object changed, so a reconciler can patch right
 * away (the finalizer must be persisted before anything it guards is created).
 */
export function addFinalizer(obj: HasMetadata, finalizer: string): boolean {
  if (hasFinalizer(obj, finalizer)) return false;
  obj.metadata ??= {};
  obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), finalizer];
  return true;
}

/** Removes every occurrence of the finalizer; returns whether the object changed. */
export function removeFinalizer(obj: HasMetadata, finalizer: string): boolean {
  const finalizers = obj.metadata?.finalizers;
  if (!finalizers?.includes(finalizer)) return false;
  obj.metadata!.finalizers = finalizers.filter((f) => f !== finalizer);
  return true;
}
