import { TemplateParseError } from './go-template-errors.js';
import { lexTemplate, type Token } from './go-template-lexer.js';
import { goQuote } from './go-template-values.js';
import type {
  ArgNode,
  BranchNode,
  CommandNode,
  ListNode,
  NumberNode,
  PipeNode,
  TreeNode,
  VariableNode,
} from './go-template-nodes.js';

/** Control structures Go supports that this engine refuses rather than mis-render. */
const UNSUPPORTED_KEYWORDS = new Set(['define', 'template', 'block']);

type Ending = { kind: 'end' | 'else'; pos: number; elseKeyword: 'if' | 'with' | undefined };

/**
 * Parses Go text/template source into a tree. `isFunction` says whether an identifier names a callable
 * function, since Go rejects unknown functions at parse time.
 */
export function parseTemplateTree(name: string, text: string, isFunction: (fn: string) => boolean): ListNode {
  return new Parser(name, text, isFunction).parse();
}

class Parser {
  readonly #name: string;
  readonly #text: string;
  readonly #tokens: Token[];
  readonly #isFunction: (fn: string) => boolean;
  #i = 0;
  #vars: string[] = ['$'];
  #rangeDepth = 0;

  constructor(name: string, text: string, isFunction: (fn: string) => boolean) {
    this.#name = name;
    this.#text = text;
    this.#tokens = lexTemplate(text);
    this.#isFunction = isFunction;
  }

  parse(): ListNode {
    const root: ListNode = { type: 'list', pos: 0, nodes: [] };
    while (this.#peek().kind !== 'eof') {
      const n = this.#textOrAction();
      if ('kind' in n) this.#fail(`unexpected {{${n.kind}}}`, n.pos);
      root.nodes.push(n);
    }
    return root;
  }

  // --- token stream ---

