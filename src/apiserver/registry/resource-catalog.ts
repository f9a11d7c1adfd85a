import type { ResourceDefinition } from './resource-definition.js';

/** Kube-aware version ordering: GA > beta > alpha, higher numbers first, then the rest alphabetically. */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0, v];
    const major = Number(m[1]);
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -major, -(Number(m[3] ?? 0) || 0), v];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (ra[i] as number) - (rb[i] as number);
  return ra[3] < rb[3] ? -1 : ra[3] > rb[3] ? 1 : 0;
}

/**
 * The resources served right now, by group/version/plural. Built-ins are added once; CRD versions come and
 * go as CRDs are established and deleted. Listeners hear every change (discovery and OpenAPI caches).
 */
export class ResourceCatalog {
  #byKey = new Map<string, ResourceDefinition>();
  #listeners = new Set<() => void>();
  #generation = 0;

  static key(group: string, version: string, plural: string): string {
    return `${group}/${version}/${plural}`;
  }

  add(def: ResourceDefinition): void {
    this.#byKey.set(ResourceCatalog.key(def.group, def.version, def.plural), def);
    this.#changed();
  }

  replaceGroupResource(group: string, plural: string, defs: ResourceDefinition[]): void {
    for (const [k, d] of this.#byKey) if (d.group === group && d.plural === plural) this.#byKey.delete(k);
    for (const d of defs) this.#byKey.set(ResourceCatalog.key(d.group, d.version, d.plural), d);
    this.#changed();
  }

  get(group: string, version: string, plural: string): ResourceDefinition | undefined {
    return this.#byKey.get(ResourceCatalog.key(group, version, plural));
  }

  all(): ResourceDefinition[] {
    return [...this.#byKey.values()];
  }

  /** Groups with their served versions in preference order; the core group is "". */
  groups(): Map<string, string[]> {
    const groups = new Map<string, Set<string>>();
    for (const d of this.#byKey.values()) {
      let set = groups.get(d.group);
      if (!set) groups.set(d.group, (set = new Set()));
      set.add(d.version);
    }
    const out = new Map<string, string[]>();
    for (const [g, vs] of [...groups].sort(([a], [b]) => a.localeCompare(b)))
      out.set(g, [...vs].sort(compareKubeVersions));
    return out;
  }

  inGroupVersion(group: string, version: string): ResourceDefinition[] {
    return this.all()
      .filter((d) => d.group === group && d.version === version)
      .sort((a, b) => a.plural.localeCompare(b.plural));
  }

  /** A counter that changes whenever the served set changes (cache keys for discovery/OpenAPI). */
  get generation(): number {
    return this.#generation;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    this.#generation++;
    for (const l of this.#listeners) l();
  }
}
