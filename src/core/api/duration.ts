// Go's time.Duration text form, as metav1.Duration fields carry it ("10s", "1m30s", "250ms", "0s").

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** A duration field that is not a Go duration. */
export class InvalidDurationError extends Error {
  override readonly name = 'InvalidDurationError';
}

/** Parses a Go duration ("1h2m3.5s", "-5s", "0") into milliseconds, as time.ParseDuration accepts it. */
export function parseGoDuration(text: string): number {
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new InvalidDurationError(`invalid duration "${text}"`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== at) throw new InvalidDurationError(`invalid duration "${text}"`);
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return sign * total;
}

/** Formats milliseconds the way Go prints a Duration ("1m30s", "250ms", "0s"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${+rest.toFixed(3)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const secs = +(rest / 1000).toFixed(3);
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${secs}s`;
}
