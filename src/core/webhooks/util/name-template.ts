// Name templates (`{{ .cluster.name }}-{{ .random }}`) rendered the way upstream's topology name generators
// render them with Go's text/template and `missingkey=error`, so a webhook can tell whether a template yields
// valid object names. Only what name templates use is supported: literal text, field chains, comments and
// trim markers; any other action is refused rather than guessed at.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { isDNS1123Subdomain } from '../../../controller-runtime/webhook/validation.js';

const TEMPLATE_NAME = 'template name generator';
const MAX_NAME_LENGTH = 63;
const RANDOM_LENGTH = 5;
/** Any 5 characters of apimachinery's random alphabet: the result is only checked, never used. */
const SAMPLE_RANDOM = 'x7k2m';

type TemplateData = Record<string, unknown>;

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function location(template: string, pos: number): string {
  const before = template.slice(0, pos);
  const lastNewline = before.lastIndexOf('\n');
  const line = 1 + (before.match(/\n/g)?.length ?? 0);
  const column = lastNewline < 0 ? pos : pos - (lastNewline + 1);
  return `${TEMPLATE_NAME}:${line}:${column}`;
}

function lineOf(template: string, pos: number): number {
  return 1 + (template.slice(0, pos).match(/\n/g)?.length ?? 0);
}

/** Renders `template`; errors are worded as upstream's name generators word them. */
export function renderNameTemplate(
  template: string,
  data: TemplateData,
): { name: string } | { error: string } {
  const parseError = (pos: number, msg: string) => ({
    error: `parsing template ${JSON.stringify(template)}: template: ${TEMPLATE_NAME}:${lineOf(template, pos)}: ${msg}`,
  });
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, open);
    let start = open + 2;
    if (template[start] === '-' && isSpace(template[start + 1])) {
      out = out.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    const close = template.indexOf('}}', start);
    if (close < 0) return parseError(open, 'unclosed action');
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
    if (body === '') return parseError(open, 'missing value for command');
    if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(body)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body)?.[0];
      return parseError(
        open,
        word ? `function ${JSON.stringify(word)} not defined` : `unsupported action ${JSON.stringify(body)}`,
      );
    }
    // Go positions a field chain at its second link (`.nope` in `.cluster.nope`), and reports errors there.
    const keys = body.slice(1).split('.');
    const nodePos = keys.length > 1 ? bodyPos + 1 + (keys[0]?.length ?? 0) : bodyPos;
    const at = `template: ${location(template, nodePos)}: executing ${JSON.stringify(TEMPLATE_NAME)} at <${body}>`;
    let current: unknown = data;
    for (const key of keys) {
      if (typeof current !== 'object' || current === null) {
        return { error: `rendering template: ${at}: can't evaluate field ${key} in type ${typeof current}` };
      }
      if (!Object.prototype.hasOwnProperty.call(current, key)) {
        return { error: `rendering template: ${at}: map has no entry for key ${JSON.stringify(key)}` };
      }
      current = (current as Record<string, unknown>)[key];
    }
    out += typeof current === 'string' ? current : JSON.stringify(current);
  }
  // Over-long names are cut and made unique again, as upstream does.
  if (out.length > MAX_NAME_LENGTH) out = out.slice(0, MAX_NAME_LENGTH - RANDOM_LENGTH) + SAMPLE_RANDOM;
  return { name: out };
}

/** The data upstream's generators offer: `.cluster.name`, `.random`, plus the kind-specific members. */
export function nameTemplateData(clusterName: string, extra: TemplateData = {}): TemplateData {
  return { ...extra, cluster: { name: clusterName }, random: SAMPLE_RANDOM };
}

/**
 * `machineNaming.template` of MachineSets and MachineDeployments: must contain `{{ .random }}` and render
 * (with sample values) to a valid object name.
 */
export function validateMachineNaming(template: string | undefined, path: FieldPath): FieldError[] {
  if (!template) return [];
  const errs: FieldError[] = [];
  const p = path.child('template').toString();
  if (!template.includes('{{ .random }}')) {
    errs.push(fieldError.invalid(p, template, 'invalid template, {{ .random }} is missing'));
  }
  const rendered = renderNameTemplate(
    template,
    nameTemplateData('cluster', { machineSet: { name: 'machineset' } }),
  );
  if ('error' in rendered) {
    errs.push(fieldError.invalid(p, template, `invalid template: ${rendered.error}`));
  } else {
    for (const msg of isDNS1123Subdomain(rendered.name)) {
      errs.push(
        fieldError.invalid(
          p,
          template,
          `invalid template, generated names would not be valid Kubernetes object names: ${msg}`,
        ),
      );
    }
  }
  return errs;
}
