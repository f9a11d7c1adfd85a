import { templateKindSchema } from '../../../core/api/openapi/crd.js';
import { object, type Static } from '../../../core/api/openapi/schema-builder.js';
import { ageColumn, objectMeta } from '../../../core/api/v1beta2/common-types.js';
import { providerCustomResourceDefinition } from '../../../core/api/v1beta2/provider-crd.js';
import { KubeadmConfigSpecSchema } from './kubeadm-config-spec-types.js';
import { GROUP } from './well-known.js';

export const KubeadmConfigTemplateResourceSchema = object(
  {
    metadata: objectMeta('Labels and annotations of the KubeadmConfigs created from the template.'),
    spec: KubeadmConfigSpecSchema,
  },
  { description: 'The KubeadmConfig created for each Machine.', minProperties: 1 },
);
export type KubeadmConfigTemplateResource = Static<typeof KubeadmConfigTemplateResourceSchema>;

export const KubeadmConfigTemplateSchema = templateKindSchema(
  'KubeadmConfigTemplate',
  'A template of KubeadmConfigs, cloned for each Machine of a MachineDeployment, MachineSet or MachinePool.',
  KubeadmConfigTemplateResourceSchema,
);
export type KubeadmConfigTemplate = Static<typeof KubeadmConfigTemplateSchema>;

export const kubeadmConfigTemplateCrd = () =>
  providerCustomResourceDefinition({
    group: GROUP,
    kind: 'KubeadmConfigTemplate',
    plural: 'kubeadmconfigtemplates',
    version: {
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
        ageColumn(),
      ],
    },
  });
