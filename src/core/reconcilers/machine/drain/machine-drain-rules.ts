// Which MachineDrainRules apply to a Machine, and what they (or the Pod's own drain label) say about a Pod.
// Upstream: core/reconcilers/machine/drain (getMatchingMachineDrainRules, drainLabelFilter,
// machineDrainRulesFilter).
import { Label } from '../../../api/v1beta2/well-known.js';
import { validateMachineDrainRuleSelectors } from '../../../webhooks/machine-drain-rule-webhook.js';
import {
  isSelectorError,
  type LabelSelector,
  labelSelectorAsSelector,
} from '../../../webhooks/util/label-selector.js';
import {
  DrainBehavior,
  DrainError,
  type Labelled,
  type MachineDrainRuleLike,
  type Pod,
  PodDrainReason,
  type PodDrainStatus,
} from './drain-types.js';

export const podDrainStatus = {
  okay: (order = 0): PodDrainStatus => ({
    behavior: DrainBehavior.Drain,
    order,
    reason: PodDrainReason.Okay,
  }),
  skip: (): PodDrainStatus => ({ behavior: DrainBehavior.Skip, reason: PodDrainReason.Skip }),
  /** WaitCompleted Pods always have order 0 (the webhook refuses an order with this behaviour). */
  waitCompleted: (): PodDrainStatus => ({
    behavior: DrainBehavior.WaitCompleted,
    order: 0,
    reason: PodDrainReason.WaitCompleted,
  }),
  warning: (behavior: DrainBehavior, message: string): PodDrainStatus => ({
    behavior,
    ...(behavior === DrainBehavior.Drain ? { order: 0 } : {}),
    reason: PodDrainReason.Warning,
    message,
  }),
  error: (message: string): PodDrainStatus => ({ reason: PodDrainReason.Error, message }),
};

/** An absent or empty selector matches everything; selectors were validated before, so an invalid one is no match. */
function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string> | undefined) {
  if (selector === undefined || selector === null) return true;
  const compiled = labelSelectorAsSelector(selector);
  if (isSelectorError(compiled)) return false;
  return compiled.empty || compiled.matches(labels ?? {});
}

/** A rule without `machines` applies to every Machine; otherwise one entry must match both Machine and Cluster. */
export function machineDrainRuleAppliesToMachine(
  rule: MachineDrainRuleLike,
  machine: Labelled,
  cluster: Labelled,
): boolean {
  const selectors = rule.spec.machines ?? [];
  if (selectors.length === 0) return true;
  return selectors.some(
    (s) =>
      matchesSelector(s.selector, machine.metadata?.labels) &&
      matchesSelector(s.clusterSelector, cluster.metadata?.labels),
  );
}

/** A rule without `pods` applies to every Pod; otherwise one entry must match both Pod and its Namespace. */
export function machineDrainRuleAppliesToPod(
  rule: MachineDrainRuleLike,
  pod: Pod,
  namespaceLabels: Record<string, string>,
): boolean {
  const selectors = rule.spec.pods ?? [];
  if (selectors.length === 0) return true;
  return selectors.some(
    (s) =>
      matchesSelector(s.selector, pod.metadata.labels) &&
      matchesSelector(s.namespaceSelector, namespaceLabels),
  );
}

/**
 * The rules (of the Machine's namespace) that apply to this Machine, sorted by name: the first of them that
 * matches a Pod decides. Any rule with a selector that does not parse fails the drain, as upstream: a
 * half-applied set of rules could evict what an admin meant to keep.
 */
export function machineDrainRulesForMachine<R extends MachineDrainRuleLike>(
  rules: readonly R[],
  machine: Labelled,
  cluster: Labelled,
): R[] {
  const invalid: string[] = [];
  for (const rule of rules) {
    const errs = validateMachineDrainRuleSelectors(rule);
    if (errs.length > 0) {
      const messages = errs.map((e) => `${e.field}: ${e.detail}`);
      const aggregate = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
      invalid.push(`invalid selectors in MachineDrainRule ${rule.metadata.name ?? ''}: ${aggregate}`);
    }
  }
  if (invalid.length > 0) {
    const aggregate = invalid.length === 1 ? invalid[0] : `[${invalid.join(', ')}]`;
    throw new DrainError(`failed to get matching MachineDrainRules: ${aggregate}`);
  }
  return rules
    .filter((rule) => machineDrainRuleAppliesToMachine(rule, machine, cluster))
    .sort((a, b) => compareStrings(a.metadata.name ?? '', b.metadata.name ?? ''));
}

/**
 * The Pod's `cluster.x-k8s.io/drain` label, which wins over every rule: `skip` or `wait-completed` (any case,
 * the dash optional); other values are ignored. Undefined when the label says nothing.
 */
export function drainLabelStatus(pod: Pod): PodDrainStatus | undefined {
  const value = pod.metadata.labels?.[Label.PodDrain];
  if (value === undefined) return undefined;
  if (value.toLowerCase() === DrainBehavior.Skip.toLowerCase()) return podDrainStatus.skip();
  if (value.replace('-', '').toLowerCase() === DrainBehavior.WaitCompleted.toLowerCase()) {
    return podDrainStatus.waitCompleted();
  }
  return undefined;
}

/**
 * What the first matching rule says about a Pod (`rules` as `machineDrainRulesForMachine` returns them), or
 * Drain with order 0 when none matches. `namespaceLabels` undefined means the Pod's Namespace does not exist.
 */
export function machineDrainRulesStatus(
  rules: readonly MachineDrainRuleLike[],
  pod: Pod,
  namespaceLabels: Record<string, string> | undefined,
): PodDrainStatus {
  if (namespaceLabels === undefined) return podDrainStatus.error('Pod Namespace does not exist');
  for (const rule of rules) {
    if (!machineDrainRuleAppliesToPod(rule, pod, namespaceLabels)) continue;
    const behavior: string = rule.spec.drain.behavior;
    switch (behavior) {
      case DrainBehavior.Drain:
        return podDrainStatus.okay(rule.spec.drain.order ?? 0);
      case DrainBehavior.Skip:
        return podDrainStatus.skip();
      case DrainBehavior.WaitCompleted:
        return podDrainStatus.waitCompleted();
      default:
        return podDrainStatus.error(
          `MachineDrainRule "${rule.metadata.name ?? ''}" has unknown spec.drain.behavior: "${behavior}"`,
        );
    }
  }
  return podDrainStatus.okay();
}

/** The drain label if it decides, else the rules: behaviour and order of one Pod (filters aside). */
export function podDrainBehavior(
  pod: Pod,
  rules: readonly MachineDrainRuleLike[],
  namespaceLabels: Record<string, string> | undefined,
): PodDrainStatus {
  return drainLabelStatus(pod) ?? machineDrainRulesStatus(rules, pod, namespaceLabels);
}

/** Byte order, like Go's string comparison (names are ASCII). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
