import { MissingVariablesError, TemplateSyntaxError } from './errors.js';

/**
 * Variable substitution with the grammar and semantics of github.com/drone/envsubst v2, the library behind
 * clusterctl's yaml processor, so a cluster template written for clusterctl renders the same here.
 *
 * What users rely on (all as drone/envsubst does it):
 * - Only `${NAME}` is an expression; a bare `$NAME` is plain text. `$$` is an escape for `$` in plain text, so
 *   `$${NAME}` renders the literal `${NAME}`.
 * - `${NAME:=default}`, `${NAME=default}` and `${NAME:-default}` all fall back to the default when the value is unset
 *   OR empty: drone/envsubst looks values up as plain strings, so it cannot tell the two apart. Defaults may contain
 *   nested expressions (`${A:=${B}-suffix}`) and end at the first `}`.
 * - `${NAME-default}` and `${NAME+word}` are syntax errors in drone/envsubst ("missing closing brace"); they are
 *   reported as such here, with a hint, rather than silently given bash's meaning clusterctl would not share.
 * - Whitespace inside braces is tolerated only around a bare name (`${ NAME }`), as clusterctl's legacy rewrite does.
 * - Also: `${#NAME}` (length in bytes), `${NAME^}` `${NAME^^}` `${NAME,}` `${NAME,,}` (case), `${NAME:offset}`,
 *   `${NAME:offset:length}`, `${NAME#glob}` `${NAME##glob}` `${NAME%glob}` `${NAME%%glob}` (trim),
 *   `${NAME/text/repl}` `${NAME//text/repl}` `${NAME/#text/repl}` `${NAME/%text/repl}` (replace).
 *
 * Which variables are required: clusterctl decides by the first occurrence of each name, and so does this. A name is
 * optional when that occurrence is a default form; anything else (plain or transformed) needs a value. Empty values
 * count as set. Deliberate differences from clusterctl, where it is inconsistent with itself: `${NAME:=}` is optional
 * with an empty default (clusterctl lists it as optional but then demands a value), transforms such as
 * `${NAME:0:3}` require the variable (clusterctl's check treats their arguments as a default), and `${NAME:?word}` /
 * `${NAME:+word}` are rejected (drone/envsubst parses them but renders them as `:-`, which no one means).
 */

/** A variable a template references, as `--list-variables` shows it. */
export interface TemplateVariable {
  readonly name: string;
  /** The default exactly as written in the template (nested `${...}` kept); absent when the variable is required. */
  readonly default?: string;
}

/** Where values come from: undefined means "not set"; an empty string is a value. */
export type VariableLookup = (name: string) => string | undefined;

type DefaultOp = '=' | ':=' | ':-';
type Op =
  | 'value'
  | 'length'
  | DefaultOp
  | ',' // lower-case the first character
  | ',,'
  | '^'
  | '^^'
  | ':' // substring
  | '#' // trim shortest matching prefix
  | '##'
  | '%' // trim shortest matching suffix
  | '%%'
  | '/' // replace first
  | '//'
  | '/#'
  | '/%';

type TemplateNode = TextNode | ExpressionNode;
interface TextNode {
  readonly kind: 'text';
  readonly value: string;
}
interface ExpressionNode {
  readonly kind: 'expression';
  readonly name: string;
  readonly op: Op;
  /** Each argument is itself a sequence of text and nested expressions, rendered before the function applies. */
  readonly args: readonly (readonly TemplateNode[])[];
  /** For default forms, the default's source text (what `--list-variables` prints). */
  readonly defaultSource?: string;
}

/**
 * clusterctl rewrites `${ NAME }`, `${ NAME}` and `${NAME }` to `${NAME}` before parsing (its "legacy variables");
 * the character class, `$` included, is the one clusterctl uses.
 */
const LEGACY_SPACED_VARIABLE = /\$\{(?:\s+[A-Za-z0-9_$]+\s+|\s+[A-Za-z0-9_$]+|[A-Za-z0-9_$]+\s+)\}/g;

/** A parsed template: its variables, and a renderer. Parse once, then list or render. */
export class EnvsubstTemplate {
  readonly #nodes: readonly TemplateNode[];
  readonly #variables: readonly TemplateVariable[];

  private constructor(nodes: readonly TemplateNode[]) {
    this.#nodes = nodes;
    const seen = new Map<string, TemplateVariable>();
    for (const node of nodes) {
      // Only top-level expressions count, as in clusterctl: a name used only inside a default is not required.
      if (node.kind !== 'expression' || seen.has(node.name)) continue;
      seen.set(
        node.name,
        node.defaultSource === undefined
          ? { name: node.name }
          : { name: node.name, default: node.defaultSource },
      );
    }
    this.#variables = [...seen.values()];
  }

