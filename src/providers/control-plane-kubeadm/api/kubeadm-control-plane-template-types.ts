import { templateKindSchema } from '../../../core/api/openapi/crd.js';
import { object, type Static } from '../../../core/api/openapi/schema-builder.js';
import { ageColumn, machineNaming, objectMeta } from '../../../core/api/v1beta2/common-types.js';
import { providerCustomResourceDefinition } from '../../../core/api/v1beta2/provider-crd.js';
import { KubeadmConfigSpecSchema } from '../../bootstrap-kubeadm/api/kubeadm-config-spec-types.js';
import {
  KubeadmControlPlaneRemediationSchema,
  KubeadmControlPlaneRolloutSchema,
  KubeadmControlPlaneTemplateMachineTemplateSchema,
} from './kubeadm-control-plane-types.js';
import { GROUP } from './well-known.js';

/**
 * What a ClusterClass stamps into each KubeadmControlPlane. Replicas, version and the infrastructure
 * reference are absent: the Cluster topology and the ClusterClass provide them.
 */
export const KubeadmControlPlaneTemplateResourceSpecSchema = object(
  {
    kubeadmConfigSpec: KubeadmConfigSpecSchema,
    machineNaming: machineNaming(),
    machineTemplate: KubeadmControlPlaneTemplateMachineTemplateSchema,
    remediation: KubeadmControlPlaneRemediationSchema,
    rollout: KubeadmControlPlaneRolloutSchema,
  },
  { description: 'The spec of the KubeadmControlPlanes created from the template.', minProperties: 1 },
);
export type KubeadmControlPlaneTemplateResourceSpec = Static<
  typeof KubeadmControlPlaneTemplateResourceSpecSchema
>;

export const KubeadmControlPlaneTemplateResourceSchema = object(
  {
    metadata: objectMeta('Labels and annotations of the KubeadmControlPlanes created from the template.'),
    spec: KubeadmControlPlaneTemplateResourceSpecSchema,
  },
  { description: 'The KubeadmControlPlane created from the template.', minProperties: 1 },
);
export type KubeadmControlPlaneTemplateResource = Static<typeof KubeadmControlPlaneTemplateResourceSchema>;

export const KubeadmControlPlaneTemplateSchema = templateKindSchema(
  'KubeadmControlPlaneTemplate',
  'A template of KubeadmControlPlanes, referenced by ClusterClasses.',
  KubeadmControlPlaneTemplateResourceSchema,
);
export type KubeadmControlPlaneTemplate = Static<typeof KubeadmControlPlaneTemplateSchema>;

export const kubeadmControlPlaneTemplateCrd = () =>
  providerCustomResourceDefinition({
    group: GROUP,
    kind: 'KubeadmControlPlaneTemplate',
    plural: 'kubeadmcontrolplanetemplates',
    version: {
      schema: KubeadmControlPlaneTemplateSchema,
      printerColumns: [
        {
          name: 'ClusterClass',
          type: 'string',
          jsonPath: '.metadata.ownerReferences[?(@.kind=="ClusterClass")].name',
          description: 'ClusterClass that owns the template',
        },
        ageColumn(),
      ],
    },
  });
