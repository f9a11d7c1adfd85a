// Small text helpers for condition messages, worded as upstream's. `listToString` and `machinesPhrase` are
// shared with core (`src/core/util`).

/** Go's `%s` of a string slice: `[a b c]`. */
export const goStringSlice = (items: readonly string[]): string => `[${items.join(' ')}]`;
