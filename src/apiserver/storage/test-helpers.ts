import type { KvEvent, WatchHandle, WatchListener, WatchOptions } from './key-value.js';
import type { RevisionedStore } from './revisioned-store.js';

/** Shared by this folder's tests: a watch that records what it receives. */
export interface Recorder {
  events: KvEvent[];
  progress: number[];
  /** undefined while open; null after a clean close; the error otherwise. */
  closedWith: Error | null | undefined;
  handle: WatchHandle;
}

export function record(
  store: RevisionedStore,
  prefix: string,
  fromRevision: number,
  options: WatchOptions & { onEvent?: WatchListener['onEvent'] } = {},
): Recorder {
  const rec: Recorder = { events: [], progress: [], closedWith: undefined, handle: undefined as never };
  const { onEvent, ...watchOptions } = options;
  rec.handle = store.watch(
    prefix,
    fromRevision,
    {
      onEvent: (event) => {
        rec.events.push(event);
        return onEvent?.(event);
      },
      onClose: (err) => {
        if (rec.closedWith !== undefined) throw new Error('onClose called twice');
        rec.closedWith = err ?? null;
      },
      onProgress: (revision) => rec.progress.push(revision),
    },
    watchOptions,
  );
  return rec;
}

/** Polls `condition` on every turn of the event loop until it holds or `timeoutMs` passes. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets the event loop run for a few turns so anything scheduled gets its chance. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
