/**
 * The manager chain of apimachinery's `NewDefaultFieldManager` over structured-merge-diff's `merge.Updater`:
 * ownership bookkeeping for updates, merge + prune + conflict detection for applies, metadata stripping,
 * timestamps, the `before-first-apply` manager and the cap on Update entries.
 */
import type { KubeObject } from '../registry/resource-definition.js';
import { type FieldPath, compareStrings, fieldPath, valuesEqual } from './field-path.js';
import { FieldSet } from './field-set.js';
import {
  type Managed,
  type VersionedSet,
  capUpdateManagers,
  cloneManaged,
  formatTime,
  managerIdentifier,
} from './managed-fields-codec.js';
import type { FieldConflict } from './apply-conflict-error.js';
import type { SchemaNode } from './type-resolver.js';
import {
  type Comparison,
  compareTyped,
  dropIntroducedNulls,
  ensureNamedFieldsAreMembers,
  mergeTyped,
  removeItems,
  toFieldSet,
} from './typed-value.js';

/** What every step needs to know about the request. */
export interface CoreContext {
  root: SchemaNode;
  apiVersion: string;
  subresource: string | undefined;
  /** Fields the endpoint's strategy resets (status through the main resource...): never owned, never conflicting. */
  ignored: FieldSet | undefined;
  now: Date;
}

/** Conflicts found by an apply without force. */
export class ConflictsFound extends Error {
  readonly conflicts: readonly FieldConflict[];
  constructor(conflicts: readonly FieldConflict[]) {
    super(`${conflicts.length} conflicts`);
    this.name = 'ConflictsFound';
    this.conflicts = conflicts;
  }
}

type Managers = Map<string, VersionedSet>;

/** Fields never recorded in managedFields (`stripMetaManager`). */
const STRIPPED = FieldSet.of(
  fieldPath('apiVersion'),
  fieldPath('kind'),
  fieldPath('metadata'),
  fieldPath('metadata', 'name'),
  fieldPath('metadata', 'namespace'),
  fieldPath('metadata', 'creationTimestamp'),
  fieldPath('metadata', 'selfLink'),
  fieldPath('metadata', 'uid'),
  fieldPath('metadata', 'clusterName'),
  fieldPath('metadata', 'generation'),
  fieldPath('metadata', 'managedFields'),
  fieldPath('metadata', 'resourceVersion'),
);

const CURRENT_OPERATION = 'current-operation';
const BEFORE_FIRST_APPLY = 'before-first-apply';

function strip(managers: Managers, id: string): void {
  const vs = managers.get(id);
  if (!vs) return;
  const set = vs.set.difference(STRIPPED);
  if (set.empty()) managers.delete(id);
  else managers.set(id, { ...vs, set });
}

function filtered(c: Comparison, ignored: FieldSet | undefined): Comparison {
  if (!ignored || ignored.empty()) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

/**
 * `Updater.update`: the other managers lose the fields `next` changes (those are conflicts unless forced) and
 * the fields it removes.
 */
function transferOwnership(
  live: unknown,
  next: unknown,
  ctx: CoreContext,
  managers: Managers,
  workflow: string,
  force: boolean,
): Comparison {
  const cmp = filtered(compareTyped(live, next, ctx.root), ctx.ignored);
  const changed = cmp.modified.union(cmp.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, vs] of managers) {
    if (id === workflow) continue;
    const c = vs.set.intersection(changed);
    if (!c.empty()) conflicts.set(id, c);
  }
  if (!force && conflicts.size > 0) {
    const found: FieldConflict[] = [];
    for (const id of [...conflicts.keys()].sort(compareStrings)) {
      for (const path of (conflicts.get(id) as FieldSet).paths()) found.push({ managerId: id, path });
    }
    throw new ConflictsFound(found);
  }
  for (const [id, vs] of managers) {
    if (id === workflow) {
      if (vs.set.empty()) managers.delete(id);
      continue;
    }
    let set = vs.set;
    const lost = conflicts.get(id);
    if (lost) set = set.difference(lost);
    set = set.difference(cmp.removed);
    if (set.empty()) managers.delete(id);
    else if (set !== vs.set) managers.set(id, { ...vs, set });
  }
  return cmp;
}

/** `Updater.Update`: a non-apply write; `manager` takes what changed and keeps what it had. */
function updaterUpdate(
  live: unknown,
  next: unknown,
  ctx: CoreContext,
  managers: Managers,
  manager: string,
): void {
  const cmp = transferOwnership(live, next, ctx, managers, manager, true);
  const previous = managers.get(manager)?.set ?? new FieldSet();
  let set = previous.difference(cmp.removed).union(cmp.modified).union(cmp.added);
  if (ctx.ignored) set = set.recursiveDifference(ctx.ignored);
  if (set.empty()) managers.delete(manager);
  else managers.set(manager, { set, apiVersion: ctx.apiVersion, applied: false });
}

/**
 * `Updater.Apply`: merges the configuration, records it as the applier's set, prunes what the applier
 * dropped since last time, then settles ownership (throwing ConflictsFound). Returns undefined for a no-op.
 */
