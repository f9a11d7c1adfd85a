import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { type Result, TerminalError } from '../../../controller-runtime/controller/reconciler.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import {
  addFinalizer,
  hasFinalizer,
  removeFinalizer,
} from '../../../controller-runtime/helpers/finalizers.js';
import type { DeleteOutcome } from './backend.js';
import { backendNameOf } from './backend.js';

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
