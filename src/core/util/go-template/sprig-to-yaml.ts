// sprig's toYaml: sigs.k8s.io/yaml.Marshal (JSON first, then goyaml.v2's block style) minus the final
// newline. Keys in goyaml.v2's natural order, 2-space indent, sequences under a key not indented, strings
// quoted only when they would read back as another type or cannot be plain.

import { formatFloatV, isGoMap, isNil, type GoMap } from './go-template-values.js';

/** Raised for values encoding/json cannot marshal (NaN, infinities); sprig renders those as "". */
export class YamlMarshalError extends Error {
  override readonly name = 'YamlMarshalError';
}

export function toYaml(value: unknown): string {
  const v = toJsonShape(value);
  if (isGoMap(v) && Object.keys(v).length > 0) return block(v, 0).join('\n');
  if (Array.isArray(v) && v.length > 0) return block(v, 0).join('\n');
  return inlineScalar(v, 0).join('\n');
}

/** What json.Marshal then a YAML decode makes of a value: integers stay ints, maps lose nothing. */
function toJsonShape(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new YamlMarshalError(`json: unsupported value: ${formatFloatV(v)}`);
    return Number.isInteger(v) && Math.abs(v) < 1e21 ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map(toJsonShape);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (isGoMap(v)) {
    const out: GoMap = {};
    for (const [k, e] of Object.entries(v)) out[k] = toJsonShape(e);
    return out;
  }
  return v;
}

function isCollection(v: unknown): v is GoMap | unknown[] {
  return (Array.isArray(v) && v.length > 0) || (isGoMap(v) && Object.keys(v).length > 0);
}

function block(v: GoMap | unknown[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isCollection(item)) {
        const sub = block(item, indent + 2);
        lines.push(`${pad}- ${(sub[0] ?? '').slice(indent + 2)}`, ...sub.slice(1));
      } else {
        const [first, ...rest] = inlineScalar(item, indent);
        lines.push(`${pad}- ${first ?? ''}`, ...rest);
      }
    }
    return lines;
  }
  for (const k of Object.keys(v).sort(yamlKeyCompare)) {
    const val = v[k];
    const key = scalarText(k, true);
    if (isCollection(val)) {
      lines.push(`${pad}${key}:`, ...block(val, Array.isArray(val) ? indent : indent + 2));
    } else {
      const [first, ...rest] = inlineScalar(val, indent);
      lines.push(`${pad}${key}: ${first ?? ''}`, ...rest);
    }
  }
  return lines;
}

/** A scalar (or empty collection) placed after `key: ` or `- `; block scalars continue on more lines. */
function inlineScalar(v: unknown, indent: number): string[] {
  if (isNil(v)) return ['null'];
  if (Array.isArray(v)) return ['[]'];
  if (isGoMap(v)) return ['{}'];
  if (typeof v === 'string' && v.includes('\n') && blockAllowed(v)) return literal(v, indent + 2);
  return [scalarText(v, false)];
}

function literal(s: string, indent: number): string[] {
  const pad = ' '.repeat(indent);
  let chomp = '-';
  let body = s;
  if (s.endsWith('\n')) {
    const m = /\n+$/.exec(s);
    chomp = m && m[0].length > 1 ? '+' : '';
    body = chomp === '+' ? s.slice(0, -1) : s.slice(0, -1);
  }
  const hint = /^[ \n]/.test(s) ? '2' : '';
  return [`|${hint}${chomp}`, ...body.split('\n').map((l) => (l === '' ? '' : pad + l))];
}

function scalarText(v: unknown, isKey: boolean): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatFloatV(v);
  if (typeof v === 'boolean') return String(v);
  if (isNil(v)) return 'null';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (hasSpecial(s) || (isKey && s.includes('\n')) || s.includes('\n') || resolvesToNonString(s)) {
    return doubleQuoted(s);
  }
  if (!plainAllowed(s)) return `'${s.replace(/'/g, "''")}'`;
  return s;
}

const NON_STRING_WORDS = new Set(
  'y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF ~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF <<'.split(
    ' ',
  ),
);

/** goyaml.v2's resolve: would this plain text read back as a bool, null, number or timestamp? */
function resolvesToNonString(s: string): boolean {
  if (s === '' || NON_STRING_WORDS.has(s)) return true;
  const plain = s.replace(/_/g, '');
  if (/^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+)$/.test(plain)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return true;
  if (/^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s)) return true;
  return /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]| +)\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:Z|[-+]\d{1,2}(?::\d{2})?)?)?$/.test(
    s,
  );
}

function isPrintableYaml(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function hasSpecial(s: string): boolean {
  for (const ch of s) if (!isPrintableYaml(ch.codePointAt(0) ?? 0)) return true;
  return false;
}

function blockAllowed(s: string): boolean {
  if (hasSpecial(s) || / $/.test(s) || / \n/.test(s)) return false;
  return true;
}

/** libyaml's analysis for a plain scalar in block context. */
function plainAllowed(s: string): boolean {
  if (/^[ ]|[ ]$/.test(s) || s.startsWith('---') || s.startsWith('...')) return false;
  const first = s[0] ?? '';
  const blankAfter = (i: number): boolean => i + 1 >= s.length || s[i + 1] === ' ';
  if ('#,[]{}&*!|>\'"%@`'.includes(first)) return false;
  if ((first === '?' || first === ':' || first === '-') && blankAfter(0)) return false;
  for (let i = 1; i < s.length; i++) {
    if (s[i] === ':' && blankAfter(i)) return false;
    if (s[i] === '#' && s[i - 1] === ' ') return false;
  }
  return true;
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const esc: Record<number, string> = {
      0: '\\0',
      7: '\\a',
      8: '\\b',
      9: '\\t',
      10: '\\n',
      11: '\\v',
      12: '\\f',
      13: '\\r',
      27: '\\e',
      0x22: '\\"',
      0x5c: '\\\\',
      0x85: '\\N',
      0xa0: '\\_',
      0x2028: '\\L',
      0x2029: '\\P',
    };
    const e = esc[cp];
    if (e !== undefined) out += e;
    else if (!isPrintableYaml(cp) || cp === 0xfeff) {
      out += cp <= 0xff ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    } else out += ch;
  }
  return `${out}"`;
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

/** goyaml.v2's key order: letters after non-letters, digit runs compared as numbers. */
export function yamlKeyCompare(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  const isLetter = (c: string): boolean => /\p{L}/u.test(c);
  const isDigit = (c: string | undefined): boolean => c !== undefined && /\p{Nd}/u.test(c);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return (ac.codePointAt(0) ?? 0) - (bc.codePointAt(0) ?? 0);
    if (al || bl) return bl ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an - bn;
    if (ai !== bi) return ai - bi;
    return (ac.codePointAt(0) ?? 0) - (bc.codePointAt(0) ?? 0);
  }
  return ar.length - br.length;
}
