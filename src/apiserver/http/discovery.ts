import { createHash } from 'node:crypto';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { ResourceDefinition } from '../registry/resource-definition.js';

/** The Kubernetes version this server reports (kubectl's PATH dispatcher picks its binary by `minor`). */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-capi-ts',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-23T00:00:00Z',
  goVersion: 'node',
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

const hash8 = (s: string): string => createHash('sha256').update(s).digest('base64').slice(0, 11);

/**
 * Discovery documents, rebuilt lazily whenever the catalog changes (CRDs established or removed): legacy
 * `/api`, `/apis`, per group-version resource lists, and aggregated discovery v2 / v2beta1.
 */
export class Discovery {
  #catalog: ResourceCatalog;
  #cache = new Map<string, { body: unknown; etag: string }>();
  #cachedAt = -1;

  constructor(catalog: ResourceCatalog) {
    this.#catalog = catalog;
  }

  #cached(key: string, build: () => unknown): { body: unknown; etag: string } {
    if (this.#cachedAt !== this.#catalog.generation) {
      this.#cache.clear();
      this.#cachedAt = this.#catalog.generation;
    }
    let hit = this.#cache.get(key);
    if (!hit) {
      const body = build();
      hit = {
        body,
        etag: `"${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32)}"`,
      };
      this.#cache.set(key, hit);
    }
    return hit;
  }

  apiVersions(serverAddress: string): unknown {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  apiGroupList(): { body: unknown; etag: string } {
    return this.#cached('groups', () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...this.#catalog.groups()]
        .filter(([g]) => g !== '')
        .map(([g, versions]) => this.#group(g, versions)),
    }));
  }

  apiGroup(group: string): unknown {
    const versions = this.#catalog.groups().get(group);
    if (!versions) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.#group(group, versions) };
  }

  #group(name: string, versions: string[]): Record<string, unknown> {
    const gv = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions: gv, preferredVersion: gv[0] };
  }

  /** `GET /api/v1` or `/apis/<g>/<v>`; undefined when the group version is not served. */
  resourceList(group: string, version: string): { body: unknown; etag: string } | undefined {
    const defs = this.#catalog.inGroupVersion(group, version);
    if (defs.length === 0) return undefined;
    return this.#cached(`rl:${group}/${version}`, () => ({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: defs.flatMap((d) => this.#apiResources(d)),
    }));
  }

  #apiResources(d: ResourceDefinition): ApiResource[] {
    const main: ApiResource = {
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: [...d.verbs].sort(),
      storageVersionHash: hash8(`${d.group}/${d.version}/${d.kind}`),
    };
    if (d.shortNames.length > 0) main.shortNames = d.shortNames;
    if (d.categories.length > 0) main.categories = d.categories;
    const out: ApiResource[] = [main];
    const subs: ApiResource[] = [];
    if (d.subresources.status)
      subs.push({
        name: `${d.plural}/status`,
        singularName: '',
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: ['get', 'patch', 'update'],
      });
    if (d.subresources.scale)
      subs.push({
        name: `${d.plural}/scale`,
        singularName: '',
        namespaced: d.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      });
    for (const s of d.subresources.others ?? [])
      subs.push({
        name: `${d.plural}/${s.name}`,
        singularName: '',
        namespaced: d.namespaced,
        ...(s.group !== d.group || s.version !== d.version ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    // Main resources before their subresources: client-node maps kinds by the first matching entry.
    return [...out, ...subs.sort((a, b) => a.name.localeCompare(b.name))];
  }

  /** Aggregated discovery for `/api` (core) or `/apis` (everything else). */
  aggregated(which: 'api' | 'apis', version: 'v2' | 'v2beta1'): { body: unknown; etag: string } {
    return this.#cached(`agg:${which}:${version}`, () => {
      const groups = [...this.#catalog.groups()].filter(([g]) => (which === 'api' ? g === '' : g !== ''));
      return {
        kind: 'APIGroupDiscoveryList',
        apiVersion: `apidiscovery.k8s.io/${version}`,
        metadata: {},
        items: groups.map(([g, versions]) => ({
          metadata: g ? { name: g } : {},
          versions: versions.map((v) => ({
            version: v,
            resources: this.#catalog.inGroupVersion(g, v).map((d) => this.#aggregatedResource(d)),
            freshness: 'Current',
          })),
        })),
      };
    });
  }

  #aggregatedResource(d: ResourceDefinition): Record<string, unknown> {
    const subresources: Record<string, unknown>[] = [];
    if (d.subresources.status)
      subresources.push({
        subresource: 'status',
        responseKind: { group: d.group, version: d.version, kind: d.kind },
        verbs: ['get', 'patch', 'update'],
      });
    if (d.subresources.scale)
      subresources.push({
        subresource: 'scale',
        responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        verbs: ['get', 'patch', 'update'],
      });
    for (const s of d.subresources.others ?? [])
      subresources.push({
        subresource: s.name,
        responseKind: { group: s.group, version: s.version, kind: s.kind },
        verbs: s.verbs,
      });
    return {
      resource: d.plural,
      responseKind: { group: d.group, version: d.version, kind: d.kind },
      scope: d.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: d.singular,
      verbs: [...d.verbs].sort(),
      ...(d.shortNames.length > 0 ? { shortNames: d.shortNames } : {}),
      ...(d.categories.length > 0 ? { categories: d.categories } : {}),
      ...(subresources.length > 0 ? { subresources } : {}),
    };
  }
}