  /** Parses `text`; `source` names the template in syntax errors. Throws {@link TemplateSyntaxError}. */
  static parse(text: string, source = 'template'): EnvsubstTemplate {
    const normalized = text.replace(LEGACY_SPACED_VARIABLE, (m) => m.replace(/\s/g, ''));
    return new EnvsubstTemplate(new Parser(normalized, source).parseTemplate());
  }

  /** Every variable in order of first appearance, each once; required ones have no `default`. */
  get variables(): readonly TemplateVariable[] {
    return this.#variables;
  }

  /** The required variables `lookup` has no value for, sorted. */
  missing(lookup: VariableLookup): string[] {
    return this.#variables
      .filter((v) => v.default === undefined && lookup(v.name) === undefined)
      .map((v) => v.name)
      .sort();
  }

  /** Substitutes every expression; throws {@link MissingVariablesError} naming every required variable without a value. */
  render(lookup: VariableLookup): string {
    const missing = this.missing(lookup);
    if (missing.length > 0) throw new MissingVariablesError(missing);
    return renderNodes(this.#nodes, lookup);
  }
}

/** The variables of `text` in order of first appearance (what `--list-variables` is built from). */
export function listVariables(text: string, source?: string): readonly TemplateVariable[] {
  return EnvsubstTemplate.parse(text, source).variables;
}

/** Renders `text` with values from `lookup`; throws {@link MissingVariablesError} or {@link TemplateSyntaxError}. */
export function substituteVariables(text: string, lookup: VariableLookup, source?: string): string {
  return EnvsubstTemplate.parse(text, source).render(lookup);
}

function renderNodes(nodes: readonly TemplateNode[], lookup: VariableLookup): string {
  let out = '';
  for (const node of nodes) out += node.kind === 'text' ? node.value : renderExpression(node, lookup);
  return out;
}

function renderExpression(node: ExpressionNode, lookup: VariableLookup): string {
  // drone/envsubst renders the arguments first, whether or not the function then uses them.
  const args = node.args.map((arg) => renderNodes(arg, lookup));
  const value = lookup(node.name) ?? '';
  switch (node.op) {
    case 'value':
      return value;
    case '=':
    case ':=':
    case ':-':
      return value === '' ? args.join('') : value;
    case 'length':
      // Go's len(): bytes, not characters.
      return String(Buffer.byteLength(value, 'utf8'));
    case ',':
      return value.slice(0, 1).toLowerCase() + value.slice(1);
    case ',,':
      return value.toLowerCase();
    case '^':
      return value.slice(0, 1).toUpperCase() + value.slice(1);
    case '^^':
      return value.toUpperCase();
    case ':':
      return substring(value, args[0] ?? '', args[1]);
    case '#':
    case '##':
      return trimPrefix(value, args[0] ?? '', node.op === '##');
    case '%':
    case '%%':
      return trimSuffix(value, args[0] ?? '', node.op === '%%');
    case '/':
    case '//':
    case '/#':
    case '/%':
      return replace(node.op, value, args[0] ?? '', args[1] ?? '');
  }
}

/** Go's strconv.Atoi: optional sign, decimal digits, nothing else. */
const parseInteger = (s: string): number | undefined => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);

/** bash's `${v:offset:length}` as drone/envsubst implements it: unparsable numbers leave the value untouched. */
function substring(value: string, offsetArg: string, lengthArg: string | undefined): string {
  let offset = parseInteger(offsetArg);
  if (offset === undefined) return value;
  if (offset < 0) offset = Math.max(0, value.length + offset);
  if (lengthArg === undefined) return value.slice(offset);
  const length = parseInteger(lengthArg);
  if (length === undefined) return value;
  // A negative length counts back from the end, as in bash (drone/envsubst would panic).
  return length < 0
    ? value.slice(offset, Math.max(offset, value.length + length))
    : value.slice(offset, offset + length);
}

function trimPrefix(value: string, pattern: string, longest: boolean): string {
  const re = globToRegExp(pattern);
  if (!re) return value;
  // drone/envsubst never matches the empty prefix.
  for (let n = longest ? value.length : 1; longest ? n >= 1 : n <= value.length; n += longest ? -1 : 1) {
    if (re.test(value.slice(0, n))) return value.slice(n);
  }
  return value;
}

