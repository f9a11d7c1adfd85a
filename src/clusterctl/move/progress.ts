/** The phases a move reports, in the order they happen. */
export type MovePhase =
  | 'discover'
  | 'preflight'
  | 'pause'
  | 'wait'
  | 'create'
  | 'commit'
  | 'delete'
  | 'unpause'
  | 'write'
  | 'read'
  | 'done';

/** One human line for the CLI: a phase starting, or one object handled. */
export interface MoveProgress {
  phase: MovePhase;
  message: string;
  /** One object handled (created, found, deleted, written): detail a person asks for with `--verbose`. */
  perObject?: boolean;
}

/** What every move operation takes besides its endpoints. */
export interface MoveHooks {
  signal?: AbortSignal;
  onProgress?: (event: MoveProgress) => void;
  /**
   * Called with the name of each write right before it is made (`pause:<ns>/<cluster>`,
   * `create:<Kind>/<ns>/<name>`, `commit:<ns>/<cluster>`, ...; see the README). Throwing stops the move
   * there, as if the process died: tests use it to interrupt a move at every point.
   */
  failpoint?: (step: string) => void | Promise<void>;
}

/** Runs before every write: honours the abort signal, then the failpoint. */
export async function beforeWrite(hooks: MoveHooks, step: string): Promise<void> {
  hooks.signal?.throwIfAborted();
  await hooks.failpoint?.(step);
}

export function report(hooks: MoveHooks, phase: MovePhase, message: string): void {
  hooks.onProgress?.({ phase, message });
}

/** `report` for one object handled. */
export function reportObject(hooks: MoveHooks, phase: MovePhase, message: string): void {
  hooks.onProgress?.({ phase, message, perObject: true });
}
