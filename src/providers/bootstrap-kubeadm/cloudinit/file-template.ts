// `contentFormat: Template` files. Upstream renders them with Go's text/template and one variable,
// `.controlPlane.version` (present only when the Cluster's control plane exposes a version), so a worker that
// joins an upgraded control plane can, for example, fetch the matching kubeadm. We implement the part of
// text/template that this data allows a useful template to use, with Go's semantics:
//   {{ .controlPlane.version }}        the field, or `<no value>` when the last key is missing; an error when
//                                      an earlier one is (Go: "nil pointer evaluating interface {}.version")
//   {{ if .x }} … {{ else if .y }} … {{ else }} … {{ end }}   Go truthiness (empty string/map, false, 0: false)
//   {{/* comment */}}, and the trim markers `{{- ` and ` -}}`
// Anything else (pipelines, functions, range, with, variables) is refused with a FileTemplateError rather than
// rendered differently from upstream.
import { FileTemplateError } from './cloudinit-errors.js';

/** Upstream bounds a rendered file to 1 MiB. */
export const MAX_RENDERED_TEMPLATE_BYTES = 1 << 20;

export type TemplateData = Record<string, unknown>;

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'print'; path: string[] }
  | { kind: 'if'; cond: string[]; then: Node[]; else: Node[] };

type Token = { kind: 'text'; text: string } | { kind: 'action'; body: string };

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const trimLeadingSpace = (s: string): string => s.replace(/^[ \t\r\n]+/, '');
const trimTrailingSpace = (s: string): string => s.replace(/[ \t\r\n]+$/, '');

function tokenize(source: string, fail: (detail: string) => never): Token[] {
  const tokens: Token[] = [];
  let trimNext = false;
  let i = 0;
  const pushText = (text: string) => {
    tokens.push({ kind: 'text', text: trimNext ? trimLeadingSpace(text) : text });
    trimNext = false;
  };
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      pushText(source.slice(i));
      break;
    }
    pushText(source.slice(i, open));
    let start = open + 2;
    if (source[start] === '-' && isSpace(source[start + 1])) {
      const last = tokens[tokens.length - 1];
      if (last?.kind === 'text') last.text = trimTrailingSpace(last.text);
      start += 2;
    }
    let at = start;
    while (isSpace(source[at])) at++;
    if (source.startsWith('/*', at)) {
      const commentEnd = source.indexOf('*/', at + 2);
      if (commentEnd < 0) fail('unclosed comment');
      let after = commentEnd + 2;
      if (isSpace(source[after]) && source[after + 1] === '-' && source.startsWith('}}', after + 2)) {
        trimNext = true;
        after += 2;
      }
      if (!source.startsWith('}}', after)) fail('comment ends before closing delimiter');
      i = after + 2;
      continue;
    }
    const end = source.indexOf('}}', start);
    if (end < 0) fail('unclosed action');
    let body = source.slice(start, end);
    if (body.length >= 2 && body.endsWith('-') && isSpace(body[body.length - 2])) {
      trimNext = true;
      body = body.slice(0, -1);
    }
    tokens.push({ kind: 'action', body: body.trim() });
    i = end + 2;
  }
  return tokens;
}

const FIELD_PATH = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

function parsePath(expr: string, fail: (detail: string) => never): string[] {
  if (!FIELD_PATH.test(expr))
    fail(`unsupported template action {{${expr}}}: only field references are supported`);
  return expr.slice(1).split('.');
}

function parse(tokens: Token[], fail: (detail: string) => never): Node[] {
  let pos = 0;
  // Parses nodes until an `else`/`end` at this level; returns them and the terminator met (if any).
  const parseList = (): { nodes: Node[]; terminator?: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const token = tokens[pos++]!;
      if (token.kind === 'text') {
        if (token.text) nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const body = token.body;
      if (body === 'end' || body === 'else' || body.startsWith('else ')) return { nodes, terminator: body };
      if (body.startsWith('if ')) {
        nodes.push(parseIf(body.slice(3).trim()));
        continue;
      }
      if (body === '') fail('missing value for command');
      nodes.push({ kind: 'print', path: parsePath(body, fail) });
    }
    return { nodes };
  };
  const parseIf = (condition: string): Node => {
    const cond = parsePath(condition, fail);
    const then = parseList();
    if (then.terminator === 'end') return { kind: 'if', cond, then: then.nodes, else: [] };
    if (then.terminator === 'else') {
      const otherwise = parseList();
      if (otherwise.terminator !== 'end') fail('unexpected EOF: if without end');
      return { kind: 'if', cond, then: then.nodes, else: otherwise.nodes };
    }
    if (then.terminator?.startsWith('else if ')) {
      // `else if` shares the outer `end`.
      return { kind: 'if', cond, then: then.nodes, else: [parseIf(then.terminator.slice(8).trim())] };
    }
    if (then.terminator) fail(`unexpected {{${then.terminator}}}`);
    return fail('unexpected EOF: if without end');
  };
  const top = parseList();
  if (top.terminator) fail(`unexpected {{${top.terminator}}}`);
  return top.nodes;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function resolve(path: string[], data: TemplateData, fail: (detail: string) => never): unknown {
  let current: unknown = data;
  for (const key of path) {
    if (current === undefined || current === null) fail(`nil pointer evaluating interface {}.${key}`);
    if (!isMap(current)) fail(`can't evaluate field ${key} in type ${typeof current}`);
    current = current[key];
  }
  return current;
}

function truthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (isMap(value)) return Object.keys(value).length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return value !== '' && value !== false && value !== 0;
}

function evaluate(nodes: Node[], data: TemplateData, out: string[], fail: (detail: string) => never): void {
  for (const node of nodes) {
    if (node.kind === 'text') out.push(node.text);
    else if (node.kind === 'if') {
      evaluate(truthy(resolve(node.cond, data, fail)) ? node.then : node.else, data, out, fail);
    } else {
      const value = resolve(node.path, data, fail);
      if (value === undefined) out.push('<no value>');
      else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        out.push(String(value));
      } else fail(`printing .${node.path.join('.')} (not a scalar) is not supported`);
    }
  }
}

/** The template data of upstream: `.controlPlane.version` only when the control plane version is known. */
export function fileTemplateData(controlPlaneVersion: string | undefined): TemplateData {
  return controlPlaneVersion ? { controlPlane: { version: controlPlaneVersion } } : {};
}

/** Renders the content of the file at `path`; throws FileTemplateError on a parse or execution failure. */
export function renderFileTemplate(path: string, content: string, data: TemplateData): string {
  const parseFail = (detail: string): never => {
    throw new FileTemplateError(path, 'parse', detail);
  };
  const executeFail = (detail: string): never => {
    throw new FileTemplateError(path, 'execute', detail);
  };
  const nodes = parse(tokenize(content, parseFail), parseFail);
  const out: string[] = [];
  evaluate(nodes, data, out, executeFail);
  const rendered = out.join('');
  if (Buffer.byteLength(rendered) > MAX_RENDERED_TEMPLATE_BYTES) {
    executeFail(`rendered output exceeds the ${MAX_RENDERED_TEMPLATE_BYTES} byte limit`);
  }
  return rendered;
}
