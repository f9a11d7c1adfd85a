// Tokenizer for Go text/template with the default `{{ }}` delimiters. Trim markers are applied here:
// `{{- ` drops the whitespace before the action, ` -}}` the whitespace after it.

export type TokenKind =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'field'
  | 'variable'
  | 'identifier'
  | 'keyword'
  | 'string'
  | 'rawString'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'eof'
  | 'error';

export interface Token {
  readonly kind: TokenKind;
  readonly val: string;
  readonly pos: number;
}

const KEYWORDS = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
]);
const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;

function isSpace(c: string | undefined): boolean {
  return c !== undefined && SPACE.test(c);
}

/** Splits the template text into tokens; a lexical error ends the list with an `error` token. */
export function lexTemplate(text: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  let trimNext = false;

  const emitError = (msg: string, at: number): Token[] => {
    out.push({ kind: 'error', val: msg, pos: at });
    return out;
  };

  while (pos < text.length || trimNext) {
    let next = text.indexOf('{{', pos);
    if (next < 0) next = text.length;
    let chunk = text.slice(pos, next);
    let start = pos;
    if (trimNext) {
      const trimmed = chunk.replace(/^[ \t\r\n]+/, '');
      start += chunk.length - trimmed.length;
      chunk = trimmed;
      trimNext = false;
    }
    const trimLeft = next < text.length && text[next + 2] === '-' && isSpace(text[next + 3]);
    if (trimLeft) chunk = chunk.replace(/[ \t\r\n]+$/, '');
    if (chunk.length > 0) out.push({ kind: 'text', val: chunk, pos: start });
    if (next >= text.length) break;

    // Inside an action.
    const delimPos = next;
    pos = next + 2 + (trimLeft ? 2 : 0);
    // Comment: must follow the delimiter (and trim marker) directly and end right before the closing one.
    if (text.startsWith('/*', pos)) {
      const end = text.indexOf('*/', pos + 2);
      if (end < 0) return emitError('unclosed comment', pos);
      let after = end + 2;
      if (text.startsWith(' -}}', after)) {
        trimNext = true;
        after += 4;
      } else if (text.startsWith('}}', after)) {
        after += 2;
      } else {
        return emitError('comment ends before closing delimiter', pos);
      }
      pos = after;
      continue;
    }
    out.push({ kind: 'leftDelim', val: '{{', pos: delimPos });
    let parenDepth = 0;
    for (;;) {
      if (pos >= text.length) return emitError('unclosed action', pos);
      const c = text[pos] as string;
      if (isSpace(c)) {
        // ` -}}` closes the action and trims what follows.
        let end = pos;
        while (isSpace(text[end])) end++;
        if (text.startsWith('-}}', end)) {
          if (parenDepth > 0) return emitError('unclosed left paren', pos);
          out.push({ kind: 'rightDelim', val: '}}', pos: end + 1 });
          pos = end + 3;
          trimNext = true;
          break;
        }
        out.push({ kind: 'space', val: text.slice(pos, end), pos });
        pos = end;
        continue;
      }
      if (text.startsWith('}}', pos)) {
        if (parenDepth > 0) return emitError('unclosed left paren', pos);
        out.push({ kind: 'rightDelim', val: '}}', pos });
        pos += 2;
        break;
      }
      if (c === '=') {
        out.push({ kind: 'assign', val: '=', pos });
        pos++;
      } else if (c === ':') {
        if (text[pos + 1] !== '=') return emitError('expected :=', pos);
        out.push({ kind: 'declare', val: ':=', pos });
        pos += 2;
      } else if (c === '|') {
        out.push({ kind: 'pipe', val: '|', pos });
        pos++;
      } else if (c === ',') {
        out.push({ kind: 'comma', val: ',', pos });
        pos++;
      } else if (c === '(') {
        parenDepth++;
        out.push({ kind: 'leftParen', val: '(', pos });
        pos++;
      } else if (c === ')') {
        parenDepth--;
        if (parenDepth < 0) return emitError('unexpected right paren', pos);
        out.push({ kind: 'rightParen', val: ')', pos });
        pos++;
      } else if (c === '"') {
        let i = pos + 1;
        for (;;) {
          const ch = text[i];
          if (ch === undefined || ch === '\n') return emitError('unterminated quoted string', pos);
          if (ch === '\\') {
            i += 2;
            continue;
          }
          i++;
          if (ch === '"') break;
        }
        out.push({ kind: 'string', val: text.slice(pos, i), pos });
        pos = i;
      } else if (c === '`') {
        const end = text.indexOf('`', pos + 1);
        if (end < 0) return emitError('unterminated raw quoted string', pos);
        out.push({ kind: 'rawString', val: text.slice(pos, end + 1), pos });
        pos = end + 1;
      } else if (c === "'") {
        let i = pos + 1;
        for (;;) {
          const ch = text[i];
          if (ch === undefined || ch === '\n') return emitError('unterminated character constant', pos);
          if (ch === '\\') {
            i += 2;
            continue;
          }
          i++;
          if (ch === "'") break;
        }
        out.push({ kind: 'char', val: text.slice(pos, i), pos });
        pos = i;
      } else if (c === '$') {
        let i = pos + 1;
        while (i < text.length && ALNUM.test(text[i] as string)) i++;
        out.push({ kind: 'variable', val: text.slice(pos, i), pos });
        pos = i;
      } else if (c === '.') {
        const n = text[pos + 1];
        if (n !== undefined && /[0-9]/.test(n)) {
          const len = scanNumber(text, pos);
          out.push({ kind: 'number', val: text.slice(pos, pos + len), pos });
          pos += len;
        } else if (n !== undefined && ALNUM.test(n)) {
          let i = pos + 1;
          while (i < text.length && ALNUM.test(text[i] as string)) i++;
          out.push({ kind: 'field', val: text.slice(pos, i), pos });
          pos = i;
        } else {
          out.push({ kind: 'dot', val: '.', pos });
          pos++;
        }
      } else if (c === '+' || c === '-' || /[0-9]/.test(c)) {
        const len = scanNumber(text, pos);
        const end = pos + len;
        if (len === 0 || !atTerminator(text, end)) {
          let bad = end;
          while (bad < text.length && !atTerminator(text, bad)) bad++;
          return emitError(`bad number syntax: "${text.slice(pos, Math.max(bad, pos + 1))}"`, pos);
        }
        out.push({ kind: 'number', val: text.slice(pos, end), pos });
        pos = end;
      } else if (ALNUM.test(c)) {
        let i = pos;
        while (i < text.length && ALNUM.test(text[i] as string)) i++;
        const word = text.slice(pos, i);
        if (!atTerminator(text, i)) {
          return emitError(`bad character ${goRune(text.codePointAt(i) ?? 0)}`, i);
        }
        const kind: TokenKind = KEYWORDS.has(word)
          ? 'keyword'
          : word === 'true' || word === 'false'
            ? 'bool'
            : word === 'nil'
              ? 'nil'
              : 'identifier';
        out.push({ kind, val: word, pos });
        pos = i;
      } else {
        return emitError(`unrecognized character in action: ${goRune(text.codePointAt(pos) ?? 0)}`, pos);
      }
    }
  }
  out.push({ kind: 'eof', val: '', pos: text.length });
  return out;
}

function atTerminator(text: string, i: number): boolean {
  const c = text[i];
  if (c === undefined || isSpace(c)) return true;
  if ('.,|:()'.includes(c)) return true;
  return text.startsWith('}}', i);
}

function scanNumber(text: string, pos: number): number {
  const m =
    /^[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?)i?/.exec(
      text.slice(pos),
    );
  return m ? m[0].length : 0;
}

/** Go's `%#U` rendering of a rune, used in lexer errors. */
function goRune(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${String.fromCodePoint(cp)}'`;
}
