import type { CustomResourceDefinition } from '../core/api/openapi/crd.js';
import { machineDrainRuleCrd } from '../core/api/v1beta2/machine-drain-rule-types.js';

/** Every CustomResourceDefinition capi-ts serves, core and providers, in install order. */
export function clusterApiCrds(): CustomResourceDefinition[] {
  return [machineDrainRuleCrd()];
}
