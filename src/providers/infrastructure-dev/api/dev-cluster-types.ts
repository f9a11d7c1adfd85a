import { kindSchema, objectMetadata } from '../../../core/api/openapi/crd.js';
import { metav1Conditions, v1beta1Conditions } from '../../../core/api/openapi/kubernetes-schemas.js';
import { object, type Static, string, required } from '../../../core/api/openapi/schema-builder.js';
import {
  ageColumn,
  apiEndpoint,
  clusterLabelColumn,
  failureDomains,
} from '../../../core/api/v1beta2/common-types.js';
import { providerCustomResourceDefinition } from '../../../core/api/v1beta2/provider-crd.js';
import { initializationStatus } from './common-types.js';
import { GROUP } from './group.js';

/** The docker backend of a DevCluster: an HAProxy container in front of the control plane. */
export const dockerClusterBackendSpec = () =>
  object(
    {
      failureDomains: failureDomains('Failure domains Machines of the cluster can be spread over.'),
      loadBalancer: object(
        {
          customHAProxyConfigTemplateRef: object(
            {
              name: string({
                description:
                  'Name of a ConfigMap, in the DevCluster namespace, with the HAProxy config template.',
                default: '',
              }),
            },
            { description: 'Replaces the built-in HAProxy configuration template.', mapType: 'atomic' },
          ),
          imageRepository: string({ description: 'Registry the load balancer image is pulled from.' }),
          imageTag: string({ description: 'Tag of the load balancer image.' }),
        },
        { description: 'The load balancer container.' },
      ),
    },
    { description: 'Runs the cluster with docker containers.' },
  );

/** The spec of a DevCluster; DevClusterTemplate embeds the same. */
export const devClusterSpec = () =>
  object(
    {
      backend: required(
        object(
          {
            docker: dockerClusterBackendSpec(),
            inMemory: object({}, { description: 'Runs the cluster in memory (simulated machines).' }),
          },
          { description: 'Which backend provides the cluster infrastructure; set exactly one.' },
        ),
      ),
      controlPlaneEndpoint: apiEndpoint('Where the control plane is reached; set by the backend when empty.'),
    },
    { description: 'The desired state of the DevCluster.' },
  );

export const DevClusterSchema = kindSchema(
  'Cluster infrastructure of the dev provider (docker or in memory).',
  {
    metadata: objectMetadata(),
    spec: devClusterSpec(),
    status: object(
      {
        conditions: metav1Conditions('Ready, LoadBalancerAvailable and Paused, one per condition type.'),
        deprecated: object(
          {
            v1beta1: object(
              { conditions: v1beta1Conditions() },
              { description: 'Fields only clients of the v1beta1 API still read.' },
            ),
          },
          { description: 'Fields kept for older API versions; removed with them.' },
        ),
        failureDomains: failureDomains('Failure domains Cluster API may spread Machines over.'),
        initialization: initializationStatus('Provisioning milestones of the cluster infrastructure.'),
      },
      { description: 'The observed state of the DevCluster.' },
    ),
  },
);

export type DevCluster = Static<typeof DevClusterSchema>;
export type DevClusterSpec = Static<ReturnType<typeof devClusterSpec>>;
export type DevClusterStatus = NonNullable<DevCluster['status']>;

export const devClusterCrd = () =>
  providerCustomResourceDefinition({
    group: GROUP,
    kind: 'DevCluster',
    plural: 'devclusters',
    version: { schema: DevClusterSchema, status: true, printerColumns: [clusterLabelColumn(), ageColumn()] },
  });
