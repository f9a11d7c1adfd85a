import { SelectorParseError, UnsupportedFieldSelectorError } from './selector-errors.js';

/**
 * Field selectors (`?fieldSelector=`, `kubectl --field-selector`) as apimachinery `pkg/fields/selector.go`
 * parses them: comma-separated `field=value`, `field==value` or `field!=value` terms, ANDed. Values escape
 * `\`, `,` and `=` with a backslash. Nothing is trimmed: `metadata.name = x` names the field
 * `metadata.name ` (which no resource supports). Terms are sorted as strings, empty terms skipped.
 */

export interface FieldSelectorRequirement {
  readonly field: string;
  /** `=` and `==` mean the same; kept apart only so {@link fieldSelectorToString} can echo the input. */
  readonly op: '=' | '==' | '!=';
  /** Unescaped. */
  readonly value: string;
}

/** Splits on unescaped commas; a backslash protects the next character. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

/** The first position holding an operator splits the term; `!=` and `==` win over `=` there. */
function splitTerm(
  term: string,
): { lhs: string; op: FieldSelectorRequirement['op']; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** Undoes {@link escapeFieldSelectorValue}; the error texts are apimachinery's. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // Go prints the rune with %v: its code point in decimal ("61" for '=').
    else if (c === ',' || c === '=')
      throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new Error('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** apimachinery `fields.EscapeValue`. */
export function escapeFieldSelectorValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Parses a field selector into its requirements (sorted, as upstream sorts the terms). Throws
 * {@link SelectorParseError}: `invalid selector: 'a'; can't understand 'a'`, `invalid field selector:
 * invalid escape sequence: \x`, `invalid field selector: unescaped character in value: 61`.
 */
export function parseFieldSelector(text: string): FieldSelectorRequirement[] {
  const terms = splitTerms(text).sort();
  const reqs: FieldSelectorRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (!split)
      throw new SelectorParseError('field', text, `invalid selector: '${text}'; can't understand '${term}'`);
    let value: string;
    try {
      value = unescapeValue(split.rhs);
    } catch (err) {
      throw new SelectorParseError('field', text, (err as Error).message);
    }
    reqs.push({ field: split.lhs, op: split.op, value });
  }
  return reqs;
}

/** AND of the requirements; a field missing from `fields` reads as "" (apimachinery `fields.Set.Get`). */
export function fieldSelectorMatches(
  reqs: readonly FieldSelectorRequirement[],
  fields: Readonly<Record<string, string>>,
): boolean {
  return reqs.every((r) => {
    const actual = Object.hasOwn(fields, r.field) ? (fields[r.field] ?? '') : '';
    return r.op === '!=' ? actual !== r.value : actual === r.value;
  });
}

/**
 * The value `field` must equal, when some requirement pins it with `=`/`==` (apimachinery
 * `RequiresExactMatch`); lets callers turn `metadata.name=x` into a single get or `metadata.namespace=y`
 * into a namespace scan.
 */
export function requiredValue(reqs: readonly FieldSelectorRequirement[], field: string): string | undefined {
  return reqs.find((r) => r.field === field && r.op !== '!=')?.value;
}

/**
 * Rejects requirements on fields the resource does not offer, in selector order, with
 * {@link UnsupportedFieldSelectorError} carrying the first such field. `metadata.name` and
 * `metadata.namespace` are always allowed, as every kind's field-label conversion allows them.
 */
export function checkFieldSelectorFields(
  reqs: readonly FieldSelectorRequirement[],
  allowed: Iterable<string>,
): void {
  const ok = new Set(allowed);
  ok.add('metadata.name');
  ok.add('metadata.namespace');
  for (const r of reqs) {
    if (!ok.has(r.field)) throw new UnsupportedFieldSelectorError(r.field, r.value);
  }
}

/** The canonical text (apimachinery `String()`), values escaped; `==` prints as `=`. */
export function fieldSelectorToString(reqs: readonly FieldSelectorRequirement[]): string {
  return reqs
    .map((r) => `${r.field}${r.op === '!=' ? '!=' : '='}${escapeFieldSelectorValue(r.value)}`)
    .join(',');
}
