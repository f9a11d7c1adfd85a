import { deepEqual, isJsonObject } from '../util/json.js';

/**
 * The changes from `before` to `after`, one `- path: old` / `+ path: new` pair per changed leaf (lists count as
 * leaves); empty when equal. For immutability denials ("field is immutable. Diff: ..."): upstream prints
 * go-cmp's diff there, whose format go-cmp itself declares unstable, so this is written for people to read, not
 * to match byte for byte.
 */
export function jsonDiff(before: unknown, after: unknown): string {
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
