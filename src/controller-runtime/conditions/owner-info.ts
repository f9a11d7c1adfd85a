import type { ConditionsObject } from './condition.js';
import type { ConditionOwner } from './merge-strategy.js';

/** Objects read through a typed client may lack `kind`; aggregate messages then say `Object`. */
export function conditionOwnerOf(obj: ConditionsObject, prioritized = false): ConditionOwner {
  return { kind: obj.kind || 'Object', name: obj.metadata?.name ?? '', prioritized };
}
