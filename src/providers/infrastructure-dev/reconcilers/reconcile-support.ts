import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { setCondition } from '../../../controller-runtime/conditions/index.js';
import { type Result, TerminalError } from '../../../controller-runtime/controller/reconciler.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import {
  addFinalizer,
  hasFinalizer,
  removeFinalizer,
} from '../../../controller-runtime/helpers/finalizers.js';
import { PatchHelper } from '../../../controller-runtime/helpers/patch-helper.js';
import type { DeleteOutcome } from './backend.js';
import { backendNameOf } from './backend.js';
import { CommonCondition, CommonReason } from '../../../core/api/v1beta2/well-known.js';

/**
 * Runs `body` on `obj` and patches what it changed afterwards, also when it threw (so the conditions that
 * explain a failure reach the user). A body error wins over a patch error; a patch error alone is thrown.
 */
export async function withPatch<T extends KubeObject>(
  client: Client,
  obj: T,
  ownedConditions: readonly string[],
  body: () => Promise<Result | undefined>,
  finish: (error: unknown) => void,
): Promise<Result | undefined> {
  const helper = PatchHelper.create(obj, client);
  let result: Result | undefined;
  let failure: { error: unknown } | undefined;
  try {
    result = await body();
  } catch (error) {
    failure = { error };
  }
  finish(failure?.error);
  try {
    await helper.patch(obj, { ownedConditions });
  } catch (patchError) {
    if (!failure) throw patchError;
  }
  if (failure) throw failure.error;
  return result;
}

/** Sets the v1beta2 `Paused` condition; returns whether the object is paused. */
export function setPausedCondition(obj: KubeObject, paused: boolean): boolean {
  setCondition(obj, {
    type: CommonCondition.Paused,
    status: paused ? 'True' : 'False',
    reason: paused ? CommonReason.Paused : CommonReason.NotPaused,
  });
  return paused;
}

/** A Warning event for a failed reconcile, with the error's text (the controller logs and retries it). */
export function recordFailure(
  recorder: EventRecorder,
  obj: KubeObject,
  reason: string,
  error: unknown,
): void {
  recorder.event(obj, 'Warning', reason, errorText(error));
}

/** What a thrown value says, for conditions and events. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** The backend an object's `spec.backend` names, or a terminal error saying which ones this process has. */
export function pickBackend<B>(
  obj: { spec?: { backend?: Record<string, unknown> } },
  backends: Partial<Record<string, B>>,
): B {
  const name = backendNameOf(obj);
  const backend = name ? backends[name] : undefined;
  if (backend) return backend;
  throw new TerminalError(
    name
      ? `the ${name} backend is not available in this process (available: ${Object.keys(backends).join(', ')})`
      : 'spec.backend names no backend',
  );
}

/**
 * The finalizer protocol around a backend: while deleting, the backend releases the infrastructure and the
 * finalizer goes once it says it is done; otherwise the finalizer is added before anything is provisioned.
 */
export async function reconcileWithFinalizer<S>(
  obj: KubeObject,
  finalizer: string,
  backend: {
    reconcileNormal(scope: S): Promise<Result | undefined>;
    reconcileDelete(scope: S): Promise<DeleteOutcome>;
  },
  scope: S,
): Promise<Result | undefined> {
  if (obj.metadata.deletionTimestamp) {
    if (!hasFinalizer(obj, finalizer)) return undefined;
    const outcome = await backend.reconcileDelete(scope);
    if (outcome.done) removeFinalizer(obj, finalizer);
    return outcome.result;
  }
  addFinalizer(obj, finalizer);
  return backend.reconcileNormal(scope);
}
