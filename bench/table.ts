/** Prints rows as a plain-text table with `|` separators, each column as wide as its widest cell. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)));
  const print = (r: readonly string[]): void =>
    console.log(widths.map((w, i) => (r[i] ?? '').padEnd(w)).join(' | '));
  print(header);
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) print(r);
}
