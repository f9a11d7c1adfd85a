import { setTimeout as sleep } from 'node:timers/promises';
import { isConflict } from '../../../controller-runtime/client/errors.js';

/**
 * Runs `attempt` again (with a fresh read inside it) when its write lost a race, as client-go's RetryOnConflict
 * with DefaultBackoff does: five tries, about 10 ms apart. Other errors, and the fifth conflict, are thrown.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const tries = 5;
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isConflict(err) || i >= tries) throw err;
    }
    await sleep(10 + Math.random(), undefined, signal ? { signal } : undefined);
  }
}
