import type { Condition, ConditionStatus } from './condition.js';
import { InvalidConditionOptionsError } from './errors.js';
import { ConditionReason } from './reasons.js';
import { conditionTimeMillis } from './time.js';

/** How much a condition matters when merged: issues surface before unknowns, unknowns before good news. */
export const MergePriority = { Issue: 0, Unknown: 1, Info: 2 } as const;
export type MergePriority = (typeof MergePriority)[keyof typeof MergePriority];

/** Where a merged condition came from; aggregate messages name the objects. */
export interface ConditionOwner {
  kind: string;
  name: string;
  /** Messages from prioritized objects are listed first (upstream: control-plane Machines). */
  prioritized?: boolean;
}

/** A condition with the object it was read from. `lastTransitionTime` is empty for synthesised ones. */
export interface ConditionWithOwner extends Omit<Condition, 'lastTransitionTime'> {
  lastTransitionTime?: string;
  owner: ConditionOwner;
}

/** Summary merges different conditions of one object; aggregate merges one condition across many objects. */
export type MergeOperation = 'Summary' | 'Aggregate';

export interface MergeResult {
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface MergeStrategy {
  /**
   * Merges `conditions`, which hold only `conditionTypes` and include an Unknown stand-in for every missing
   * one; the order of `conditionTypes` is the order of relevance.
   */
  merge(
    operation: MergeOperation,
    conditions: ConditionWithOwner[],
    conditionTypes: readonly string[],
  ): MergeResult;
}

export type GetMergePriority = (
  condition: Pick<Condition, 'type' | 'status'> & Partial<Pick<Condition, 'reason'>>,
) => MergePriority;
export type ComputeMergeReason = (
  issues: readonly ConditionWithOwner[],
  unknowns: readonly ConditionWithOwner[],
  infos: readonly ConditionWithOwner[],
) => string;

export interface DefaultMergeStrategyOptions {
  /** Defaults to `defaultMergePriority()` (every type positive polarity). */
  getPriority?: GetMergePriority;
  /** Whether True is good for the resulting condition; default true. */
  targetConditionHasPositivePolarity?: boolean;
  /** Defaults to IssuesReported / UnknownReported / InfoReported. */
  computeReason?: ComputeMergeReason;
  /** Last chance to reword the per-condition lines of a summary message. */
  summaryMessageTransform?: (lines: string[]) => string[];
}

/**
 * Issue when a condition is away from its normal state (False for positive polarity, True for negative),
 * info when it is in it, unknown otherwise.
 */
export function defaultMergePriority(
  negativePolarityConditionTypes: readonly string[] = [],
): GetMergePriority {
  const negative = new Set(negativePolarityConditionTypes);
  return (condition) => {
    switch (condition.status) {
      case 'True':
        return negative.has(condition.type) ? MergePriority.Issue : MergePriority.Info;
      case 'False':
        return negative.has(condition.type) ? MergePriority.Info : MergePriority.Issue;
      case 'Unknown':
        return MergePriority.Unknown;
      default:
        // Garbage from a provider counts as not knowing.
        return MergePriority.Unknown;
    }
  };
}

/** Picks one of three reasons by the worst priority present. */
export function computeMergeReason(
  issueReason: string,
  unknownReason: string,
  infoReason: string,
): ComputeMergeReason {
  return (issues, unknowns) =>
    issues.length > 0 ? issueReason : unknowns.length > 0 ? unknownReason : infoReason;
}

/**
 * Upstream Cluster API's default strategy: False when anything reports an issue, else Unknown when anything
 * is unknown, else True (inverted for a negative-polarity target). Summary messages list every issue and
 * unknown condition as `* Type: message` lines; aggregate messages list at most three distinct messages,
 * each with up to three object names, and count the rest.
 */
export function defaultMergeStrategy(options: DefaultMergeStrategyOptions = {}): MergeStrategy {
  const getPriority = options.getPriority ?? defaultMergePriority();
  const positive = options.targetConditionHasPositivePolarity ?? true;
  const computeReason =
    options.computeReason ??
    computeMergeReason(
      ConditionReason.IssuesReported,
      ConditionReason.UnknownReported,
      ConditionReason.InfoReported,
    );
  const transform = options.summaryMessageTransform;

  return {
    merge(operation, conditions, conditionTypes) {
      if (conditions.length === 0)
        throw new InvalidConditionOptionsError("can't merge an empty list of conditions");
      const sorted = sortByRelevance(conditions, conditionTypes);
      const issues = sorted.filter((c) => getPriority(c) === MergePriority.Issue);
      const unknowns = sorted.filter((c) => getPriority(c) === MergePriority.Unknown);
      const infos = sorted.filter((c) => getPriority(c) === MergePriority.Info);

      let status: ConditionStatus;
      if (issues.length > 0) status = positive ? 'False' : 'True';
      else if (unknowns.length > 0) status = 'Unknown';
      else status = positive ? 'True' : 'False';

      const reason = computeReason(issues, unknowns, infos);
      let message: string;
      if (operation === 'Summary') {
        message = summaryMessage(sorted, getPriority, issues.length + unknowns.length > 0, transform);
      } else {
        const budget = { remaining: 3 };
        const lines =
          issues.length > 0 || unknowns.length > 0
            ? aggregateMessages([...issues, ...unknowns], budget, false, getPriority, {
                [MergePriority.Issue]: 'with other issues',
                [MergePriority.Unknown]: 'with status unknown',
              })
            : aggregateMessages(infos, budget, true, getPriority, {
                [MergePriority.Info]: 'with additional info',
              });
        message = lines.join('\n');
      }
      return { status, reason, message };
    },
  };
}

/** By the caller's order of condition types, then oldest transition first (stable). */
function sortByRelevance(
  conditions: ConditionWithOwner[],
  conditionTypes: readonly string[],
): ConditionWithOwner[] {
  const rank = new Map(conditionTypes.map((type, i) => [type, i]));
  return [...conditions].sort((a, b) => {
    const byType = (rank.get(a.type) ?? 0) - (rank.get(b.type) ?? 0);
    if (byType !== 0) return byType;
    const ta = conditionTimeMillis(a.lastTransitionTime);
    const tb = conditionTimeMillis(b.lastTransitionTime);
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  });
}

function summaryMessage(
  conditions: readonly ConditionWithOwner[],
  getPriority: GetMergePriority,
  surfacingProblems: boolean,
  transform: ((lines: string[]) => string[]) | undefined,
): string {
  const lines: string[] = [];
  for (const condition of conditions) {
    if (getPriority(condition) === MergePriority.Info) {
      // Good news is noise next to problems, and an empty one says nothing at all.
      if (surfacingProblems || condition.message === '') continue;
    }
    lines.push(
      `* ${condition.type}:${condition.message !== '' ? indentIfMultiline(condition.message) : ` ${condition.reason}`}`,
    );
  }
  return (transform ? transform(lines) : lines).join('\n');
}

function aggregateMessages(
  conditions: readonly ConditionWithOwner[],
  budget: { remaining: number },
  dropEmpty: boolean,
  getPriority: GetMergePriority,
  otherMessages: Partial<Record<MergePriority, string>>,
): string[] {
  // kind -> message -> object names, in first-seen order.
  const byKind = new Map<string, Map<string, string[]>>();
  const messagePriority = new Map<string, MergePriority>();
  const messageFirst = new Set<string>();
  const prioritizedNames = new Set<string>();
  for (const condition of conditions) {
    if (dropEmpty && condition.message === '') continue;
    const { kind, name, prioritized } = condition.owner;
    const m = condition.message;
    let messages = byKind.get(kind);
    if (!messages) {
      messages = new Map<string, string[]>();
      byKind.set(kind, messages);
    }
    messages.set(m, [...(messages.get(m) ?? []), name]);
    if (prioritized) {
      prioritizedNames.add(name);
      messageFirst.add(m);
    }
    // The same text reported with different priorities counts as the most severe one.
    const priority = getPriority(condition);
    const current = messagePriority.get(m);
    if (current === undefined || priority < current) messagePriority.set(m, priority);
  }

  const lines: string[] = [];
  for (const kind of [...byKind.keys()].sort()) {
    const messages = byKind.get(kind)!;
    const plural = pluralize(kind);
    const ordered = [...messages.keys()].sort((a, b) => {
      const firstA = messageFirst.has(a);
      const firstB = messageFirst.has(b);
      if (firstA !== firstB) return firstA ? -1 : 1;
      const byPriority = messagePriority.get(a)! - messagePriority.get(b)!;
      if (byPriority !== 0) return byPriority;
      const byCount = messages.get(b)!.length - messages.get(a)!.length;
      if (byCount !== 0) return byCount;
      const namesA = messages.get(a)!.join(',');
      const namesB = messages.get(b)!.join(',');
      return namesA < namesB ? -1 : namesA > namesB ? 1 : 0;
    });

    const others = new Map<MergePriority, number>();
    for (const m of ordered) {
      const names = messages.get(m)!;
      if (budget.remaining === 0) {
        const p = messagePriority.get(m)!;
        others.set(p, (others.get(p) ?? 0) + names.length);
        continue;
      }
      const sortedNames = [...names].sort((a, b) => {
        const pa = prioritizedNames.has(a);
        const pb = prioritizedNames.has(b);
        if (pa !== pb) return pa ? -1 : 1;
        return a < b ? -1 : a > b ? 1 : 0;
      });
      let head: string;
      if (sortedNames.length === 1) head = `* ${kind} ${sortedNames[0]}:`;
      else if (sortedNames.length <= 3) head = `* ${plural} ${sortedNames.join(', ')}:`;
      else head = `* ${plural} ${sortedNames.slice(0, 3).join(', ')}, ... (${sortedNames.length - 3} more):`;
      lines.push(head + indentIfMultiline(m));
      budget.remaining--;
    }

    for (const p of [MergePriority.Issue, MergePriority.Unknown, MergePriority.Info]) {
      const count = others.get(p);
      const text = otherMessages[p];
      if (!count || !text) continue;
      lines.push(`And ${count} ${count === 1 ? kind : plural} ${text}`);
    }
  }
  return lines;
}

const BULLET = /\s*\*\s+/;

/**
 * ` message` for a one-liner; a multi-line or bulleted message goes on its own lines, indented, with bullets
 * added where lines lack them, so nested summaries stay readable in `kubectl describe`.
 */
export function indentIfMultiline(message: string): string {
  if (!message.includes('\n') && !BULLET.test(message)) return ` ${message}`;
  const lines = message.split('\n');
  const someLack = lines.some((line) => !BULLET.test(line));
  return (
    '\n' +
    lines
      .map((line) => {
        if (!someLack) return `  ${line}`;
        return BULLET.test(line) ? `    ${line}` : `  * ${line}`;
      })
      .join('\n')
  );
}

/** English plural of a Kind, good enough for Kubernetes kinds (`Machine` -> `Machines`, `Policy` -> `Policies`). */
export function pluralize(kind: string): string {
  if (/(s|x|z|ch|sh)$/.test(kind)) return `${kind}es`;
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  return `${kind}s`;
}
