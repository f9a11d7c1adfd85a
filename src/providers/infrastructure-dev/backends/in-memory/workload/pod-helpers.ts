import type { KubeObject, OwnerReference } from '../../../../../apiserver/registry/resource-definition.js';

/** Storage keys the controllers read: pods and nodes live under the core group. */
export const CORE_PREFIX = '/registry/core/';
export const POD_PREFIX = '/registry/core/pods/';
export const NODE_PREFIX = '/registry/core/nodes/';

export interface PodCondition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** Whether a pod has condition Ready=True (`podutil.IsPodReady`). */
export function isPodReady(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: PodCondition[] } | undefined)?.conditions;
  return Array.isArray(conditions) && conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isPodTerminal(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** A stored value decoded, or undefined when it is not a JSON object (a corrupt value must not stop a controller). */
export function parseObject(value: string): KubeObject | undefined {
  try {
    const obj = JSON.parse(value) as unknown;
    return obj && typeof obj === 'object' && !Array.isArray(obj) ? (obj as KubeObject) : undefined;
  } catch {
    return undefined;
  }
}

/** `namespace/name` of a namespaced storage key under `prefix`. */
export function splitKey(key: string, prefix: string): [namespace: string, name: string] {
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  return [rest.slice(0, slash), rest.slice(slash + 1)];
}

/**
 * `podutil.UpdatePodCondition` on a copy: the condition replaces the one of its type (appended if new); the
 * transition time moves only when the status does.
 */
export function upsertCondition(
  conditions: PodCondition[] | undefined,
  wanted: PodCondition,
  now: string,
): PodCondition[] {
  const list = Array.isArray(conditions) ? conditions.map((c) => ({ ...c })) : [];
  const index = list.findIndex((c) => c.type === wanted.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: PodCondition = {
    type: wanted.type,
    status: wanted.status,
    lastTransitionTime:
      previous && previous.status === wanted.status && previous.lastTransitionTime
        ? previous.lastTransitionTime
        : now,
    ...(wanted.reason ? { reason: wanted.reason } : {}),
    ...(wanted.message ? { message: wanted.message } : {}),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** The controller reference of an object (`metav1.GetControllerOf`). */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  const refs = obj.metadata?.ownerReferences;
  return Array.isArray(refs) ? refs.find((r) => r.controller === true) : undefined;
}
