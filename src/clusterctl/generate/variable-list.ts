import type { TemplateVariable } from './envsubst.js';

/**
 * `capi generate cluster --list-variables`, laid out as clusterctl prints it: required names, then optional ones with
 * their defaults in an aligned column, both sorted by name, and a closing blank line.
 *
 *     Required Variables:
 *       - KUBERNETES_VERSION
 *
 *     Optional Variables:
 *       - CLUSTER_NAME   (defaults to "demo")
 *       - POD_CIDR       (defaults to "[\"192.168.0.0/16\"]")
 */
export function formatVariableList(variables: readonly TemplateVariable[]): string {
  const byName = [...variables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const required = byName.filter((v) => v.default === undefined);
  const optional = byName.filter((v) => v.default !== undefined);
  let out = '';
  if (required.length > 0) {
    out += 'Required Variables:\n' + required.map((v) => `  - ${v.name}\n`).join('');
  }
  if (optional.length > 0) {
    const cells = optional.map((v) => `  - ${v.name}`);
    const width = Math.max(...cells.map((c) => c.length)) + 2;
    out += '\nOptional Variables:\n';
    out += optional.map((v, i) => `${cells[i]!.padEnd(width)}(defaults to ${quote(v.default!)})\n`).join('');
  }
  return out + '\n';
}

/** `capi generate yaml --list-variables`: names only, as clusterctl prints them; a lone blank line when there are none. */
export function formatVariableNames(variables: readonly TemplateVariable[]): string {
  if (variables.length === 0) return '\n';
  const names = variables.map((v) => v.name).sort();
  return 'Variables:\n' + names.map((n) => `  - ${n}\n`).join('');
}

/** Defaults already written in double quotes (`"cluster.local"`) are shown as written, others quoted like Go's %q. */
const quote = (value: string): string => (value.startsWith('"') ? value : JSON.stringify(value));