  #next(): Token {
    const t = this.#tokens[this.#i] as Token;
    if (t.kind === 'error') this.#fail(t.val, t.pos);
    if (t.kind !== 'eof') this.#i++;
    return t;
  }
  #peek(): Token {
    const t = this.#tokens[this.#i] as Token;
    if (t.kind === 'error') this.#fail(t.val, t.pos);
    return t;
  }
  #nextNonSpace(): Token {
    let t = this.#next();
    while (t.kind === 'space') t = this.#next();
    return t;
  }
  #peekNonSpace(): Token {
    const save = this.#i;
    const t = this.#nextNonSpace();
    this.#i = save;
    return t;
  }
  #expect(kind: Token['kind'], context: string): Token {
    const t = this.#nextNonSpace();
    if (t.kind !== kind) this.#unexpected(t, context);
    return t;
  }

  #fail(msg: string, pos: number): never {
    const line = 1 + (this.#text.slice(0, pos).match(/\n/g)?.length ?? 0);
    throw new TemplateParseError(`template: ${this.#name}:${line}: ${msg}`, this.#name, line);
  }
  #unexpected(t: Token, context: string): never {
    if (t.kind === 'eof') this.#fail(`unexpected EOF in ${context}`, t.pos);
    this.#fail(`unexpected ${describe(t)} in ${context}`, t.pos);
  }

  // --- structure ---

  #textOrAction(): TreeNode | Ending {
    const t = this.#nextNonSpace();
    if (t.kind === 'text') return { type: 'text', pos: t.pos, text: t.val };
    if (t.kind === 'leftDelim') return this.#action();
    this.#unexpected(t, 'input');
  }

  #itemList(): { list: ListNode; ending: Ending } {
    const list: ListNode = { type: 'list', pos: this.#peek().pos, nodes: [] };
    while (this.#peekNonSpace().kind !== 'eof') {
      const n = this.#textOrAction();
      if ('kind' in n) return { list, ending: n };
      list.nodes.push(n);
    }
    this.#fail('unexpected EOF', this.#peek().pos);
  }

  #action(): TreeNode | Ending {
    const t = this.#nextNonSpace();
    if (t.kind === 'keyword') {
      switch (t.val) {
        case 'if':
        case 'with':
        case 'range':
          return this.#control(t.val, t.pos);
        case 'end':
          this.#expect('rightDelim', 'end');
          return { kind: 'end', pos: t.pos, elseKeyword: undefined };
        case 'else': {
          const p = this.#peekNonSpace();
          if (p.kind === 'keyword' && (p.val === 'if' || p.val === 'with')) {
            return { kind: 'else', pos: t.pos, elseKeyword: p.val };
          }
          this.#expect('rightDelim', 'else');
          return { kind: 'else', pos: t.pos, elseKeyword: undefined };
        }
        case 'break':
        case 'continue': {
          const r = this.#nextNonSpace();
          if (r.kind !== 'rightDelim') this.#fail(`unexpected ${describe(r)} in {{${t.val}}}`, r.pos);
          if (this.#rangeDepth === 0) this.#fail(`{{${t.val}}} outside {{range}}`, t.pos);
          return { type: t.val, pos: t.pos };
        }
        default:
          if (UNSUPPORTED_KEYWORDS.has(t.val)) {
            this.#fail(
              `unsupported action "${t.val}": only a single template without define/template/block`,
              t.pos,
            );
          }
      }
    }
    this.#i--;
    return { type: 'action', pos: t.pos, pipe: this.#pipeline('command', 'rightDelim') };
  }

  #control(context: 'if' | 'with' | 'range', pos: number): BranchNode {
    const mark = this.#vars.length;
    try {
      const pipe = this.#pipeline(context, 'rightDelim');
      if (context === 'range') this.#rangeDepth++;
      let body: { list: ListNode; ending: Ending };
      try {
        body = this.#itemList();
      } finally {
        if (context === 'range') this.#rangeDepth--;
      }
      let elseList: ListNode | undefined;
      if (body.ending.kind === 'else') {
        const kw = body.ending.elseKeyword;
        if (kw !== undefined && context !== 'range') {
          if (kw !== context) this.#fail(`expected end; found {{else ${kw}}}`, body.ending.pos);
          // `{{else if x}}` is an `if` nested in the else branch that shares the enclosing {{end}}.
          const kwTok = this.#nextNonSpace();
          elseList = { type: 'list', pos: kwTok.pos, nodes: [this.#control(kw, kwTok.pos)] };
        } else {
          if (kw !== undefined) this.#fail(`unexpected ${kw} in else`, body.ending.pos);
          const rest = this.#itemList();
          if (rest.ending.kind !== 'end') this.#fail(`expected end; found {{else}}`, rest.ending.pos);
          elseList = rest.list;
        }
      }
      return { type: context, pos, pipe, list: body.list, elseList };
    } finally {
      this.#vars.length = mark;
    }
  }

  #pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const start = this.#peekNonSpace();
    const decl: VariableNode[] = [];
    let isAssign = false;
    decls: for (;;) {
      const v = this.#peekNonSpace();
      if (v.kind !== 'variable') break;
      const save = this.#i;
      this.#nextNonSpace();
      const after = this.#peekNonSpace();
      if (after.kind === 'declare' || after.kind === 'assign') {
        this.#nextNonSpace();
        isAssign = after.kind === 'assign';
        decl.push({ type: 'variable', pos: v.pos, idents: [v.val] });
        if (isAssign && !this.#vars.includes(v.val)) this.#fail(`undefined variable "${v.val}"`, v.pos);
        break;
      }
      if (after.kind === 'comma') {
        this.#nextNonSpace();
        decl.push({ type: 'variable', pos: v.pos, idents: [v.val] });
        if (context === 'range' && decl.length < 2) {
          const n = this.#peekNonSpace();
          if (n.kind === 'variable') continue decls;
          this.#fail('range can only initialize variables', n.pos);
        }
        this.#fail(`too many declarations in ${context}`, after.pos);
      }
      this.#i = save;
      break;
    }
    const pipe: PipeNode = { type: 'pipe', pos: start.pos, isAssign, decl, cmds: [] };
    for (;;) {
      const t = this.#nextNonSpace();
      if (t.kind === end) {
        if (pipe.cmds.length === 0) this.#fail(`missing value for ${context}`, t.pos);
        for (let i = 1; i < pipe.cmds.length; i++) {
          const first = (pipe.cmds[i] as CommandNode).args[0] as ArgNode;
          if (['bool', 'dot', 'nil', 'number', 'string'].includes(first.type)) {
            this.#fail(`non executable command in pipeline stage ${i + 1}`, first.pos);
          }
        }
        // Declared variables become visible only after their pipeline.
        if (!isAssign) for (const d of decl) this.#vars.push(d.idents[0] as string);
        return pipe;
      }
      switch (t.kind) {
        case 'bool':
        case 'char':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.#i--;
          pipe.cmds.push(this.#command());
          break;
        case 'text':
        case 'leftDelim':
        case 'rightDelim':
        case 'space':
        case 'keyword':
        case 'pipe':
        case 'rightParen':
        case 'declare':
        case 'assign':
        case 'comma':
        case 'eof':
        case 'error':
          this.#unexpected(t, context);
      }
    }
  }

  #command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.#peekNonSpace().pos, args: [] };
    for (;;) {
      this.#peekNonSpace();
      const op = this.#operand();
      if (op) cmd.args.push(op);
      const t = this.#next();
      if (t.kind === 'space') continue;
      if (t.kind === 'rightDelim' || t.kind === 'rightParen') {
        this.#i--;
      } else if (t.kind !== 'pipe') {
        this.#unexpected(t, 'operand');
      }
      break;
    }
    if (cmd.args.length === 0) this.#fail('empty command', cmd.pos);
    return cmd;
  }

  #operand(): ArgNode | undefined {
    const node = this.#term();
    if (!node) return undefined;
    const fields: string[] = [];
    while (this.#peek().kind === 'field') fields.push(this.#next().val.slice(1));
    if (fields.length === 0) return node;
    switch (node.type) {
      case 'field':
        return { type: 'field', pos: node.pos, idents: [...node.idents, ...fields] };
      case 'variable':
        return { type: 'variable', pos: node.pos, idents: [...node.idents, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.#fail(`unexpected . after term ${goQuote(nodeText(node))}`, node.pos);
        break;
      case 'chain':
      case 'identifier':
      case 'pipe':
        break;
    }
    return { type: 'chain', pos: node.pos, node, fields };
  }

  #term(): ArgNode | undefined {
    const t = this.#nextNonSpace();
    switch (t.kind) {
      case 'identifier':
        if (!this.#isFunction(t.val)) this.#fail(`function "${t.val}" not defined`, t.pos);
        return { type: 'identifier', pos: t.pos, name: t.val };
      case 'dot':
        return { type: 'dot', pos: t.pos };
      case 'nil':
        return { type: 'nil', pos: t.pos };
      case 'variable':
        if (!this.#vars.includes(t.val)) this.#fail(`undefined variable "${t.val}"`, t.pos);
        return { type: 'variable', pos: t.pos, idents: [t.val] };
      case 'field':
        return { type: 'field', pos: t.pos, idents: [t.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'char':
      case 'number':
        return this.#number(t);
      case 'leftParen':
        return this.#pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: t.pos, quoted: t.val, value: this.#unquote(t) };
      case 'text':
      case 'leftDelim':
      case 'rightDelim':
      case 'space':
      case 'keyword':
      case 'pipe':
      case 'rightParen':
      case 'declare':
      case 'assign':
      case 'comma':
      case 'eof':
      case 'error':
        this.#i--;
        return undefined;
    }
  }

  #number(t: Token): NumberNode {
    if (t.kind === 'char') {
      const s = this.#unquoteChar(t);
      return { type: 'number', pos: t.pos, text: t.val, value: BigInt(s.codePointAt(0) ?? 0) };
    }
    const text = t.val;
    if (text.endsWith('i')) this.#fail(`complex constants are not supported: ${text}`, t.pos);
    const clean = text.replace(/_/g, '');
    const neg = clean.startsWith('-');
    const body = clean.replace(/^[+-]/, '');
    if (/^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/.test(body)) {
      let digits = body;
      if (/^0[0-7]+$/.test(body)) digits = `0o${body.slice(1)}`;
      else if (/^0[oO]/.test(body)) digits = `0o${body.slice(2)}`;
      if (/^0[0-9]*[89]/.test(body) && body.length > 1) this.#fail(`bad number syntax: "${text}"`, t.pos);
      const v = BigInt(digits) * (neg ? -1n : 1n);
      if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n)
        this.#fail(`integer overflow: "${text}"`, t.pos);
      return { type: 'number', pos: t.pos, text, value: v };
    }
    if (/^0[xX]/.test(body)) this.#fail(`hexadecimal float constants are not supported: ${text}`, t.pos);
    const f = Number(body);
    if (body === '' || body === '.' || Number.isNaN(f)) this.#fail(`bad number syntax: "${text}"`, t.pos);
    return { type: 'number', pos: t.pos, text, value: neg ? -f : f };
  }

  #unquote(t: Token): string {
    if (t.kind === 'rawString') return t.val.slice(1, -1).replace(/\r/g, '');
    const r = unquoteGo(t.val.slice(1, -1), '"');
    if (r === undefined) this.#fail('invalid syntax', t.pos);
    return r;
  }

  #unquoteChar(t: Token): string {
    const r = unquoteGo(t.val.slice(1, -1), "'");
    if (r === undefined || [...r].length !== 1) this.#fail(`malformed character constant: ${t.val}`, t.pos);
    return r;
  }
}

function nodeText(node: ArgNode): string {
  switch (node.type) {
    case 'string':
      return node.quoted;
    case 'number':
      return node.text;
    case 'bool':
      return String(node.value);
    case 'nil':
      return 'nil';
    case 'chain':
    case 'dot':
    case 'field':
    case 'identifier':
    case 'pipe':
    case 'variable':
      return '.';
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'EOF';
    case 'rightDelim':
      return '"}}"';
    case 'leftDelim':
      return '"{{"';
    case 'space':
      return 'space';
    case 'keyword':
      return `<${t.val}>`;
    case 'text':
    case 'field':
    case 'variable':
    case 'identifier':
    case 'string':
    case 'rawString':
    case 'char':
    case 'number':
    case 'bool':
    case 'nil':
    case 'dot':
    case 'pipe':
    case 'leftParen':
    case 'rightParen':
    case 'declare':
    case 'assign':
    case 'comma':
    case 'error':
      return JSON.stringify(t.val);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** Go's strconv.Unquote for the body of a quoted string or char; undefined when invalid. */
function unquoteGo(body: string, quote: '"' | "'"): string | undefined {
  let out = '';
  const bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === quote) return undefined;
    if (c !== '\\') {
      flush();
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    if (e in SIMPLE_ESCAPES) {
      flush();
      out += SIMPLE_ESCAPES[e];
    } else if (e === quote) {
      flush();
      out += e;
    } else if (e === 'x') {
      const h = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const h = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) return undefined;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return undefined;
      flush();
      out += String.fromCodePoint(cp);
      i += n;
    } else if (/[0-7]/.test(e)) {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) return undefined;
      bytes.push(parseInt(o, 8));
      i += 2;
    } else {
      return undefined;
    }
  }
  flush();
  return out;
}
