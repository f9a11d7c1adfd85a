import { EnvsubstTemplate, type TemplateVariable } from './envsubst.js';
import { renderTemplate, type TemplateSource } from './render-template.js';
import { formatVariableNames } from './variable-list.js';

/** What `capi generate yaml` takes: a template the caller read (`--from FILE`, or stdin) and the environment. */
export interface GenerateYamlOptions {
  readonly from: TemplateSource;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Substitutes variables in arbitrary YAML from the environment alone, as `clusterctl generate yaml` does: no flags
 * inject values and no namespace is imposed. Throws `MissingVariablesError`, `TemplateSyntaxError` or
 * `InvalidTemplateYamlError`.
 */
export function generateYaml(options: GenerateYamlOptions): { readonly yaml: string } {
  return { yaml: renderTemplate(options.from, (name) => options.env[name]) };
}

/** `capi generate yaml --list-variables`: the template's variables and the names-only text clusterctl prints. */
export function listYamlVariables(options: Pick<GenerateYamlOptions, 'from'>): {
  readonly variables: readonly TemplateVariable[];
  readonly text: string;
} {
  const variables = EnvsubstTemplate.parse(options.from.text, options.from.source).variables;
  return { variables, text: formatVariableNames(variables) };
}
