import { goRuneU } from '../util/go-format.js';
import { JsonPathParseError } from './jsonpath-errors.js';
import type {
  JsonPathListNode,
  JsonPathNode,
  JsonPathSliceParam,
  JsonPathTemplate,
} from './jsonpath-nodes.js';

/*
 * The template parser of client-go `util/jsonpath/parser.go`, rule for rule, so that templates kubectl
 * accepts parse here and the ones it rejects fail with the same message. Notable consequences of those
 * rules, all deliberate:
 *
 * - `['a.b']` is the same as `.a.b` (the key is re-parsed as a field path); write `.a\.b` for a dotted key;
 * - a filter compares one left and one right operand with `==`, `!=`, `<`, `>`, `<=`, `>=` — there is no
 *   `&&`/`||`; `[?(@.x)]` is an existence test;
 * - a union `[a,b]` is split on every comma, so filters cannot appear inside one;
 * - only a space is skipped inside `{…}`; a tab is an unrecognized character, a newline an unclosed action.
 */

const EOF = -1;
const DICT_KEY = /^'([^']*)'$/;
const SLICE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const FILTER = /^([^!<>=]+)([!<>=]+)([^\n]+?)$/;

class Fail extends Error {}

const isSpace = (r: number): boolean => r === 0x20 || r === 0x09;
const isEndOfLine = (r: number): boolean => r === 0x0d || r === 0x0a;
const isDigit = (r: number): boolean => r >= 0 && /\p{Nd}/u.test(String.fromCodePoint(r));
const isAlphaNumeric = (r: number): boolean =>
  r === 0x5f || (r >= 0 && /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(r)));

function isTerminator(r: number): boolean {
  if (isSpace(r) || isEndOfLine(r) || r === EOF) return true;
  return '.,[]$@{}'.includes(String.fromCodePoint(r));
}

function list(): JsonPathListNode {
  return { type: 'List', nodes: [] };
}

/** Go's `strconv.Atoi`: optional sign, decimal digits, within int64. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? Number(n) : undefined;
}

/** Go's `strconv.ParseFloat` for what parseNumber can collect (signs, digits and dots). */
function parseFloat64(s: string): number | undefined {
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(s) ? Number(s) : undefined;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/**
 * client-go `UnquoteExtend`: Go's `strconv.Unquote` for double- or single-quoted text. `\x` and octal
 * escapes produce bytes in Go; here they become the code point of that byte.
 */
function unquoteExtend(s: string): string | undefined {
  if (s.length < 2) return undefined;
  const quote = s[0];
  if (quote !== s[s.length - 1] || (quote !== '"' && quote !== "'")) return undefined;
  const body = s.slice(1, -1);
  if (!body.includes('\\') && !body.includes(quote)) return body;
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i] ?? '';
    if (c === quote) return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i) ?? 0;
      out += String.fromCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    i += 2;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    if (e === '"' || e === "'") {
      if (e !== quote) return undefined;
      out += e;
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const digits = body.slice(i, i + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digits)) return undefined;
      const v = parseInt(digits, 16);
      if (e !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) return undefined;
      out += String.fromCodePoint(v);
      i += hexLen;
      continue;
    }
    if (e >= '0' && e <= '7') {
      const digits = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(digits)) return undefined;
      const v = parseInt(digits, 8);
      if (v > 255) return undefined;
      out += String.fromCodePoint(v);
      i += 2;
      continue;
    }
    return undefined;
  }
  return out;
}

class Parser {
  readonly #input: string;
  readonly root: JsonPathListNode = list();
  #pos = 0;
  #start = 0;
  #width = 0;

  constructor(input: string) {
    this.#input = input;
  }

