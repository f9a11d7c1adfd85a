import type { Logger } from 'pino';
import type { ObjectKey } from '../api/object.js';

/** What a reconciler is asked to converge: one object, by key. It never learns which event woke it. */
export type Request = ObjectKey;

/**
 * What a reconcile asks for next. Nothing (or `{}`) means done until the next change; `requeueAfterMs`
 * comes back after that delay; `requeue` comes back with the rate limiter's backoff.
 */
export interface Result {
  requeue?: boolean;
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  /** A child logger carrying `controller`, `kind`, `namespace`, `name` and `reconcileID`. */
  log: Logger;
  /** Unique per call, so every line of one reconcile can be found. */
  reconcileID: string;
  /** Aborts when the manager gives up waiting for in-flight work at shutdown. */
  signal: AbortSignal;
}

export interface Reconciler {
  reconcile(request: Request, context: ReconcileContext): Promise<Result | undefined | void>;
}

/**
 * An error retrying cannot fix (bad input the user must change): the controller records it and does not
 * requeue; the next change to the object brings it back.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

export const isTerminalError = (err: unknown): err is TerminalError => err instanceof TerminalError;
