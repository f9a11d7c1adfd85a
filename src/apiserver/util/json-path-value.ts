/**
 * Reads and writes values at simple dotted paths such as `.spec.replicas` (the form CRD scale subresources
 * and selectable fields use). No filters or wildcards: those belong to the JSONPath evaluator in query/.
 */
export function splitSimplePath(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter(Boolean);
}

export function getAtPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of splitSimplePath(path)) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function setAtPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = splitSimplePath(path);
  let cur: Record<string, unknown> = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (last !== undefined) cur[last] = value;
}
