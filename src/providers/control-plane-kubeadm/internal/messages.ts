// Small text helpers for condition messages, worded as upstream's (`util/log.ListToString`).

/** `a, b, c, ... (2 more)`: the first `limit` items, then how many were left out. */
export function listToString(items: readonly string[], limit: number): string {
  const shown = items.slice(0, limit);
  if (items.length > limit) shown.push(`... (${items.length - limit} more)`);
  return shown.join(', ');
}

/** `Machine a` / `Machines a, b, c, ... (2 more)`, names sorted, at most three listed. */
export function machinesPhrase(names: readonly string[]): string {
  const sorted = [...names].sort();
  return `Machine${sorted.length > 1 ? 's' : ''} ${listToString(sorted, 3)}`;
}

/** Go's `%s` of a string slice: `[a b c]`. */
export const goStringSlice = (items: readonly string[]): string => `[${items.join(' ')}]`;
