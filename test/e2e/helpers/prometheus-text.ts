// Reads the Prometheus text exposition format (what `/metrics` serves) into samples a test can query.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

const unescape = (v: string): string => v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** Every sample line of an exposition (comments and blank lines skipped). Throws on a line it cannot read. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (!name) throw new Error(`not a sample line: ${line}`);
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      let at = 1;
      for (let m: RegExpExecArray | null; ; at = LABEL.lastIndex) {
        LABEL.lastIndex = at;
        if (!(m = LABEL.exec(rest))) break;
        labels[m[1]!] = unescape(m[2]!);
      }
      if (rest[at] !== '}') throw new Error(`bad label set: ${line}`);
      rest = rest.slice(at + 1);
    }
    const value = rest.trim().split(/\s+/)[0]!;
    out.push({
      name,
      labels,
      value: value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value),
    });
  }
  return out;
}

/** The samples of `name` whose labels include every pair of `match` (a RegExp matches the whole value). */
export function select(
  samples: readonly Sample[],
  name: string,
  match: Record<string, string | RegExp> = {},
): Sample[] {
  return samples.filter(
    (s) =>
      s.name === name &&
      Object.entries(match).every(([k, v]) => {
        const actual = s.labels[k] ?? '';
        return typeof v === 'string' ? actual === v : new RegExp(`^(?:${v.source})$`).test(actual);
      }),
  );
}

/** Sum of the selected samples' values (0 when none). */
export const sumOf = (
  samples: readonly Sample[],
  name: string,
  match: Record<string, string | RegExp> = {},
): number => select(samples, name, match).reduce((a, s) => a + s.value, 0);
