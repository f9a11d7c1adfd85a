// Name templates (`{{ .cluster.name }}-{{ .random }}`) rendered the way upstream's name generators render them
// (`internal/topology/names`: Go's text/template with `missingkey=error`), so a webhook can tell whether a
// template yields valid object names. Only what name templates use is understood: literal text, field chains,
// comments and trim markers. Errors are worded as Go words them, since upstream passes them on to users.

const TEMPLATE_NAME = 'template name generator';
const MAX_NAME_LENGTH = 63;
const RANDOM_LENGTH = 5;
/** Any 5 characters of apimachinery's random alphabet: the result is only checked, never used. */
const SAMPLE_RANDOM = 'x7k2m';

/** What a template may reference: `.cluster.name`, `.random` and the kind-specific members. */
export interface TemplateData {
  [key: string]: string | TemplateData;
}

export type NameTemplateResult =
  | { kind: 'rendered'; name: string }
  /** Go fails on this template too, with this message. */
  | { kind: 'error'; message: string }
  /**
   * An action beyond field chains (a function, a pipeline, a conditional): Go may well accept it, this renderer
   * cannot tell. `message` is the parse error Go gives for an undefined function, for callers that refuse such
   * templates rather than guess.
   */
  | { kind: 'unsupported'; message: string };

/** Go's text/template whitespace for trim markers. */
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

const lineOf = (template: string, pos: number): number =>
  1 + (template.slice(0, pos).match(/\n/g)?.length ?? 0);

/** `NAME:LINE:COLUMN` of a position, as text/template's `ErrorContext` prints it. */
function location(template: string, pos: number): string {
  const lastNewline = template.slice(0, pos).lastIndexOf('\n');
  const column = lastNewline < 0 ? pos : pos - (lastNewline + 1);
  return `${TEMPLATE_NAME}:${lineOf(template, pos)}:${column}`;
}

/** Go's `%v`: strings as they are, maps as `map[key:value ...]` with sorted keys. */
function print(value: string | TemplateData): string {
  if (typeof value === 'string') return value;
  const entries = Object.keys(value)
    .sort()
    .map((key) => `${key}:${print(value[key] ?? '')}`);
  return `map[${entries.join(' ')}]`;
}

/** Renders `template` with `data`; overlong names are cut and given a random suffix, as upstream does. */
export function renderNameTemplate(template: string, data: TemplateData): NameTemplateResult {
  const parseMessage = (pos: number, msg: string): string =>
    `parsing template ${JSON.stringify(template)}: template: ${TEMPLATE_NAME}:${lineOf(template, pos)}: ${msg}`;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    let text = template.slice(i, open < 0 ? undefined : open);
    if (open < 0) {
      out += text;
      break;
    }
    let start = open + 2;
    if (template[start] === '-' && isSpace(template[start + 1])) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    out += text;
    const close = template.indexOf('}}', start);
    if (close < 0) return { kind: 'error', message: parseMessage(open, 'unclosed action') };
    let end = close;
    let trimRight = false;
    if (template[close - 1] === '-' && isSpace(template[close - 2])) {
      end = close - 1;
      trimRight = true;
    }
    const raw = template.slice(start, end);
    const body = raw.trim();
    const bodyPos = start + raw.indexOf(body);
    i = close + 2;
    if (trimRight) while (isSpace(template[i])) i++;

    if (body.startsWith('/*') && body.endsWith('*/')) continue;
    if (body === '') return { kind: 'error', message: parseMessage(open, 'missing value for command') };
    if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(body)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body)?.[0];
      const problem = word
        ? `function ${JSON.stringify(word)} not defined`
        : `unsupported action ${JSON.stringify(body)}`;
      return { kind: 'unsupported', message: parseMessage(open, problem) };
    }
    // Go positions a field chain at its second link (`.nope` in `.cluster.nope`), and reports errors there.
    const keys = body.slice(1).split('.');
    const nodePos = keys.length > 1 ? bodyPos + 1 + (keys[0]?.length ?? 0) : bodyPos;
    const at = `template: ${location(template, nodePos)}: executing ${JSON.stringify(TEMPLATE_NAME)} at <${body}>`;
    let current: string | TemplateData = data;
    for (const key of keys) {
      if (typeof current === 'string') {
        return {
          kind: 'error',
          message: `rendering template: ${at}: can't evaluate field ${key} in type string`,
        };
      }
      const next: string | TemplateData | undefined = Object.prototype.hasOwnProperty.call(current, key)
        ? current[key]
        : undefined;
      if (next === undefined) {
        return {
          kind: 'error',
          message: `rendering template: ${at}: map has no entry for key ${JSON.stringify(key)}`,
        };
      }
      current = next;
    }
    out += print(current);
  }
  if (out.length > MAX_NAME_LENGTH) out = out.slice(0, MAX_NAME_LENGTH - RANDOM_LENGTH) + SAMPLE_RANDOM;
  return { kind: 'rendered', name: out };
}

/** The data upstream's generators offer: `.cluster.name`, `.random`, plus the kind-specific members. */
export function nameTemplateData(clusterName: string, extra: TemplateData = {}): TemplateData {
  return { ...extra, cluster: { name: clusterName }, random: SAMPLE_RANDOM };
}
