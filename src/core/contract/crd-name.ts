// Where core finds a provider kind's CRD: `<plural>.<group>`, the plural being the lower-cased kind
// pluralised the way upstream's CalculateCRDName does (flect's English rules for the endings kinds have).

const IRREGULAR: Record<string, string> = { person: 'people', child: 'children' };

/** The lower-case plural of a kind: `DevMachine` -> `devmachines`, `Policy` -> `policies`, `Ingress` -> `ingresses`. */
export function pluralOfKind(kind: string): string {
  const lower = kind.toLowerCase();
  if (IRREGULAR[lower]) return IRREGULAR[lower];
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

/** The name a provider's CRD must have for core to find it. */
export function calculateCrdName(group: string, kind: string): string {
  return `${pluralOfKind(kind)}.${group}`;
}
