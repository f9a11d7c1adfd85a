import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import {
  type CustomResourceDefinition,
  customResourceDefinition,
  kindSchema,
} from '../../core/api/openapi/crd.js';
import { type Static, string } from '../../core/api/openapi/schema-builder.js';
import { CLUSTER_API_CATEGORY } from '../../core/api/v1beta2/group.js';

/** clusterctl's inventory API group; its CRD carries `clusterctl.cluster.x-k8s.io/core: inventory`. */
export const CLUSTERCTL_GROUP = 'clusterctl.cluster.x-k8s.io';
export const PROVIDER_TYPE: TypeRef = { apiVersion: `${CLUSTERCTL_GROUP}/v1alpha3`, kind: 'Provider' };

/** Labels clusterctl puts on everything it installs, and on the inventory CRD. */
export const ClusterctlLabel = {
  /** Empty value, on every object clusterctl installs. */
  Clusterctl: 'clusterctl.cluster.x-k8s.io',
  /** `inventory` on the Provider CRD, `cert-manager` on cert-manager's objects. */
  Core: 'clusterctl.cluster.x-k8s.io/core',
} as const;

/** Upstream's `ProviderType` values. capi-ts registers itself as one CoreProvider. */
export const ProviderType = {
  Core: 'CoreProvider',
  Bootstrap: 'BootstrapProvider',
  ControlPlane: 'ControlPlaneProvider',
  Infrastructure: 'InfrastructureProvider',
} as const;

export const ProviderSchema = kindSchema(
  'Provider defines an entry in the provider inventory (one per installed provider).',
  {
    providerName: string({ description: 'The name of the provider.' }),
    type: string({ description: 'The type of the provider (CoreProvider, InfrastructureProvider, ...).' }),
    version: string({ description: 'The version of the provider installed (e.g. v1.14.0).' }),
    watchedNamespace: string({
      description: 'Deprecated: the namespace the provider watches; empty means all namespaces.',
    }),
  },
);

export type Provider = Static<typeof ProviderSchema> & KubeObject;

/**
 * clusterctl's `Provider` CRD (`clusterctl.cluster.x-k8s.io/v1alpha3`), named, scoped, categorised and printed
 * as upstream's (`NAME AGE TYPE PROVIDER VERSION`), so `clusterctl` and `kubectl get providers -A` read the
 * inventory `capi init` writes.
 */
export function providerCrd(): CustomResourceDefinition {
  return customResourceDefinition({
    group: CLUSTERCTL_GROUP,
    kind: 'Provider',
    plural: 'providers',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    labels: { [ClusterctlLabel.Core]: 'inventory', [ClusterctlLabel.Clusterctl]: '' },
    versions: [
      {
        name: 'v1alpha3',
        served: true,
        storage: true,
        schema: ProviderSchema,
        printerColumns: [
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          { name: 'Type', type: 'string', jsonPath: '.type' },
          { name: 'Provider', type: 'string', jsonPath: '.providerName' },
          { name: 'Version', type: 'string', jsonPath: '.version' },
        ],
      },
    ],
  });
}
