import { customResourceDefinition, kindSchema } from '../../../core/api/openapi/crd.js';
import { object, required, type Static } from '../../../core/api/openapi/schema-builder.js';
import { ageColumn, machineNaming, objectMeta } from '../../../core/api/v1beta2/common-types.js';
import { CLUSTER_API_CATEGORY } from '../../../core/api/v1beta2/group.js';
import { CONTRACT_LABELS } from '../../../core/api/v1beta2/well-known.js';
import { KubeadmConfigSpecSchema } from '../../bootstrap-kubeadm/api/kubeadm-config-spec-types.js';
import {
  KubeadmControlPlaneRemediationSchema,
  KubeadmControlPlaneRolloutSchema,
  KubeadmControlPlaneTemplateMachineTemplateSchema,
} from './kubeadm-control-plane-types.js';
import { GROUP, VERSION } from './well-known.js';

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

export const KubeadmControlPlaneTemplateSchema = kindSchema(
  'A template of KubeadmControlPlanes, referenced by ClusterClasses.',
  {
    spec: object(
      { template: required(KubeadmControlPlaneTemplateResourceSchema) },
      { description: 'The desired state of the KubeadmControlPlaneTemplate.' },
    ),
  },
);
export type KubeadmControlPlaneTemplate = Static<typeof KubeadmControlPlaneTemplateSchema>;

export const kubeadmControlPlaneTemplateCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'KubeadmControlPlaneTemplate',
    plural: 'kubeadmcontrolplanetemplates',
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    labels: { ...CONTRACT_LABELS },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
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
    ],
  });
