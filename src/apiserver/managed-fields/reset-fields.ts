import type { KubeObject } from '../registry/resource-definition.js';

/**
 * Field-name paths an endpoint's strategy resets (`ResetFieldsStrategy.GetResetFields`): writes through the
 * main resource of a kind with a status subresource cannot change `status`, writes through `/status` cannot
 * change `spec` (the CustomResource strategies). Server-side apply neither records nor conflicts on them.
 */
export function defaultResetFields(
  subresource: string | undefined,
  statusSubresource: boolean | undefined,
): string[][] {
  if (subresource === 'status') return [['spec']];
  if (!subresource && statusSubresource) return [['status']];
  return [];
}

/** Puts the values `live` has at `paths` back into `obj` (absent stays absent), as the strategy will. */
export function restoreResetFields(
  obj: KubeObject,
  live: KubeObject,
  paths: readonly (readonly string[])[],
): void {
  for (const path of paths) {
    if (path.length === 0) continue;
    const before = getPath(live, path);
    const parent = getPath(obj, path.slice(0, -1), before !== undefined);
    if (!parent) continue;
    const last = path[path.length - 1] as string;
    if (before === undefined) delete parent[last];
    else parent[last] = structuredClone(before);
  }
}

function getPath(obj: Record<string, unknown>, path: readonly string[]): unknown;
function getPath(
  obj: Record<string, unknown>,
  path: readonly string[],
  create: boolean,
): Record<string, unknown> | undefined;
function getPath(obj: Record<string, unknown>, path: readonly string[], create?: boolean): unknown {
  let cur: unknown = obj;
  for (const name of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    const rec = cur as Record<string, unknown>;
    if (create && (typeof rec[name] !== 'object' || rec[name] === null || Array.isArray(rec[name])))
      rec[name] = {};
    cur = rec[name];
  }
  if (create !== undefined)
    return typeof cur === 'object' && cur !== null && !Array.isArray(cur) ? cur : undefined;
  return cur;
}
