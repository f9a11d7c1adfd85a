import { kindSchema } from '../../../core/api/openapi/crd.js';
import { metav1Conditions } from '../../../core/api/openapi/kubernetes-schemas.js';
import { boolean, object, type Static } from '../../../core/api/openapi/schema-builder.js';
import {
  ageColumn,
  clusterLabelColumn,
  deprecatedStatus,
  observedGeneration,
  pausedColumn,
} from '../../../core/api/v1beta2/common-types.js';
import { providerCustomResourceDefinition } from '../../../core/api/v1beta2/provider-crd.js';
import { boundedString } from './bounded-string.js';
import { KubeadmConfigSpecSchema } from './kubeadm-config-spec-types.js';
import { GROUP } from './well-known.js';

export const KubeadmConfigStatusSchema = object(
  {
    conditions: metav1Conditions('Ready, DataSecretAvailable, CertificatesAvailable and Paused.'),
    dataSecretName: boundedString(253, 'Name of the Secret holding the bootstrap data.'),
    deprecated: deprecatedStatus({
      failureMessage: boundedString(10240, 'Terminal error message (deprecated).'),
      failureReason: boundedString(256, 'Terminal error reason (deprecated).'),
    }),
    initialization: object(
      {
        dataSecretCreated: boolean({
          description: 'True once the bootstrap data Secret exists (contract field read by the Machine).',
        }),
      },
      { description: 'Progress of the initial provisioning.', minProperties: 1 },
    ),
    observedGeneration: observedGeneration(),
  },
  { description: 'The observed state of the KubeadmConfig.', minProperties: 1 },
);
export type KubeadmConfigStatus = Static<typeof KubeadmConfigStatusSchema>;

export const KubeadmConfigSchema = kindSchema('Bootstrap data of one Machine, rendered with kubeadm.', {
  spec: KubeadmConfigSpecSchema,
  status: KubeadmConfigStatusSchema,
});
export type KubeadmConfig = Static<typeof KubeadmConfigSchema>;

export const kubeadmConfigCrd = () =>
  providerCustomResourceDefinition({
    group: GROUP,
    kind: 'KubeadmConfig',
    plural: 'kubeadmconfigs',
    version: {
      schema: KubeadmConfigSchema,
      status: true,
      printerColumns: [
        clusterLabelColumn(),
        pausedColumn(),
        {
          name: 'Data secret created',
          type: 'string',
          jsonPath: '.status.initialization.dataSecretCreated',
          description: 'Bootstrap secret is created',
        },
        ageColumn(),
      ],
    },
  });
