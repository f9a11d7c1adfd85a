export {
  parseTemplate,
  GoTemplate,
  type Template,
  type ParseTemplateOptions,
  type ExecuteOptions,
  type GoTemplateFunction,
} from './go-template.js';
export type { MissingKeyMode } from './go-template-exec.js';
export {
  TemplateParseError,
  TemplateExecError,
  isTemplateParseError,
  isTemplateExecError,
} from './go-template-errors.js';
export { toYaml } from './sprig-to-yaml.js';
export { semverSatisfies } from './semver-constraint.js';
