import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';

/** Renders objects as a `meta.k8s.io/v1` Table for kubectl's human-readable output. */
export interface TableBuilder {
  build(
    def: ResourceDefinition,
    items: KubeObject[],
    listMeta: Record<string, unknown>,
    includeObject: 'None' | 'Metadata' | 'Object',
    withColumnDefinitions: boolean,
  ): unknown;
}
