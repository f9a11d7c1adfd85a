/**
 * A time budget for code that user data or CRD authors control (CEL rules, regular expressions): the work runs
 * through a node:vm script with a timeout, which interrupts even a catastrophic regex or a runaway loop inside
 * synchronous code. Costs about 0.1 ms per guarded call, so callers guard a whole validation, not each rule.
 */
import vm from 'node:vm';

const context = vm.createContext(Object.create(null) as object);
const script = new vm.Script('run()', { filename: 'admission-guard.vm' });
let depth = 0;

/** Runs `fn` with a time limit; `{ timedOut: true }` when it was stopped. Nested calls share the outer limit. */
export function runGuarded<T>(
  fn: () => T,
  timeoutMs: number,
): { timedOut: false; value: T } | { timedOut: true } {
  if (depth > 0) return { timedOut: false, value: fn() };
  const ctx = context as { run?: () => T };
  ctx.run = fn;
  depth++;
  try {
    const value = script.runInContext(context, { timeout: Math.max(1, Math.floor(timeoutMs)) }) as T;
    return { timedOut: false, value };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { timedOut: true };
    throw err;
  } finally {
    depth--;
    ctx.run = undefined;
  }
}
