import { customResourceDefinition, kindSchema, objectMetadata } from '../../../core/api/openapi/crd.js';
import { object, required, type Static } from '../../../core/api/openapi/schema-builder.js';
import { objectMeta } from '../../../core/api/v1beta2/common-types.js';
import { CLUSTER_API_CATEGORY } from '../../../core/api/v1beta2/group.js';
import { CONTRACT_LABELS } from '../../../core/api/v1beta2/well-known.js';
import { ageColumn, devClusterSpec } from './dev-cluster-types.js';
import { GROUP } from './group.js';

export const DevClusterTemplateSchema = kindSchema(
  'A DevCluster blueprint; ClusterClass topologies create DevClusters from it.',
  {
    metadata: objectMetadata(),
    spec: object(
      {
        template: required(
          object(
            {
              metadata: objectMeta('Labels and annotations for objects created from the template.'),
              spec: required(devClusterSpec()),
            },
            { description: 'The DevCluster to create.' },
          ),
        ),
      },
      { description: 'The desired state of the DevClusterTemplate.' },
    ),
  },
);

export type DevClusterTemplate = Static<typeof DevClusterTemplateSchema>;
export type DevClusterTemplateSpec = NonNullable<DevClusterTemplate['spec']>;

export const devClusterTemplateCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'DevClusterTemplate',
    plural: 'devclustertemplates',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    labels: { ...CONTRACT_LABELS },
    versions: [
      {
        name: 'v1beta2',
        served: true,
        storage: true,
        schema: DevClusterTemplateSchema,
        printerColumns: [{ ...ageColumn }],
      },
    ],
  });
