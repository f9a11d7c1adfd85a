// The folder's surface: helpers core's Machine-owning controllers and the providers share (ADR 0010).
export { formatLabelValue } from './label-value.js';
export { aggregateStaleMachines, listToString, machinesPhrase, namesMessage } from './machine-messages.js';
export { versionsFromMachines } from './machine-versions.js';
export { RANDOM_ALPHABET, RANDOM_LENGTH, randomString } from './random-string.js';
export {
  generateFromTemplate,
  type GenerateFromTemplateInput,
  groupKindString,
  TEMPLATE_SUFFIX,
} from './template-clone.js';