  parse(): JsonPathListNode {
    for (;;) {
      // Literal text up to the next '{'.
      for (;;) {
        if (this.#input.startsWith('{', this.#pos)) break;
        if (this.#next() === EOF) {
          if (this.#pos > this.#start) this.root.nodes.push({ type: 'Text', text: this.#consumeText() });
          return this.root;
        }
      }
      if (this.#pos > this.#start) this.root.nodes.push({ type: 'Text', text: this.#consumeText() });
      this.#pos += 1;
      this.#consumeText();
      const action = list();
      this.root.nodes.push(action);
      this.#parseInsideAction(action);
    }
  }

  #consumeText(): string {
    const value = this.#input.slice(this.#start, this.#pos);
    this.#start = this.#pos;
    return value;
  }

  #next(): number {
    if (this.#pos >= this.#input.length) {
      this.#width = 0;
      return EOF;
    }
    const r = this.#input.codePointAt(this.#pos) ?? 0;
    this.#width = r > 0xffff ? 2 : 1;
    this.#pos += this.#width;
    return r;
  }

  #peek(): number {
    const r = this.#next();
    this.#backup();
    return r;
  }

  #backup(): void {
    this.#pos -= this.#width;
  }

  /** Parses actions until the closing '}' (consumed). */
  #parseInsideAction(cur: JsonPathListNode): void {
    for (;;) {
      if (this.#input.startsWith('}', this.#pos)) {
        this.#pos += 1;
        this.#consumeText();
        return;
      }
      if (this.#input.startsWith('[?(', this.#pos)) {
        this.#parseFilter(cur);
        continue;
      }
      if (this.#input.startsWith('..', this.#pos)) {
        this.#parseRecursive(cur);
        continue;
      }
      const r = this.#next();
      if (r === EOF || isEndOfLine(r)) throw new Fail('unclosed action');
      if (r === 0x20 || r === 0x40 /* @ */ || r === 0x24 /* $ */) {
        this.#consumeText();
      } else if (r === 0x5b /* [ */) {
        this.#parseArray(cur);
      } else if (r === 0x22 || r === 0x27) {
        this.#parseQuote(cur, r);
      } else if (r === 0x2e /* . */) {
        this.#parseField(cur);
      } else if (r === 0x2b || r === 0x2d || isDigit(r)) {
        this.#backup();
        this.#parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.#backup();
        this.#parseIdentifier(cur);
      } else {
        throw new Fail(`unrecognized character in action: ${goRuneU(r)}`);
      }
    }
  }

  /** Keywords (`range`, `end`) and booleans. */
  #parseIdentifier(cur: JsonPathListNode): void {
    for (;;) {
      if (isTerminator(this.#next())) {
        this.#backup();
        break;
      }
    }
    const value = this.#consumeText();
    if (value === 'true' || value === 'false') cur.nodes.push({ type: 'Bool', value: value === 'true' });
    else cur.nodes.push({ type: 'Identifier', name: value });
  }

  #parseRecursive(cur: JsonPathListNode): void {
    if (cur.nodes[cur.nodes.length - 1]?.type === 'Recursive')
      throw new Fail('invalid multiple recursive descent');
    this.#pos += 2;
    this.#consumeText();
    cur.nodes.push({ type: 'Recursive' });
    if (isAlphaNumeric(this.#peek())) this.#parseField(cur);
  }

  #parseNumber(cur: JsonPathListNode): void {
    let r = this.#peek();
    if (r === 0x2b || r === 0x2d) this.#next();
    for (;;) {
      r = this.#next();
      if (r !== 0x2e && !isDigit(r)) {
        this.#backup();
        break;
      }
    }
    const value = this.#consumeText();
    const i = atoi(value);
    if (i !== undefined) {
      cur.nodes.push({ type: 'Int', value: i });
      return;
    }
    const f = parseFloat64(value);
    if (f !== undefined) {
      cur.nodes.push({ type: 'Float', value: f });
      return;
    }
    throw new Fail(`cannot parse number ${value}`);
  }

  #parseArray(cur: JsonPathListNode): void {
    for (;;) {
      const r = this.#next();
      if (r === EOF || r === 0x0a) throw new Fail('unterminated array');
      if (r === 0x5d /* ] */) break;
    }
    let text = this.#consumeText().slice(1, -1);
    if (text === '*') text = ':';

    const parts = text.split(',');
    if (parts.length > 1) {
      const union = parts.map((part) => parseAction(`[${part.replace(/^ +| +$/g, '')}]`));
      cur.nodes.push({ type: 'Union', nodes: union });
      return;
    }

    const key = DICT_KEY.exec(text);
    if (key) {
      cur.nodes.push(...parseAction(`.${key[1] ?? ''}`).nodes);
      return;
    }

    const slice = SLICE.exec(text);
    if (!slice) throw new Fail(`invalid array index ${text}`);
    const params: JsonPathSliceParam[] = [];
    for (let i = 0; i < 3; i++) {
      let part = slice[i + 1] ?? '';
      if (part !== '') {
        if (i > 0) part = part.slice(1);
        if (i > 0 && part === '') {
          params.push({ known: false, value: 0, derived: false });
        } else {
          const value = atoi(part);
          if (value === undefined) throw new Fail(`array index ${part} is not a number`);
          params.push({ known: true, value, derived: false });
        }
      } else if (i === 1) {
        params.push({ known: true, value: (params[0]?.value ?? 0) + 1, derived: true });
      } else {
        params.push({ known: false, value: 0, derived: false });
      }
    }
    const [p0, p1, p2] = params as [JsonPathSliceParam, JsonPathSliceParam, JsonPathSliceParam];
    cur.nodes.push({ type: 'Array', params: [p0, p1, p2] });
  }

  #parseFilter(cur: JsonPathListNode): void {
    this.#pos += 3;
    this.#consumeText();
    let begin = false;
    let end = false;
    let pair = 0;
    for (;;) {
      const r = this.#next();
      if (r === EOF || r === 0x0a) throw new Fail('unterminated filter');
      if (r === 0x22 || r === 0x27) {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.#input[this.#pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === 0x29 /* ) */ && begin === end) {
        break;
      }
    }
    if (this.#next() !== 0x5d) throw new Fail('unclosed array expect ]');
    const text = this.#consumeText().slice(0, -2);
    const m = FILTER.exec(text);
    if (!m) {
      cur.nodes.push({ type: 'Filter', left: parseAction(text), right: list(), operator: 'exists' });
    } else {
      const left = parseAction(m[1] ?? '');
      const right = parseAction(m[3] ?? '');
      cur.nodes.push({ type: 'Filter', left, right, operator: m[2] ?? '' });
    }
  }

  #parseQuote(cur: JsonPathListNode, end: number): void {
    for (;;) {
      const r = this.#next();
      if (r === EOF || r === 0x0a) throw new Fail('unterminated quoted string');
      if (r === end && this.#input[this.#pos - 2] !== '\\') break;
    }
    const value = this.#consumeText();
    const text = unquoteExtend(value);
    if (text === undefined) throw new Fail(`unquote string ${value} error invalid syntax`);
    cur.nodes.push({ type: 'Text', text });
  }

  #parseField(cur: JsonPathListNode): void {
    this.#consumeText();
    while (this.#advance());
    const value = this.#consumeText();
    if (value === '*') cur.nodes.push({ type: 'Wildcard' });
    else cur.nodes.push({ type: 'Field', name: value.replaceAll('\\', '') });
  }

  /** Reads one field character; a backslash escapes the next one. */
  #advance(): boolean {
    const r = this.#next();
    if (r === 0x5c) {
      this.#next();
    } else if (isTerminator(r)) {
      this.#backup();
      return false;
    }
    return true;
  }
}

/** client-go `parseAction`: parses `{text}` and returns that action's node list. */
function parseAction(text: string): JsonPathListNode {
  const root = new Parser(`{${text}}`).parse();
  const first = root.nodes[0];
  return first?.type === 'List' ? first : list();
}

/**
 * Parses a template as kubectl's `-o jsonpath=` takes it: literal text with `{…}` actions
 * (`{.metadata.name}`, `{range .items[*]}{.metadata.name}{"\n"}{end}`). Throws {@link JsonPathParseError}.
 */
export function parseJsonPath(template: string): JsonPathTemplate {
  try {
    return { source: template, root: new Parser(template).parse() };
  } catch (err) {
    if (err instanceof Fail) throw new JsonPathParseError(template, err.message);
    throw err;
  }
}

/**
 * Parses a bare path as CRD printer columns, selectable fields and kubectl custom columns write it
 * (`.spec.replicas`, `.status.conditions[?(@.type=="Ready")].status`), by wrapping it in braces as the
 * apiextensions table convertor does.
 */
export function parseJsonPathExpression(path: string): JsonPathTemplate {
  const parsed = parseJsonPath(`{${path}}`);
  return { source: path, root: parsed.root };
}

export type { JsonPathNode };
