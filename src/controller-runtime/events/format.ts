import { inspect } from 'node:util';

/**
 * A small `fmt.Sprintf` for event messages, so messages ported from Go controllers read the same:
 * `%s`, `%v`, `%+v`, `%d`, `%f`, `%q`, `%t`, `%T`, `%w` and `%%`. Widths and precisions are accepted and
 * ignored. Missing arguments print `%!v(MISSING)` and extra ones are appended, as Go does.
 */
export function sprintf(format: string, ...args: unknown[]): string {
  let next = 0;
  const out = format.replace(
    /%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g,
    (match, _flags, _width, precision: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (next >= args.length) return `%!${verb}(MISSING)`;
      const arg = args[next++];
      switch (verb) {
        case 's':
        case 'v':
        case 'w':
          return stringify(arg);
        case 'd':
          return typeof arg === 'number' || typeof arg === 'bigint'
            ? String(typeof arg === 'number' ? Math.trunc(arg) : arg)
            : stringify(arg);
        case 'f':
          return typeof arg === 'number'
            ? arg.toFixed(precision === undefined ? 6 : Number(precision))
            : stringify(arg);
        case 'q':
          return JSON.stringify(stringify(arg));
        case 't':
          return String(arg);
        case 'T':
          return arg === null ? 'null' : Array.isArray(arg) ? 'array' : typeof arg;
        default:
          return match;
      }
    },
  );
  if (next < args.length) {
    return `${out}%!(EXTRA ${args.slice(next).map(stringify).join(', ')})`;
  }
  return out;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  if (value === undefined || value === null || typeof value !== 'object') return String(value);
  return inspect(value, { depth: 4, breakLength: Infinity });
}
