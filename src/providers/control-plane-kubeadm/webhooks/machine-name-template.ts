/**
 * Renders `spec.machineNaming.template` the way upstream's webhook does to check it (`names.KCPMachineNameGenerator`
 * with Go's text/template and `missingkey=error`), for the templates Machine names are written with: text and
 * field actions such as `{{ .kubeadmControlPlane.name }}-{{ .random }}`, with `{{-`/`-}}` trimming.
 *
 * Go templates can do much more (pipelines, functions, conditionals). Anything beyond field references yields
 * `unsupported`, and the caller skips the check rather than deny a template Go would accept.
 */
export type NameTemplateResult =
  { kind: 'rendered'; name: string } | { kind: 'error'; message: string } | { kind: 'unsupported' };

const TEMPLATE_NAME = 'template name generator';
const MAX_NAME_LENGTH = 63;
const RANDOM_LENGTH = 5;
/** A fixed stand-in for the random suffix, drawn from the same alphabet (consonants and digits). */
const RANDOM = 'x2b4z';

type TemplateData = { [key: string]: string | TemplateData };

const FIELD_CHAIN = /^\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function renderKCPMachineName(
  template: string,
  clusterName: string,
  kubeadmControlPlaneName: string,
): NameTemplateResult {
  const data: TemplateData = {
    kubeadmControlPlane: { name: kubeadmControlPlaneName },
    cluster: { name: clusterName },
    random: RANDOM,
  };
  let out = '';
  let pos = 0;
  let trimNextText = false;
  while (pos <= template.length) {
    const open = template.indexOf('{{', pos);
    let text = template.slice(pos, open === -1 ? undefined : open);
    if (trimNextText) text = text.trimStart();
    if (open === -1) {
      out += text;
      break;
    }
    const trimLeft = template.startsWith('{{- ', open);
    if (trimLeft) text = text.trimEnd();
    out += text;

    const close = template.indexOf('}}', open + 2);
    if (close === -1) {
      const line = lineOf(template, open);
      return parseError(template, `template: ${TEMPLATE_NAME}:${line}: unclosed action`);
    }
    trimNextText = template[close - 1] === '-' && template[close - 2] === ' ';
    const bodyStart = open + (trimLeft ? 3 : 2);
    const body = template.slice(bodyStart, trimNextText ? close - 2 : close);
    const field = body.trim();
    if (!FIELD_CHAIN.test(field)) return { kind: 'unsupported' };

    const fieldPos = bodyStart + body.indexOf(field);
    let value: string | TemplateData = data;
    for (const key of field.slice(1).split('.')) {
      if (typeof value === 'string') {
        return execError(template, fieldPos, field, `can't evaluate field ${key} in type string`);
      }
      const next: string | TemplateData | undefined = value[key];
      if (next === undefined) {
        return execError(template, fieldPos, field, `map has no entry for key ${JSON.stringify(key)}`);
      }
      value = next;
    }
    out += print(value);
    pos = close + 2;
  }

  // Like upstream, an overlong name is cut and given a random suffix rather than rejected.
  const name = out.length > MAX_NAME_LENGTH ? out.slice(0, MAX_NAME_LENGTH - RANDOM_LENGTH) + RANDOM : out;
  return { kind: 'rendered', name };
}

/** Go's `%v`: a map prints as `map[key:value ...]` with sorted keys; it renders, though no valid name results. */
function print(value: string | TemplateData): string {
  if (typeof value === 'string') return value;
  const entries = Object.keys(value)
    .sort()
    .map((key) => `${key}:${print(value[key] ?? '')}`);
  return `map[${entries.join(' ')}]`;
}

function lineOf(template: string, offset: number): number {
  return template.slice(0, offset).split('\n').length;
}

function parseError(template: string, message: string): NameTemplateResult {
  return { kind: 'error', message: `parsing template ${JSON.stringify(template)}: ${message}` };
}

/** text/template's exec error: `template: NAME:LINE:COL: executing "NAME" at <.field>: reason`. */
function execError(template: string, offset: number, field: string, reason: string): NameTemplateResult {
  const before = template.slice(0, offset);
  const column = offset - (before.lastIndexOf('\n') + 1);
  const location = `${TEMPLATE_NAME}:${lineOf(template, offset)}:${column}`;
  return {
    kind: 'error',
    message: `rendering template: template: ${location}: executing "${TEMPLATE_NAME}" at <${field}>: ${reason}`,
  };
}