function updaterApply(
  live: KubeObject,
  config: KubeObject,
  ctx: CoreContext,
  managers: Managers,
  manager: string,
  force: boolean,
): KubeObject | undefined {
  const merged = (mergeTyped(live, config, ctx.root) ?? {}) as KubeObject;
  const lastSet = managers.get(manager);
  let set = toFieldSet(config, ctx.root);
  if (ctx.ignored) set = set.recursiveDifference(ctx.ignored);
  managers.set(manager, { set, apiVersion: ctx.apiVersion, applied: true });
  const pruned = prune(merged, managers, lastSet, ctx.root);
  transferOwnership(live, pruned, ctx, managers, manager, force);
  if (valuesEqual(live, pruned)) return undefined;
  return dropIntroducedNulls(pruned, merged, ctx.root) as KubeObject;
}

/**
 * Removes what the applier applied last time but not now, unless some manager (the applier's new set
 * included) still owns it, and never anything the applier did not own (`prune`, `addBackOwnedItems`,
 * `addBackDanglingItems`).
 */
function prune(merged: KubeObject, managers: Managers, lastSet: VersionedSet | undefined, root: SchemaNode) {
  if (!lastSet || lastSet.set.empty()) return merged;
  const ensure = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(s, root);
  const remove = (s: FieldSet): KubeObject => {
    const out = removeItems(merged, s, root);
    return typeof out === 'object' && out !== null && !Array.isArray(out) ? (out as KubeObject) : {};
  };

  let pruned = remove(ensure(lastSet.set));

  let owned = new FieldSet();
  for (const vs of managers.values()) owned = owned.union(vs.set);
  const mergedSet = ensure(toFieldSet(merged, root));
  pruned = remove(mergedSet.difference(ensure(toFieldSet(pruned, root)).union(ensure(owned))));

  const removedNow = mergedSet.difference(ensure(toFieldSet(pruned, root)));
  return remove(removedNow.intersection(ensure(lastSet.set)));
}

/** `managedFieldsUpdater.Update` over `stripMetaManager` and `Updater.Update`, then the Update cap. */
export function updateCore(
  live: unknown,
  next: unknown,
  managed: Managed,
  manager: string,
  ctx: CoreContext,
): void {
  const id = managerIdentifier({
    manager: manager || 'unknown',
    operation: 'Update',
    apiVersion: ctx.apiVersion,
    ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
  });
  updaterUpdate(live, next, ctx, managed.fields, CURRENT_OPERATION);
  strip(managed.fields, CURRENT_OPERATION);
  const current = managed.fields.get(CURRENT_OPERATION);
  if (current) {
    // The write took fields, so the object changed: stamp the manager and fold into its previous entry.
    managed.fields.delete(CURRENT_OPERATION);
    const previous = managed.fields.get(id);
    managed.fields.set(id, {
      set: previous ? current.set.union(previous.set) : current.set,
      apiVersion: current.apiVersion,
      applied: false,
    });
    managed.times.set(id, formatTime(ctx.now));
  }
  capUpdateManagers(managed);
}

/**
 * One apply through `skipNonAppliedManager` (an untracked object is first attributed to
 * `before-first-apply`), `managedFieldsUpdater`, `stripMetaManager` and `Updater.Apply`. Mutates `managed`;
 * returns the new object, or undefined when nothing changed.
 */
function applyCore(
  live: KubeObject,
  config: KubeObject,
  managed: Managed,
  manager: string,
  force: boolean,
  ctx: CoreContext,
): KubeObject | undefined {
  if (managed.fields.size === 0) {
    const empty: KubeObject = {};
    if (live.apiVersion !== undefined) empty.apiVersion = live.apiVersion;
    if (live.kind !== undefined) empty.kind = live.kind;
    updateCore(empty, live, managed, BEFORE_FIRST_APPLY, ctx);
  }
  const id = managerIdentifier({
    manager: manager || 'unknown',
    operation: 'Apply',
    ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
  });
  const result = updaterApply(live, config, ctx, managed.fields, id, force);
  strip(managed.fields, id);
  if (result !== undefined) managed.times.set(id, formatTime(ctx.now));
  return result;
}

export interface ApplyAttempt {
  object: KubeObject | undefined;
  managed: Managed;
}

/** Runs `applyCore` on a copy of `managed`, so that a failed attempt leaves it untouched. */
export function tryApply(
  live: KubeObject,
  config: KubeObject,
  managed: Managed,
  manager: string,
  force: boolean,
  ctx: CoreContext,
): ApplyAttempt {
  const copy = cloneManaged(managed);
  const object = applyCore(live, config, copy, manager, force, ctx);
  return { object, managed: copy };
}

/** The field-name paths of `paths` as a set. */
export function pathsToSet(paths: readonly (readonly string[])[]): FieldSet | undefined {
  if (paths.length === 0) return undefined;
  return FieldSet.of(...paths.map((p): FieldPath => fieldPath(...p)));
}
