import { goQuote } from '../util/go-format.js';
import {
  LabelSelector,
  type LabelRequirement,
  type LabelSelectorOperator,
  newLabelRequirement,
} from './label-selector.js';
import { aggregateMessages } from './label-validation.js';
import { SelectorParseError } from './selector-errors.js';

/** A `metav1.LabelSelectorRequirement`. */
export interface LabelSelectorRequirementObject {
  key: string;
  operator: string;
  values?: string[] | null;
}

/** A `metav1.LabelSelector` (PodDisruptionBudget, Deployment, MachineSet, MachineDeployment…). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirementObject[] | null;
}

const OPERATORS: Readonly<Record<string, LabelSelectorOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * apimachinery `metav1.LabelSelectorAsSelector`. The two empty cases differ on purpose:
 *
 * - `null`/`undefined` (no selector at all) matches **nothing** (`labels.Nothing()`);
 * - `{}` or a selector with no labels and no expressions matches **everything** (`labels.Everything()`).
 *
 * `matchLabels` entries are `key=value` requirements; expressions map In/NotIn/Exists/DoesNotExist onto
 * the same requirements the text syntax builds. An invalid key or value, a wrong value count or an unknown
 * operator throws {@link SelectorParseError} with upstream's text (`"Foo" is not a valid label selector
 * operator`, `values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty`).
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return LabelSelector.nothing();
  const matchLabels = Object.entries(sel.matchLabels ?? {});
  const expressions = sel.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return LabelSelector.everything();

  const requirements: LabelRequirement[] = [];
  const fail = (message: string): never => {
    throw new SelectorParseError('label', '', message);
  };
  for (const [key, value] of matchLabels) {
    const { requirement, errors } = newLabelRequirement(key, '=', [value]);
    if (errors.length > 0) fail(aggregateMessages(errors));
    requirements.push(requirement);
  }
  for (const expr of expressions) {
    const operator = OPERATORS[expr.operator];
    if (operator === undefined) fail(`${goQuote(expr.operator)} is not a valid label selector operator`);
    // Go copies the values with append([]string(nil), …): an empty list becomes nil and prints as null.
    const values = expr.values && expr.values.length > 0 ? [...expr.values] : null;
    const { requirement, errors } = newLabelRequirement(expr.key, operator ?? 'in', values);
    if (errors.length > 0) fail(aggregateMessages(errors));
    requirements.push(requirement);
  }
  return LabelSelector.of(requirements);
}
