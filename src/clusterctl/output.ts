import { stringify } from 'yaml';

/**
 * Colours only for people: on a terminal, unless `NO_COLOR` is set (https://no-color.org: any non-empty
 * value) or the user said `--no-color`; `FORCE_COLOR` or `--color` force them (for `less -R`).
 */
export function useColor(options: { flag?: boolean; isTTY: boolean; env?: NodeJS.ProcessEnv }): boolean {
  const env = options.env ?? process.env;
  if (options.flag !== undefined) return options.flag;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return options.isTTY && env.TERM !== 'dumb';
}

/** Output formats a machine reads. */
export type MachineFormat = 'yaml' | 'json';

/** kubectl's `-o yaml` / `-o json` rendering of any value. */
export function formatAs(format: MachineFormat, value: unknown): string {
  return format === 'json' ? JSON.stringify(value, null, 2) + '\n' : stringify(value, { lineWidth: 0 });
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
/** The text without colour escapes. */
export const stripAnsi = (text: string): string => text.replace(ANSI, '');
/** Printed width: colour escapes take no room. */
export const visibleWidth = (text: string): number => stripAnsi(text).length;

/**
 * A table as kubectl prints one: upper-case headers, columns padded to the widest cell plus three spaces, the
 * last column unpadded. Cells may carry colour escapes.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleWidth(cell) + 3),
      )
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `4s`, `3m`, `2h`, `5d` — kubectl's short ages. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
