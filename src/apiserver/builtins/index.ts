/**
 * The surface of `src/apiserver/builtins`: the built-in resource definitions and the helpers the HTTP layer
 * and registry need around them (strategic merge patch, decode-level checks, name rules, Event views).
 */
export { builtinResources, findBuiltinResource } from './builtin-resources.js';
export { validateBuiltinName } from './define.js';
export {
  coreEventToEventsV1,
  eventsV1ToCoreEvent,
  isEventsV1Shape,
  legacyValidateEvent,
  validateEventsV1Create,
  validateEventsV1Update,
} from './event.js';
export { humanDuration } from '../query/human-duration.js';
export { podGracePeriodSeconds } from './pod.js';
export {
  isStrategicMergePatchError,
  strategicMergePatch,
  StrategicMergePatchError,
  type StrategicMergePatchErrorCode,
  type StrategicMergeSchemaWithReplace,
} from './strategic-merge-patch.js';
export { formatLabelSelector, labelSelectorMatches, labelSelectorString } from './validation-helpers.js';
export { checkMicroTimes, checkWireFormat, normalizeTimes } from './wire-format.js';
