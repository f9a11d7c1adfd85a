import { apiVersionOf, parseApiVersion, type TypeRef } from '../api/object.js';
import { isNotFound, NoKindMatchError } from './errors.js';
import type { Transport } from './transport.js';

/** Where a kind lives on the server. */
export interface RestMapping {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name in URLs (`deployments`). */
  resource: string;
  namespaced: boolean;
  /** Subresources the server serves for it (`status`, `scale`, ...). */
  subresources: Set<string>;
  verbs: string[];
}

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
}

interface ApiResourceList {
  groupVersion?: string;
  resources?: ApiResource[];
}

/** How long a "this kind does not exist" answer is trusted before discovery is asked again. */
const NEGATIVE_TTL_MS = 1_000;

/**
 * Maps `{ apiVersion, kind }` to resource URLs by asking discovery, one group-version at a time and only when
 * first needed. A kind that is missing triggers a fresh look at its group-version (a CRD may just have been
 * installed), at most once a second.
 */
export class RestMapper {
  readonly #transport: Transport;
  readonly #byGroupVersion = new Map<string, Promise<Map<string, RestMapping>>>();
  readonly #missingSince = new Map<string, number>();

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async mappingFor(type: TypeRef): Promise<RestMapping> {
    const gv = parseApiVersion(type.apiVersion);
    const gvKey = apiVersionOf(gv);
    let mappings = await this.#load(gvKey);
    let mapping = mappings.get(type.kind);
    if (!mapping) {
      const missing = this.#missingSince.get(gvKey);
      if (missing === undefined || performance.now() - missing > NEGATIVE_TTL_MS) {
        this.#byGroupVersion.delete(gvKey);
        mappings = await this.#load(gvKey);
        mapping = mappings.get(type.kind);
        if (!mapping) this.#missingSince.set(gvKey, performance.now());
      }
    }
    if (!mapping) throw new NoKindMatchError(type.apiVersion, type.kind);
    return mapping;
  }

  /** Forgets what discovery said (after CRDs change). */
  reset(): void {
    this.#byGroupVersion.clear();
    this.#missingSince.clear();
  }

  #load(gvKey: string): Promise<Map<string, RestMapping>> {
    let pending = this.#byGroupVersion.get(gvKey);
    if (!pending) {
      pending = this.#discover(gvKey);
      this.#byGroupVersion.set(gvKey, pending);
      // A failed discovery must not be cached: the next call asks again.
      pending.catch(() => this.#byGroupVersion.delete(gvKey));
    }
    return pending;
  }

  async #discover(gvKey: string): Promise<Map<string, RestMapping>> {
    const { group, version } = parseApiVersion(gvKey);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const result = new Map<string, RestMapping>();
    let list: ApiResourceList;
    try {
      list = (await this.#transport.requestJson({ method: 'GET', path, verb: 'get' }))
        .body as ApiResourceList;
    } catch (err) {
      if (isNotFound(err)) return result;
      throw err;
    }
    const subresources = new Map<string, Set<string>>();
    for (const r of list.resources ?? []) {
      const slash = r.name.indexOf('/');
      if (slash < 0) continue;
      const parent = r.name.slice(0, slash);
      if (!subresources.has(parent)) subresources.set(parent, new Set());
      subresources.get(parent)?.add(r.name.slice(slash + 1));
    }
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue;
      result.set(r.kind, {
        group,
        version,
        kind: r.kind,
        resource: r.name,
        namespaced: r.namespaced,
        subresources: subresources.get(r.name) ?? new Set(),
        verbs: r.verbs ?? [],
      });
    }
    return result;
  }
}
