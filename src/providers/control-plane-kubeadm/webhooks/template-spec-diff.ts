import { deepEqual, isJsonObject } from '../../../controller-runtime/util/json.js';

/**
 * Members that Go's value-typed structs cannot tell from absent: `undefined` and empty objects (a zero struct).
 * KubeadmControlPlaneTemplate's nested structs are value types, so comparing after this keeps `rollout: {}` and a
 * missing `rollout` equal, as upstream's comparison does. (The dev kinds use pointers, where `{}` matters.)
 */
export function withoutEmptyObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyObjects);
  if (!isJsonObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const cleaned = withoutEmptyObjects(member);
    if (cleaned === undefined || (isJsonObject(cleaned) && Object.keys(cleaned).length === 0)) continue;
    out[key] = cleaned;
  }
  return out;
}

/**
 * The changes from `before` to `after`, one `- path: old` / `+ path: new` pair per changed leaf (lists count as
 * leaves); empty when equal. Upstream prints go-cmp's diff here, whose format go-cmp itself declares unstable, so
 * this is written for people to read, not to match byte for byte.
 */
export function templateSpecDiff(before: unknown, after: unknown): string {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (deepEqual(a, b)) return;
    if (isJsonObject(a) && isJsonObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) walk(a[key], b[key], path ? `${path}.${key}` : key);
      return;
    }
    const label = path || '.';
    if (a !== undefined) lines.push(`- ${label}: ${JSON.stringify(a)}`);
    if (b !== undefined) lines.push(`+ ${label}: ${JSON.stringify(b)}`);
  };
  walk(before, after, '');
  return lines.join('\n');
}
