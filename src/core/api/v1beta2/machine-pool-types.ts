import { customResourceDefinition, kindSchema } from '../openapi/crd.js';
import { metav1Conditions, objectReference } from '../openapi/kubernetes-schemas.js';
import {
  array,
  int32,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../openapi/schema-builder.js';
import {
  ageColumn,
  clusterName,
  deprecatedStatus,
  failureDomain,
  machineInitializationStatus,
  observedGeneration,
  pausedColumn,
  replicaColumns,
  replicaCount,
  replicaStatusFields,
  statusVersions,
  v1beta1FailureFields,
} from './common-types.js';
import { CLUSTER_API_CATEGORY, GROUP, VERSION } from './group.js';
import { machineTemplateSpec } from './machine-types.js';

export const MachinePoolPhase = {
  Pending: 'Pending',
  Provisioning: 'Provisioning',
  Provisioned: 'Provisioned',
  Running: 'Running',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Scaling: 'Scaling',
  Deleting: 'Deleting',
  Failed: 'Failed',
  Unknown: 'Unknown',
} as const;

export const MachinePoolSchema = kindSchema(
  'A group of Machines the infrastructure provider scales as one.',
  {
    spec: required(
      object(
        {
          clusterName: required(clusterName()),
          failureDomains: array(failureDomain(), {
            description: 'The failure domains the pool may spread its Machines over.',
            maxItems: 100,
            listType: 'atomic',
          }),
          providerIDList: array(string({ minLength: 1, maxLength: 512 }), {
            description: 'The provider IDs of the instances, as reported by the infrastructure MachinePool.',
            maxItems: 10000,
            listType: 'atomic',
          }),
          replicas: int32({ description: 'The desired number of instances. Default 1.' }),
          template: required(machineTemplateSpec('The template of the instances.')),
        },
        { description: 'The desired state of the MachinePool.' },
      ),
    ),
    status: object(
      {
        ...replicaStatusFields(),
        conditions: metav1Conditions(),
        deprecated: deprecatedStatus({
          ...v1beta1FailureFields(),
          availableReplicas: replicaCount('Available instances, counted the v1beta1 way.'),
          readyReplicas: replicaCount('Ready instances, counted the v1beta1 way.'),
          unavailableReplicas: replicaCount('Instances still needed for the MachinePool to be available.'),
        }),
        initialization: machineInitializationStatus(),
        nodeRefs: array(objectReference(), {
          description: 'The Nodes of the instances.',
          maxItems: 10000,
          listType: 'atomic',
        }),
        observedGeneration: observedGeneration(),
        phase: stringEnum(Object.values(MachinePoolPhase), {
          description: 'A summary of the lifecycle (deprecated; read the conditions instead).',
        }),
        versions: statusVersions({ maxItems: 100, listType: 'map' }),
      },
      { description: 'The observed state of the MachinePool.', minProperties: 1 },
    ),
  },
);

export type MachinePool = Static<typeof MachinePoolSchema>;

export const machinePoolCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'MachinePool',
    plural: 'machinepools',
    shortNames: ['mp'],
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: MachinePoolSchema,
        status: true,
        // No label selector: the pool's instances are not selected by labels.
        scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
        printerColumns: [
          { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
          ...replicaColumns(),
          pausedColumn(),
          { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase' },
          ageColumn(),
          {
            name: 'Version',
            type: 'string',
            jsonPath: '.spec.template.spec.version',
            description: 'Kubernetes version',
          },
        ],
      },
    ],
  });
