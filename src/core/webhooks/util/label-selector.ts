// metav1.LabelSelectorAsSelector with apimachinery's semantics: the same parse errors (word for word), the
// same matching, and the same canonical string (`a=b,c in (x,y)`) that upstream quotes in its denials.
import { isLabelKey, isLabelValue } from '../../../controller-runtime/webhook/validation.js';

export interface LabelSelectorRequirement {
  key?: string;
  operator?: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

type Operator = '=' | 'in' | 'notin' | 'exists' | '!';

interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

export interface Selector {
  /** No requirements: selects everything. */
  readonly empty: boolean;
  matches(labels: Record<string, string> | undefined): boolean;
  toString(): string;
}

const quote = (s: string): string => JSON.stringify(s);

/** Go prints a nil `[]string` as JSON `null`; apimachinery's messages quote the values that way. */
const showValues = (values: string[] | undefined): string =>
  values === undefined ? 'null' : JSON.stringify(values);

/** `labels.NewRequirement`'s checks, as the message of its aggregated error. */
function requirementError(key: string, op: Operator, values: string[] | undefined): string | undefined {
  const errs: string[] = [];
  const keyErrs = isLabelKey(key);
  if (keyErrs.length > 0) errs.push(`key: Invalid value: ${quote(key)}: ${keyErrs.join('; ')}`);
  const n = values?.length ?? 0;
  if ((op === 'in' || op === 'notin') && n === 0) {
    errs.push(
      `values: Invalid value: ${showValues(values)}: for 'in', 'notin' operators, values set can't be empty`,
    );
  }
  if (op === '=' && n !== 1) {
    errs.push(
      `values: Invalid value: ${showValues(values)}: exact-match compatibility requires one single value`,
    );
  }
  if ((op === 'exists' || op === '!') && n !== 0) {
    errs.push(
      `values: Invalid value: ${showValues(values)}: values set must be empty for exists and does not exist`,
    );
  }
  (values ?? []).forEach((v, i) => {
    const valueErrs = isLabelValue(v);
    if (valueErrs.length > 0)
      errs.push(`values[${i}][${key}]: Invalid value: ${quote(v)}: ${valueErrs.join('; ')}`);
  });
  const unique = [...new Set(errs)];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

const OPERATORS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

function requirementString(r: Requirement): string {
  const values = [...r.values].sort();
  switch (r.op) {
    case '=':
      return `${r.key}=${values[0] ?? ''}`;
    case 'in':
      return `${r.key} in (${values.join(',')})`;
    case 'notin':
      return `${r.key} notin (${values.join(',')})`;
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
  }
}

function requirementMatches(r: Requirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.op) {
    case '=':
    case 'in':
      return has && r.values.includes(value ?? '');
    case 'notin':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
  }
}

/**
 * Compiles a LabelSelector, or returns the error apimachinery reports for it. An absent selector selects
 * everything, as the zero value of upstream's (non-pointer) selector fields does.
 */
export function labelSelectorAsSelector(selector: LabelSelector | undefined): Selector | { error: string } {
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    const error = requirementError(key, '=', [value]);
    if (error) return { error };
    requirements.push({ key, op: '=', values: [value] });
  }
  for (const expr of selector?.matchExpressions ?? []) {
    const op = OPERATORS[expr.operator ?? ''];
    if (!op) return { error: `${quote(expr.operator ?? '')} is not a valid label selector operator` };
    const key = expr.key ?? '';
    const error = requirementError(key, op, expr.values);
    if (error) return { error };
    requirements.push({ key, op, values: [...(expr.values ?? [])] });
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    empty: requirements.length === 0,
    matches: (labels) => requirements.every((r) => requirementMatches(r, labels)),
    toString: () => requirements.map(requirementString).join(','),
  };
}

export const isSelectorError = (s: Selector | { error: string }): s is { error: string } => 'error' in s;

/**
 * The selector as Go's JSON encoder prints the struct in a denial: `matchLabels` (sorted) before
 * `matchExpressions`, empty members left out.
 */
export function selectorForDisplay(selector: LabelSelector | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const labels = selector?.matchLabels;
  if (labels && Object.keys(labels).length > 0) {
    out.matchLabels = Object.fromEntries(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    );
  }
  if (selector?.matchExpressions && selector.matchExpressions.length > 0) {
    out.matchExpressions = selector.matchExpressions.map((e) => ({
      key: e.key ?? '',
      operator: e.operator ?? '',
      ...(e.values && e.values.length > 0 ? { values: e.values } : {}),
    }));
  }
  return out;
}
