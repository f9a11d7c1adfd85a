/**
 * `metav1.Time` as the API server writes it: RFC 3339 in UTC with whole seconds. Truncating here keeps an
 * in-memory object equal to what comes back from the server, so a re-read does not look like a change.
 */
export function formatConditionTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Truncates a caller-supplied timestamp the same way; an unparsable one is kept as written. */
export function normalizeConditionTime(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : formatConditionTime(new Date(ms));
}

/** Milliseconds since the epoch, with missing or unparsable times first (as Go's zero time sorts). */
export function conditionTimeMillis(value: string | undefined): number {
  if (!value) return Number.NEGATIVE_INFINITY;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}