function trimSuffix(value: string, pattern: string, longest: boolean): string {
  const re = globToRegExp(pattern);
  if (!re) return value;
  for (let n = longest ? value.length : 1; longest ? n >= 1 : n <= value.length; n += longest ? -1 : 1) {
    if (re.test(value.slice(value.length - n))) return value.slice(0, value.length - n);
  }
  return value;
}

/** Replacement patterns are plain text in drone/envsubst, not globs. */
function replace(op: '/' | '//' | '/#' | '/%', value: string, pattern: string, replacement: string): string {
  switch (op) {
    case '/':
      return value.replace(pattern, () => replacement);
    case '//':
      return pattern === '' ? value : value.split(pattern).join(replacement);
    case '/#':
      return value.startsWith(pattern) ? replacement + value.slice(pattern.length) : value;
    case '/%':
      return value.endsWith(pattern) ? value.slice(0, value.length - pattern.length) + replacement : value;
  }
}

/**
 * Go's path.Match patterns as a whole-string RegExp: `*` and `?` stop at `/`, `[...]` classes (negated with `^`),
 * `\` escapes. A malformed pattern gives undefined, and the caller leaves the value alone as drone/envsubst does.
 */
function globToRegExp(pattern: string): RegExp | undefined {
  const escape = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) return undefined;
      re += escape(pattern[++i]!);
    } else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (pattern[j] === '^') {
        cls += '^';
        j++;
      }
      let closed = false;
      let first = true;
      for (; j < pattern.length; j++) {
        let ch = pattern[j]!;
        if (ch === ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (ch === '\\') {
          if (j + 1 >= pattern.length) return undefined;
          ch = pattern[++j]!;
        }
        if (ch === '-' && cls !== '' && cls !== '^' && pattern[j + 1] !== ']') cls += '-';
        else cls += escape(ch);
      }
      if (!closed || cls === '' || cls === '^') return undefined;
      re += `[${cls}]`;
      i = j;
    } else re += escape(c);
  }
  try {
    return new RegExp(`^${re}$`, 's');
  } catch {
    return undefined;
  }
}

const isIdentChar = (c: string): boolean => /^[\p{L}\p{N}_]$/u.test(c);

/** Which escapes a run honours: plain text knows `$$`; replacement patterns also `\\` and `\/`. */
type Escapes = 'none' | 'dollar' | 'all';

/**
 * A recursive-descent parser following drone/envsubst's scanner rule by rule, so the same inputs are accepted,
 * rejected and split the same way (a default ends at the first `}`, a replace pattern at the first `/`).
 */
class Parser {
  readonly #text: string;
  readonly #source: string;
  #pos = 0;
  /** Where the expression being parsed starts, for error positions. */
  #exprStart = 0;

  constructor(text: string, source: string) {
    this.#text = text;
    this.#source = source;
  }

  parseTemplate(): TemplateNode[] {
    const nodes: TemplateNode[] = [];
    while (this.#pos < this.#text.length) {
      if (this.#atOpen()) {
        this.#exprStart = this.#pos;
        this.#pos += 2;
        nodes.push(this.#parseExpression());
      } else {
        nodes.push({ kind: 'text', value: this.#run(() => true, true, 'dollar') });
      }
    }
    return nodes;
  }

  #peek(offset = 0): string | undefined {
    return this.#text[this.#pos + offset];
  }

  #atOpen(): boolean {
    return this.#peek() === '$' && this.#peek(1) === '{';
  }

  #fail(reason: string): never {
    const before = this.#text.slice(0, this.#exprStart);
    const line = before.split('\n').length;
    const column = this.#exprStart - before.lastIndexOf('\n');
    throw new TemplateSyntaxError(this.#source, line, column, reason);
  }

  /**
   * Consumes characters while `accept(char, index)` holds (index counts from 1 within the run), stopping before
   * `${` when `stopAtOpen`. Escaped characters are taken without asking `accept`, as drone/envsubst's scanner does.
   */
  #run(accept: (c: string, i: number) => boolean, stopAtOpen: boolean, escapes: Escapes): string {
    let value = '';
    let i = 0;
    while (this.#pos < this.#text.length) {
      const c = this.#peek()!;
      const next = this.#peek(1);
      if (stopAtOpen && c === '$' && next === '{') break;
      const escaped =
        (escapes !== 'none' && c === '$' && next === '$') ||
        (escapes === 'all' && c === '\\' && (next === '\\' || next === '/'));
      if (escaped) {
        value += next;
        this.#pos += 2;
        i += 1;
        continue;
      }
      if (!accept(c, i + 1)) break;
      value += c;
      this.#pos += 1;
      i += 1;
    }
    return value;
  }

