import { type CrdVersion, type CustomResourceDefinition, customResourceDefinition } from '../openapi/crd.js';
import { CLUSTER_API_CATEGORY } from './group.js';
import { CONTRACT_LABELS } from './well-known.js';

/**
 * The CRD of a provider kind. Every provider kind here is namespaced, listed by `kubectl get cluster-api`, and
 * has one version, v1beta2, served and stored, which implements contract v1beta2 (`CONTRACT_LABELS`).
 */
export function providerCustomResourceDefinition(def: {
  group: string;
  kind: string;
  plural: string;
  shortNames?: string[];
  version: Omit<CrdVersion, 'name' | 'served' | 'storage'>;
}): CustomResourceDefinition {
  return customResourceDefinition({
    group: def.group,
    kind: def.kind,
    plural: def.plural,
    ...(def.shortNames ? { shortNames: def.shortNames } : {}),
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    labels: { ...CONTRACT_LABELS },
    versions: [{ name: 'v1beta2', served: true, storage: true, ...def.version }],
  });
}
