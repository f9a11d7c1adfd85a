/** The three values `metav1.Condition.status` may take. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export const ConditionStatus = {
  True: 'True',
  False: 'False',
  Unknown: 'Unknown',
} as const satisfies Record<ConditionStatus, ConditionStatus>;

/** `metav1.Condition` as it is stored in `status.conditions`. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  /** The `metadata.generation` the writer had seen when it set the condition. */
  observedGeneration?: number;
  /** RFC 3339, whole seconds: when `status` last changed. */
  lastTransitionTime: string;
  /** CamelCase, machine-readable; the API server requires one. */
  reason: string;
  message: string;
}

/** What a caller hands to `setCondition`; the setter fills in the transition time and generation. */
export interface NewCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message?: string;
  observedGeneration?: number;
  /** Used only when the status actually changes (or the condition is new); otherwise the stored time stays. */
  lastTransitionTime?: string;
}

/**
 * Any object that keeps a condition list at `status.conditions`. Typed API objects (with their own `status`
 * interfaces) and untyped `KubeObject`s both fit.
 */
export interface ConditionsObject {
  kind?: string;
  metadata?: { name?: string; generation?: number; labels?: Record<string, string> };
  status?: unknown;
}

const STATUSES: ReadonlySet<string> = new Set<ConditionStatus>(['True', 'False', 'Unknown']);

export function isConditionStatus(value: unknown): value is ConditionStatus {
  return typeof value === 'string' && STATUSES.has(value);
}

/**
 * The conditions of `obj` (an empty list when it has none). The entries are the object's own, not copies:
 * change them through `setCondition` so transition times and ordering stay right.
 */
export function getConditions(obj: ConditionsObject | undefined): readonly Condition[] {
  const status = obj?.status;
  if (typeof status !== 'object' || status === null) return [];
  const conditions = (status as { conditions?: unknown }).conditions;
  if (!Array.isArray(conditions)) return [];
  return conditions.filter(
    (c): c is Condition => typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string',
  );
}

export function getCondition(obj: ConditionsObject | undefined, type: string): Condition | undefined {
  return getConditions(obj).find((c) => c.type === type);
}

export function hasCondition(obj: ConditionsObject | undefined, type: string): boolean {
  return getCondition(obj, type) !== undefined;
}

/** True only when the condition exists and is True; a missing condition is neither True nor False. */
export function isTrue(obj: ConditionsObject | undefined, type: string): boolean {
  return getCondition(obj, type)?.status === 'True';
}

export function isFalse(obj: ConditionsObject | undefined, type: string): boolean {
  return getCondition(obj, type)?.status === 'False';
}

/** Kubernetes API conventions: a condition that was never reported counts as Unknown. */
export function isUnknown(obj: ConditionsObject | undefined, type: string): boolean {
  const condition = getCondition(obj, type);
  return condition === undefined || condition.status === 'Unknown';
}

/**
 * Same type, status, reason, message and observedGeneration; the transition time is ignored. This is the
 * notion of "unchanged" the patch helper uses to decide whether another writer's value conflicts with ours.
 */
export function hasSameState(a: NewCondition | Condition, b: NewCondition | Condition): boolean {
  return (
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    (a.message ?? '') === (b.message ?? '') &&
    a.observedGeneration === b.observedGeneration
  );
}

/** Replaces the condition list, creating `status` when the object has none. */
export function writeConditions(obj: ConditionsObject, conditions: Condition[]): void {
  const target = obj as { status?: unknown };
  if (typeof target.status !== 'object' || target.status === null) target.status = {};
  (target.status as { conditions?: Condition[] }).conditions = conditions;
}
