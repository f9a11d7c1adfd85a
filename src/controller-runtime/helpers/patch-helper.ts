import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject, ObjectKey, TypeRef } from '../api/object.js';
import { objectKeyOf, typeRefOf } from '../api/object.js';
import type { Client } from '../client/client.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { type Condition, getConditions } from '../conditions/condition.js';
import {
  applyConditionChanges,
  type ConditionChange,
  diffConditions,
} from '../conditions/condition-patch.js';
import {
  createMergePatch,
  deepClone,
  deepEqual,
  isEmptyPatch,
  isJsonObject,
  type JsonObject,
} from '../util/merge-patch.js';

export interface PatchHelperOptions {
  /**
   * How often the conditions patch is retried when the object changed between our read and our write
   * (default 5), and the base delay between attempts (default 100 ms, randomly stretched up to twice that
   * so competing controllers do not retry in lockstep). Upstream uses the same numbers.
   */
  conflictRetries?: number;
  conflictBaseDelayMs?: number;
}

export interface PatchCallOptions {
  /** Condition types this controller owns: on a conflict its value wins instead of failing. */
  ownedConditions?: readonly string[];
  /** Every condition counts as owned (only for the one controller that manages the object). */
  forceOverwriteConditions?: boolean;
  /** Sets `status.observedGeneration` to `metadata.generation` before computing what changed. */
  setObservedGeneration?: boolean;
  signal?: AbortSignal;
}

/** More than one of the patch helper's requests failed; `errors` holds each, in the order they were sent. */
export class PatchErrors extends AggregateError {
  override readonly name = 'PatchErrors';
}

/** The object given to `patch` is not the one the helper was created for. */
export class PatchTargetMismatchError extends Error {
  override readonly name = 'PatchTargetMismatchError';
}

/**
 * Writes back what a reconciler changed on an object, and nothing else (upstream `patch.Helper`).
 *
 * `create` snapshots the object as read; `patch` compares the reconciler's copy with the snapshot and sends
 * up to three requests, each only when it has something to say:
 *
 * 1. a JSON merge patch of everything outside `status` (metadata such as labels, annotations, finalizers,
 *    owner references; spec; other top-level fields), without a resourceVersion, so it does not fail just
 *    because a status writer got in first;
 * 2. a merge patch to the status subresource for status fields other than `conditions`;
 * 3. the conditions, merged per type: the types this reconciler added, changed or removed are replayed onto
 *    the server's latest copy and written with `metadata.resourceVersion` as an optimistic lock, retrying on
 *    conflicts. Two controllers setting different conditions on one object therefore both land; when someone
 *    else changed the same condition to a different value, `ConditionConflictError` is thrown unless the type
 *    is in `ownedConditions`.
 *
 * After a successful patch the caller's object holds the server's answer (new resourceVersion, other writers'
 * conditions) and becomes the new snapshot, so the helper can be used again.
 */
export class PatchHelper<T extends KubeObject = KubeObject> {
  readonly #client: Client;
  readonly #type: TypeRef;
  readonly #key: ObjectKey;
  readonly #retries: number;
  readonly #baseDelayMs: number;
  #before: T;

  private constructor(obj: T, client: Client, options: PatchHelperOptions) {
    this.#client = client;
    this.#type = typeRefOf(obj);
    this.#key = objectKeyOf(obj);
    this.#before = deepClone(obj);
    this.#retries = Math.max(1, options.conflictRetries ?? 5);
    this.#baseDelayMs = options.conflictBaseDelayMs ?? 100;
  }

  /** Snapshots `obj` (a deep copy). It must carry apiVersion, kind and name. */
  static create<T extends KubeObject>(
    obj: T,
    client: Client,
    options: PatchHelperOptions = {},
  ): PatchHelper<T> {
    return new PatchHelper(obj, client, options);
  }

