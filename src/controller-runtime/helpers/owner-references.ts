import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { parseApiVersion } from '../api/object.js';

export type { OwnerReference } from 'kubernetes-types/meta/v1.js';

/** What an owner reference can be built from: a typed object with apiVersion, kind, name and uid. */
export interface OwnerObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** An object that carries owner references. */
export interface OwnedObject {
  metadata?: ObjectMeta;
}

/** The object is already controlled by someone else; Kubernetes allows one controller per object. */
export class AlreadyOwnedError extends Error {
  override readonly name = 'AlreadyOwnedError';
  constructor(
    readonly object: { namespace?: string; name?: string },
    readonly owner: OwnerReference,
  ) {
    super(
      `object ${object.namespace ? `${object.namespace}/` : ''}${object.name ?? ''} is already owned by another ` +
        `${owner.kind} controller ${owner.name}`,
    );
  }
}

export const isAlreadyOwned = (err: unknown): err is AlreadyOwnedError => err instanceof AlreadyOwnedError;

/** Owner and dependent must share a namespace, and a cluster-scoped object cannot have a namespaced owner. */
export class InvalidOwnerError extends Error {
  override readonly name = 'InvalidOwnerError';
}

export interface OwnerReferenceOptions {
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** An owner reference to `owner`; throws `TypeError` when the owner lacks what a reference needs. */
export function ownerReferenceFor(owner: OwnerObject, options: OwnerReferenceOptions = {}): OwnerReference {
  const { apiVersion, kind } = owner;
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!apiVersion || !kind || !name || !uid) {
    throw new TypeError(
      'an owner reference needs apiVersion, kind, metadata.name and metadata.uid on the owner ' +
        '(read the owner from the API server first)',
    );
  }
  const ref: OwnerReference = { apiVersion, kind, name, uid };
  if (options.controller !== undefined) ref.controller = options.controller;
  if (options.blockOwnerDeletion !== undefined) ref.blockOwnerDeletion = options.blockOwnerDeletion;
  return ref;
}

/** The reference with `controller: true`, if any. */
export function getControllerOf(obj: OwnedObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/**
 * Whether two references point at the same object. Upstream compares API group (not version: an owner read
 * at another version is still the same object), kind and name; when both sides carry a UID it must match
 * too, so a reference to a deleted owner does not count for a new one that reuses the name.
 */
export function referSameObject(a: OwnerReference, b: OwnerReference): boolean {
  if (a.uid && b.uid && a.uid !== b.uid) return false;
  return sameGroupKindName(a, b);
}

function sameGroupKindName(a: OwnerReference, b: OwnerReference): boolean {
  return (
    parseApiVersion(a.apiVersion).group === parseApiVersion(b.apiVersion).group &&
    a.kind === b.kind &&
    a.name === b.name
  );
}

function refOf(owner: OwnerObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
  };
}

/** Whether `owner` is the controller of `obj` (see `referSameObject` for how they are matched). */
export function isControlledBy(obj: OwnedObject, owner: OwnerObject): boolean {
  const controller = getControllerOf(obj);
  return controller !== undefined && referSameObject(controller, refOf(owner));
}

/** Whether `obj` has any owner reference (controller or not) to `owner`. */
export function hasOwnerReference(obj: OwnedObject, owner: OwnerObject): boolean {
  const ref = refOf(owner);
  return obj.metadata?.ownerReferences?.some((r) => referSameObject(r, ref)) ?? false;
}

/**
 * Whether `obj` has an owner of this kind in this API group; the version in `apiVersion` is ignored.
 * Accepts `{ apiVersion, kind }` or `{ group, kind }`.
 */
export function hasOwnerOfKind(
  obj: OwnedObject,
  type: { apiVersion: string; kind: string } | { group: string; kind: string },
): boolean {
  const group = 'group' in type ? type.group : parseApiVersion(type.apiVersion).group;
  return (
    obj.metadata?.ownerReferences?.some(
      (r) => r.kind === type.kind && parseApiVersion(r.apiVersion).group === group,
    ) ?? false
  );
}

/**
 * Makes `owner` the controller of `obj` (controller and blockOwnerDeletion set), replacing an existing
 * reference to the same owner in place. Throws `AlreadyOwnedError` when a different object controls `obj`,
 * and `InvalidOwnerError` for owners across namespaces. Returns whether `obj` changed.
 */
export function setControllerReference(owner: OwnerObject, obj: OwnedObject): boolean {
  validateOwner(owner, obj);
  const ref = ownerReferenceFor(owner, { controller: true, blockOwnerDeletion: true });
  const existing = getControllerOf(obj);
  // Same group/kind/name but another UID is the owner recreated under the same name; taking over is upstream's behaviour.
  if (existing && !sameGroupKindName(existing, ref)) {
    throw new AlreadyOwnedError({ namespace: obj.metadata?.namespace, name: obj.metadata?.name }, existing);
  }
  return upsertOwnerReference(obj, ref);
}

/**
 * Adds a non-controller reference to `owner` (or refreshes an existing one, keeping its controller flag).
 * Returns whether `obj` changed.
 */
export function setOwnerReference(owner: OwnerObject, obj: OwnedObject): boolean {
  validateOwner(owner, obj);
  const ref = ownerReferenceFor(owner);
  const current = obj.metadata?.ownerReferences?.find((r) => sameGroupKindName(r, ref));
  if (current?.controller !== undefined) ref.controller = current.controller;
  if (current?.blockOwnerDeletion !== undefined) ref.blockOwnerDeletion = current.blockOwnerDeletion;
  return upsertOwnerReference(obj, ref);
}

/** Removes every reference to `owner`; returns whether `obj` changed. */
export function removeOwnerReference(owner: OwnerObject, obj: OwnedObject): boolean {
  const refs = obj.metadata?.ownerReferences;
  if (!refs) return false;
  const target = refOf(owner);
  const kept = refs.filter((r) => !referSameObject(r, target));
  if (kept.length === refs.length) return false;
  obj.metadata!.ownerReferences = kept;
  return true;
}

function upsertOwnerReference(obj: OwnedObject, ref: OwnerReference): boolean {
  obj.metadata ??= {};
  const refs = obj.metadata.ownerReferences ?? [];
  const index = refs.findIndex((r) => sameGroupKindName(r, ref));
  if (index < 0) {
    obj.metadata.ownerReferences = [...refs, ref];
    return true;
  }
  const current = refs[index]!;
  if (
    current.apiVersion === ref.apiVersion &&
    current.uid === ref.uid &&
    current.controller === ref.controller &&
    current.blockOwnerDeletion === ref.blockOwnerDeletion
  ) {
    return false;
  }
  obj.metadata.ownerReferences = refs.map((r, i) => (i === index ? ref : r));
  return true;
}

function validateOwner(owner: OwnerObject, obj: OwnedObject): void {
  const ownerNamespace = owner.metadata?.namespace;
  if (!ownerNamespace) return;
  const objNamespace = obj.metadata?.namespace;
  if (!objNamespace) {
    throw new InvalidOwnerError(
      `cluster-scoped resource must not have a namespace-scoped owner, owner's namespace ${ownerNamespace}`,
    );
  }
  if (objNamespace !== ownerNamespace) {
    throw new InvalidOwnerError(
      `cross-namespace owner references are disallowed, owner's namespace ${ownerNamespace}, obj's namespace ${objNamespace}`,
    );
  }
}
