import { customResourceDefinition, kindSchema } from '../../../core/api/openapi/crd.js';
import { object, required, type Static } from '../../../core/api/openapi/schema-builder.js';
import { objectMeta } from '../../../core/api/v1beta2/common-types.js';
import { CLUSTER_API_CATEGORY } from '../../../core/api/v1beta2/group.js';
import { CONTRACT_LABELS } from '../../../core/api/v1beta2/well-known.js';
import { KubeadmConfigSpecSchema } from './kubeadm-config-spec-types.js';
import { GROUP, VERSION } from './well-known.js';

export const KubeadmConfigTemplateResourceSchema = object(
  {
    metadata: objectMeta('Labels and annotations of the KubeadmConfigs created from the template.'),
    spec: KubeadmConfigSpecSchema,
  },
  { description: 'The KubeadmConfig created for each Machine.', minProperties: 1 },
);
export type KubeadmConfigTemplateResource = Static<typeof KubeadmConfigTemplateResourceSchema>;

export const KubeadmConfigTemplateSchema = kindSchema(
  'A template of KubeadmConfigs, cloned for each Machine of a MachineDeployment, MachineSet or MachinePool.',
  {
    spec: object(
      { template: required(KubeadmConfigTemplateResourceSchema) },
      { description: 'The desired state of the KubeadmConfigTemplate.' },
    ),
  },
);
export type KubeadmConfigTemplate = Static<typeof KubeadmConfigTemplateSchema>;

export const kubeadmConfigTemplateCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'KubeadmConfigTemplate',
    plural: 'kubeadmconfigtemplates',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    labels: { ...CONTRACT_LABELS },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: KubeadmConfigTemplateSchema,
        printerColumns: [
          {
            name: 'ClusterClass',
            type: 'string',
            jsonPath: '.metadata.ownerReferences[?(@.kind=="ClusterClass")].name',
            description: 'ClusterClass that owns the template',
          },
          {
            name: 'Cluster',
            type: 'string',
            jsonPath: '.metadata.ownerReferences[?(@.kind=="Cluster")].name',
            description: 'Cluster that owns the template',
          },
          {
            name: 'Age',
            type: 'date',
            jsonPath: '.metadata.creationTimestamp',
            description: 'Time since creation',
          },
        ],
      },
    ],
  });