  /**
   * Sends what changed since the snapshot. Every request is attempted even when an earlier one fails (so a
   * rejected spec change does not also lose the status); one failure is rethrown as is, several as
   * `PatchErrors`. On failure the caller's object is left as it was.
   */
  async patch(obj: T, options: PatchCallOptions = {}): Promise<void> {
    const type = typeRefOf(obj);
    const key = objectKeyOf(obj);
    if (
      type.kind !== this.#type.kind ||
      key.name !== this.#key.name ||
      (key.namespace ?? '') !== (this.#key.namespace ?? '')
    ) {
      throw new PatchTargetMismatchError(
        `patch helper for ${this.#type.kind} ${this.#key.name} was given ${type.kind} ${key.name}`,
      );
    }
    if (options.setObservedGeneration && obj.metadata.generation !== undefined) {
      setObservedGeneration(obj, obj.metadata.generation);
    }

    const before = this.#before as KubeObject;
    const after = deepClone(obj) as KubeObject;
    const signal = options.signal;
    const errors: unknown[] = [];
    let latest: KubeObject | undefined;
    // The last finalizer going away lets the server delete the object; later writes then find nothing to write to.
    const mayBeGone = (err: unknown): boolean =>
      isNotFound(err) && !!after.metadata.deletionTimestamp && (after.metadata.finalizers ?? []).length === 0;

    const metadataAndSpec = createMergePatch(withoutStatus(before), withoutStatus(after));
    if (!isEmptyPatch(metadataAndSpec)) {
      try {
        latest = await this.#client.patch(after, { type: 'merge', data: metadataAndSpec }, { signal });
      } catch (err) {
        errors.push(err);
      }
    }

    const status = createMergePatch(statusWithoutConditions(before), statusWithoutConditions(after));
    if (!isEmptyPatch(status)) {
      try {
        latest = await this.#client.patchStatus(after, { type: 'merge', data: { status } }, { signal });
      } catch (err) {
        if (!mayBeGone(err)) errors.push(err);
      }
    }

    const changes = diffConditions(getConditions(before), getConditions(after));
    if (changes.length > 0) {
      try {
        latest = (await this.#patchConditions(changes, options)) ?? latest;
      } catch (err) {
        if (!mayBeGone(err)) errors.push(err);
      }
    }

    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new PatchErrors(
        errors,
        `${errors.length} patches of ${this.#type.kind} ${this.#key.name} failed`,
      );
    }
    if (latest) {
      replaceContents(obj, latest);
      this.#before = deepClone(obj);
    } else {
      // Nothing was sent (or the object is gone); what the caller holds is now what we compare against.
      this.#before = deepClone(obj);
    }
  }

  /**
   * Replays condition changes onto the latest copy under an optimistic lock. Returns the server's answer,
   * or the latest copy when it already matched (nothing sent).
   */
  async #patchConditions(
    changes: ConditionChange[],
    options: PatchCallOptions,
  ): Promise<KubeObject | undefined> {
    let lastConflict: unknown;
    for (let attempt = 0; attempt < this.#retries; attempt++) {
      if (attempt > 0) {
        await sleep(this.#baseDelayMs * (1 + Math.random()), undefined, { signal: options.signal });
      }
      const latest = await this.#client.get(this.#type, this.#key, { signal: options.signal });
      const current = getConditions(latest);
      const merged: Condition[] = applyConditionChanges(current, changes, {
        ownedConditionTypes: options.ownedConditions,
        forceOverwrite: options.forceOverwriteConditions,
      });
      if (deepEqual(merged, current)) return latest;
      try {
        return await this.#client.patchStatus(
          latest,
          {
            type: 'merge',
            data: {
              metadata: { resourceVersion: latest.metadata.resourceVersion },
              status: { conditions: merged as unknown as JsonObject[] },
            },
          },
          { signal: options.signal },
        );
      } catch (err) {
        if (!isConflict(err)) throw err;
        lastConflict = err;
      }
    }
    throw lastConflict;
  }
}

function withoutStatus(obj: KubeObject): JsonObject {
  const { status: _status, ...rest } = obj;
  const copy = rest as JsonObject;
  // A stale resourceVersion in a merge patch would turn it into an optimistic lock; spec writes should not be one.
  if (isJsonObject(copy.metadata) && copy.metadata.resourceVersion !== undefined) {
    const { resourceVersion: _rv, ...metadata } = copy.metadata;
    return { ...copy, metadata };
  }
  return copy;
}

function statusWithoutConditions(obj: KubeObject): JsonObject {
  if (!isJsonObject(obj.status)) return {};
  const { conditions: _conditions, ...rest } = obj.status;
  return rest;
}

function setObservedGeneration(obj: KubeObject, generation: number): void {
  if (!isJsonObject(obj.status)) obj.status = {};
  (obj.status as { observedGeneration?: number }).observedGeneration = generation;
}

/** Makes `target` a copy of `source` in place, so references the caller holds see the server's answer. */
function replaceContents(target: KubeObject, source: KubeObject): void {
  const fresh = deepClone(source);
  for (const key of Object.keys(target)) {
    if (!(key in fresh)) delete target[key];
  }
  Object.assign(target, fresh);
}
