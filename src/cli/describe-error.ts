/**
 * The one line a failed command prints (`error: ...`), with the chain of causes and the stack under
 * `--verbose`. Messages of our errors are written for people already; nothing here matches on their text.
 */
export function describeError(err: unknown, options: { verbose: boolean }): string {
  const message = err instanceof Error ? err.message : String(err);
  let out = `error: ${message}\n`;
  if (options.verbose) {
    let cause: unknown = err;
    while (cause instanceof Error) {
      out += `${cause.stack ?? `${cause.name}: ${cause.message}`}\n`;
      cause = cause.cause;
      if (cause !== undefined) out += 'caused by: ';
    }
    if (cause !== undefined) out += `${JSON.stringify(cause)}\n`;
  }
  return out;
}
