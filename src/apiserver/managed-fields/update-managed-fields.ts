import type { KubeObject, ManagedFieldsEntry } from '../registry/resource-definition.js';
import { type CoreContext, pathsToSet, updateCore } from './field-manager-core.js';
import {
  type Managed,
  ManagedFieldsDecodeError,
  decodeManagedFields,
  emptyManaged,
  encodeManagedFields,
  isResetManagedFields,
} from './managed-fields-codec.js';
import { defaultResetFields } from './reset-fields.js';
import type { TypeResolver } from './type-resolver.js';
import { TypedValueError } from './typed-value.js';

export interface UpdateManagedFieldsInput {
  /** The stored object; undefined on create. */
  previous: KubeObject | undefined;
  /** The object about to be stored, possibly carrying managedFields the client wrote. */
  next: KubeObject;
  /** The field manager (`?fieldManager=`, else the User-Agent prefix); empty means `unknown`. */
  manager: string;
  operation?: 'Update';
  apiVersion: string;
  subresource?: string;
  resolver: TypeResolver;
  now: Date;
  /** Whether the kind has a status subresource (then the main resource does not own `status`). */
  statusSubresource?: boolean;
  /** Field-name paths the endpoint resets; defaults from `subresource` and `statusSubresource`. */
  resetFields?: readonly (readonly string[])[];
}

/**
 * The managedFields after a create, update or non-apply patch (`FieldManager.UpdateNoErrors`): the manager
 * takes the fields it added or changed (its entry merged with its earlier one and stamped now), removed
 * fields leave every entry, and emptied entries go.
 *
 * managedFields in `next` replace the stored tracking when they decode (how kubectl migrates client-side
 * apply ownership), `[]` or `[{}]` clear it. An existing object without tracking stays untracked until the
 * next apply. On failure the stored managedFields are kept. Returns `[]` when nothing is tracked.
 */
export function updateManagedFields(input: UpdateManagedFieldsInput): ManagedFieldsEntry[] {
  const previous: KubeObject = input.previous ?? {};
  const keep = (): ManagedFieldsEntry[] => structuredClone(previous.metadata?.managedFields ?? []);
  const managed = liveOrNew(previous, input.next, Boolean(input.subresource));

  const isCreate = input.previous === undefined || !input.previous.metadata?.uid;
  // An existing object nobody tracks stays untracked (skipNonAppliedManager).
  if (managed.fields.size === 0 && !isCreate) return [];

  const resetPaths = input.resetFields ?? defaultResetFields(input.subresource, input.statusSubresource);
  const ctx: CoreContext = {
    root: input.resolver.root,
    apiVersion: input.apiVersion,
    subresource: input.subresource,
    ignored: pathsToSet(resetPaths),
    now: input.now,
  };
  try {
    updateCore(withoutManagedFields(previous), withoutManagedFields(input.next), managed, input.manager, ctx);
  } catch (err) {
    if (err instanceof TypedValueError) return keep();
    throw err;
  }
  return encodeManagedFields(managed);
}

/**
 * `decodeLiveOrNew`: the tracking the request brings, unless it writes a subresource, brings none, or brings
 * something undecodable; then the stored tracking.
 */
function liveOrNew(previous: KubeObject, next: KubeObject, isSubresource: boolean): Managed {
  const decodeOrEmpty = (entries: ManagedFieldsEntry[] | undefined): Managed => {
    try {
      return decodeManagedFields(entries);
    } catch (err) {
      if (err instanceof ManagedFieldsDecodeError) return emptyManaged();
      throw err;
    }
  };
  const stored = previous.metadata?.managedFields;
  if (isSubresource) return decodeOrEmpty(stored);
  const incoming = next.metadata?.managedFields as unknown;
  if (isResetManagedFields(incoming)) return emptyManaged();
  if (Array.isArray(incoming)) {
    try {
      const managed = decodeManagedFields(incoming as ManagedFieldsEntry[]);
      if (managed.fields.size > 0) return managed;
    } catch (err) {
      if (!(err instanceof ManagedFieldsDecodeError)) throw err;
    }
  }
  return decodeOrEmpty(stored);
}

function withoutManagedFields(obj: KubeObject): KubeObject {
  if (!obj.metadata || obj.metadata.managedFields === undefined) return obj;
  const { managedFields: _ignored, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