  #expectClose(reason = 'bad substitution'): void {
    if (this.#peek() !== '}') this.#fail(reason);
    this.#pos += 1;
  }

  /** After `${`. */
  #parseExpression(): ExpressionNode {
    if (this.#peek() === '#') {
      this.#pos += 1;
      const name = this.#run(isIdentChar, false, 'none');
      if (name === '') this.#fail('bad substitution');
      this.#expectClose();
      return { kind: 'expression', name, op: 'length', args: [] };
    }
    const name = this.#run(isIdentChar, false, 'none');
    if (name === '') this.#fail('unable to parse variable name');
    switch (this.#peek() ?? '') {
      case ':': {
        const next = this.#peek(1);
        if (next === '=' || next === '-') return this.#parseDefault(name, `:${next}`);
        if (next === '?' || next === '+') {
          this.#fail(
            `\${${name}:${next}...} is not supported; use \${${name}:=default} or \${${name}:-default}`,
          );
        }
        return this.#parseSubstring(name);
      }
      case '=':
        return this.#parseDefault(name, '=');
      case ',':
      case '^':
        return this.#parseCase(name);
      case '/':
        return this.#parseReplace(name);
      case '#':
      case '%':
        return this.#parseTrim(name, this.#peek()!);
      case '-':
      case '+':
        return this.#fail(
          `missing closing brace: \${${name}${this.#peek()}...} is not supported by envsubst; ` +
            `use \${${name}:-default} or \${${name}:=default}`,
        );
      default:
        this.#expectClose('missing closing brace');
        return { kind: 'expression', name, op: 'value', args: [] };
    }
  }

  /** One argument: a nested `${...}`, or a run of text `accept` allows (which must not be empty). */
  #parseParam(accept: (c: string) => boolean, escapes: Escapes): TemplateNode {
    if (this.#atOpen()) {
      this.#pos += 2;
      return this.#parseExpression();
    }
    const value = this.#run(accept, true, escapes);
    if (value === '') this.#fail('unable to parse substitution within function');
    return { kind: 'text', value };
  }

  #parseDefault(name: string, op: DefaultOp): ExpressionNode {
    this.#pos += op.length;
    const start = this.#pos;
    const parts: TemplateNode[] = [];
    while (this.#peek() !== '}') {
      parts.push(this.#parseParam((c) => c !== '}', 'none'));
    }
    const defaultSource = this.#text.slice(start, this.#pos);
    this.#pos += 1;
    return { kind: 'expression', name, op, args: [parts], defaultSource };
  }

  #parseSubstring(name: string): ExpressionNode {
    this.#pos += 1;
    const args: TemplateNode[][] = [[this.#parseParam((c) => c !== ':' && c !== '}', 'none')]];
    if (this.#peek() !== '}') {
      if (this.#run((c) => c === ':', false, 'none') === '') this.#fail('bad substitution');
      args.push([this.#parseParam((c) => c !== '}', 'none')]);
    }
    this.#expectClose();
    return { kind: 'expression', name, op: ':', args };
  }

  #parseCase(name: string): ExpressionNode {
    const op = this.#run((c, i) => (c === ',' || c === '^') && i < 3, false, 'none');
    if (op !== ',' && op !== ',,' && op !== '^' && op !== '^^') this.#fail('bad substitution');
    this.#expectClose();
    return { kind: 'expression', name, op, args: [] };
  }

  #parseTrim(name: string, marker: string): ExpressionNode {
    const op = this.#run((c, i) => c === marker && i < 3, false, 'none') as '#' | '##' | '%' | '%%';
    const pattern = this.#parseParam((c) => c !== '}', 'none');
    this.#expectClose();
    return { kind: 'expression', name, op, args: [[pattern]] };
  }

  #parseReplace(name: string): ExpressionNode {
    const op = this.#run(
      (c, i) => (i === 1 && c === '/') || (i === 2 && (c === '/' || c === '#' || c === '%')),
      false,
      'none',
    ) as '/' | '//' | '/#' | '/%';
    const args: TemplateNode[][] = [[this.#parseParam((c) => c !== '/', 'all')]];
    if (this.#run((c) => c === '/', false, 'none') === '') this.#fail('bad substitution');
    if (this.#peek() !== '}') args.push([this.#parseParam((c) => c !== '}', 'all')]);
    this.#expectClose();
    return { kind: 'expression', name, op, args };
  }
}
