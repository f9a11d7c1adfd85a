/**
 * RE2 (Go regexp) patterns run on JavaScript's engine: the common RE2-only spellings are translated, and the
 * constructs RE2 rejects (look-around, back-references) are rejected here too, as kube-apiserver does at CRD
 * creation. Compiled patterns are cached.
 */

const cache = new Map<string, RegExp | Error>();
const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-/:-@[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function translate(pattern: string): { source: string; flags: string } {
  let source = pattern;
  let flags = '';
  const lead = /^(\^?)\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    for (const f of lead[2] ?? '') if (f !== 'U' && !flags.includes(f)) flags += f;
    source = (lead[1] ?? '') + source.slice(lead[0].length);
  }
  for (const bad of ['(?=', '(?!', '(?<=', '(?<!']) {
    if (source.includes(bad)) throw new Error(`invalid or unsupported Perl syntax: \`${bad}\``);
  }
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(source)) {
    const m = /\\[1-9]/.exec(source);
    throw new Error(`invalid escape sequence: \`${m?.[0] ?? '\\1'}\``);
  }
  source = source
    .replaceAll('(?P<', '(?<')
    .replace(/\\z/g, '$')
    .replace(/\\A/g, '^')
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, neg: string, name: string) => {
      const cls = POSIX_CLASSES[name];
      if (!cls) return whole;
      return neg ? `^${cls}` : cls;
    });
  return { source, flags };
}

/** V8's syntax errors in Go's regexp/syntax wording where there is an equivalent. */
function goRegexpError(err: unknown, pattern: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!message.startsWith('Invalid regular expression')) return message;
  const reason = message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  const quoted = `\`${pattern}\``;
  if (/Unterminated group/.test(reason)) return `missing closing ): ${quoted}`;
  if (/Unmatched '\)'/.test(reason)) return `unexpected ): ${quoted}`;
  if (/Unterminated character class/.test(reason)) return `missing closing ]: ${quoted}`;
  if (/Nothing to repeat/.test(reason)) return `missing argument to repetition operator: ${quoted}`;
  if (/Range out of order/.test(reason)) return `invalid character class range: ${quoted}`;
  return `${reason.charAt(0).toLowerCase()}${reason.slice(1)}: ${quoted}`;
}

/** Compiles an RE2 pattern; throws an Error with Go's wording (`error parsing regexp: ...`) when invalid. */
export function compileRE2(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit instanceof RegExp) return hit;
  if (hit) throw hit;
  let result: RegExp | Error;
  try {
    const { source, flags } = translate(pattern);
    try {
      result = new RegExp(source, `${flags}u`);
    } catch {
      result = new RegExp(source, flags);
    }
  } catch (err) {
    result = new Error(`error parsing regexp: ${goRegexpError(err, pattern)}`);
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, result);
  if (result instanceof Error) throw result;
  return result;
}
