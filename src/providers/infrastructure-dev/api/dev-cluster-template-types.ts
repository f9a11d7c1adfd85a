import { templateKindSchema } from '../../../core/api/openapi/crd.js';
import { object, required, type Static } from '../../../core/api/openapi/schema-builder.js';
import { ageColumn, objectMeta } from '../../../core/api/v1beta2/common-types.js';
import { providerCustomResourceDefinition } from '../../../core/api/v1beta2/provider-crd.js';
import { devClusterSpec } from './dev-cluster-types.js';
import { GROUP } from './group.js';

export const DevClusterTemplateSchema = templateKindSchema(
  'DevClusterTemplate',
  'A DevCluster blueprint; ClusterClass topologies create DevClusters from it.',
  object(
    {
      metadata: objectMeta('Labels and annotations for objects created from the template.'),
      spec: required(devClusterSpec()),
    },
    { description: 'The DevCluster to create.' },
  ),
);

export type DevClusterTemplate = Static<typeof DevClusterTemplateSchema>;
export type DevClusterTemplateSpec = NonNullable<DevClusterTemplate['spec']>;

export const devClusterTemplateCrd = () =>
  providerCustomResourceDefinition({
    group: GROUP,
    kind: 'DevClusterTemplate',
    plural: 'devclustertemplates',
    version: { schema: DevClusterTemplateSchema, printerColumns: [ageColumn()] },
  });
