import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { isNotFound } from '../../controller-runtime/client/errors.js';
import { contractLabel } from '../api/v1beta2/well-known.js';
import { calculateCrdName } from './crd-name.js';

/** Contract versions core reads, newest first. */
export const CONTRACT_VERSIONS = ['v1beta2', 'v1beta1'] as const;
export type ContractVersion = (typeof CONTRACT_VERSIONS)[number];

const CRD_TYPE: TypeRef = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

/** A `{apiGroup, kind, name}` reference: what v1beta2 objects carry instead of an apiVersion. */
export interface ContractReference {
  apiGroup: string;
  kind: string;
  name: string;
}

/** The referenced kind has no CRD, or its CRD declares no contract core supports. */
export class UnsupportedContractError extends Error {
  override readonly name = 'UnsupportedContractError';
}
export const isUnsupportedContract = (err: unknown): err is UnsupportedContractError =>
  err instanceof UnsupportedContractError;

/** How core talks to a provider kind: the API version to use and the contract its fields follow. */
export interface ResolvedKind {
  apiVersion: string;
  contract: ContractVersion;
}

type Crd = KubeObject & { spec?: { group?: string; versions?: { name: string; served?: boolean }[] } };

/**
 * Resolves the API version of a provider kind from its CRD's contract labels (`cluster.x-k8s.io/v1beta2:
 * v1beta2`, several versions joined by `_`, the last one the newest): the newest served version of the newest
 * contract core supports. Answers are cached per kind until the CRD changes (its resourceVersion).
 */
export class ContractResolver {
  readonly #reader: Reader;
  readonly #cache = new Map<string, { resourceVersion: string; resolved: ResolvedKind }>();

  constructor(reader: Reader) {
    this.#reader = reader;
  }

  async resolve(ref: { apiGroup: string; kind: string }): Promise<ResolvedKind> {
    const name = calculateCrdName(ref.apiGroup, ref.kind);
    let crd: Crd;
    try {
      crd = await this.#reader.get<Crd>(CRD_TYPE, { name });
    } catch (err) {
      if (isNotFound(err))
        throw new UnsupportedContractError(
          `no CustomResourceDefinition ${name} for ${ref.kind}.${ref.apiGroup}: is its provider installed?`,
        );
      throw err;
    }
    const rv = crd.metadata.resourceVersion ?? '';
    const cached = this.#cache.get(name);
    if (cached && cached.resourceVersion === rv) return cached.resolved;
    const resolved = resolveFromCrd(crd, ref);
    this.#cache.set(name, { resourceVersion: rv, resolved });
    return resolved;
  }

  /** The TypeRef of a reference's kind. */
  async typeOf(ref: { apiGroup: string; kind: string }): Promise<TypeRef & { contract: ContractVersion }> {
    const { apiVersion, contract } = await this.resolve(ref);
    return { apiVersion, kind: ref.kind, contract };
  }
}

/** The version and contract a CRD's labels declare; exported for tests and tooling. */
export function resolveFromCrd(crd: Crd, ref: { apiGroup: string; kind: string }): ResolvedKind {
  const labels = crd.metadata.labels ?? {};
  const served = new Set((crd.spec?.versions ?? []).filter((v) => v.served !== false).map((v) => v.name));
  for (const contract of CONTRACT_VERSIONS) {
    const value = labels[contractLabel(contract)];
    if (!value) continue;
    const versions = value.split('_').filter((v) => v && served.has(v));
    const newest = versions[versions.length - 1];
    if (newest) return { apiVersion: `${ref.apiGroup}/${newest}`, contract };
  }
  throw new UnsupportedContractError(
    `CustomResourceDefinition ${crd.metadata.name ?? ''} has no ${CONTRACT_VERSIONS.map((c) => contractLabel(c)).join(' or ')} label naming a served version, so core cannot tell which version of ${ref.kind} to use`,
  );
}
