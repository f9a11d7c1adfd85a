import { customResourceDefinition, kindSchema } from '../openapi/crd.js';
import { labelSelector, metav1Conditions } from '../openapi/kubernetes-schemas.js';
import { boolean, int32, object, required, type Static, stringEnum } from '../openapi/schema-builder.js';
import {
  ageColumn,
  clusterName,
  conditionColumn,
  deletionOrder,
  deprecatedStatus,
  machineDeploymentRollout,
  machineNaming,
  maxInFlight,
  observedGeneration,
  pausedColumn,
  replicaColumns,
  replicaCount,
  replicaStatusFields,
  statusSelector,
  statusVersions,
} from './common-types.js';
import { CLUSTER_API_CATEGORY, GROUP, VERSION } from './group.js';
import { machineTemplateSpec } from './machine-types.js';

export const MachineDeploymentPhase = {
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Running: 'Running',
  Failed: 'Failed',
  Unknown: 'Unknown',
} as const;

export const MachineDeploymentSchema = kindSchema('Declarative rollouts of Machines through MachineSets.', {
  spec: required(
    object(
      {
        clusterName: required(clusterName()),
        deletion: object(
          { order: deletionOrder() },
          { description: 'How Machines are deleted when scaling down.', minProperties: 1 },
        ),
        machineNaming: machineNaming(),
        paused: boolean({ description: 'Stops rollouts while true (scaling still happens).' }),
        remediation: object(
          { maxInFlight: maxInFlight() },
          { description: 'How unhealthy Machines are remediated.', minProperties: 1 },
        ),
        replicas: int32({
          description:
            'The desired number of Machines. Defaulted to 1, or from the autoscaler size annotations.',
        }),
        rollout: machineDeploymentRollout(),
        selector: required(
          labelSelector('Selects the Machines the MachineDeployment owns; must match the template labels.'),
        ),
        template: required(machineTemplateSpec()),
      },
      { description: 'The desired state of the MachineDeployment.' },
    ),
  ),
  status: object(
    {
      ...replicaStatusFields(),
      conditions: metav1Conditions(),
      deprecated: deprecatedStatus({
        availableReplicas: replicaCount('Available Machines, counted the v1beta1 way.'),
        readyReplicas: replicaCount('Ready Machines, counted the v1beta1 way.'),
        unavailableReplicas: replicaCount('Machines still needed for the MachineDeployment to be available.'),
        updatedReplicas: replicaCount('Machines created from the current template.'),
      }),
      observedGeneration: observedGeneration(),
      phase: stringEnum(Object.values(MachineDeploymentPhase), {
        description: 'A summary of the state (deprecated; read the conditions instead).',
      }),
      selector: statusSelector(),
      versions: statusVersions({ maxItems: 100, listType: 'map' }),
    },
    { description: 'The observed state of the MachineDeployment.', minProperties: 1 },
  ),
});

export type MachineDeployment = Static<typeof MachineDeploymentSchema>;

export const machineDeploymentCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'MachineDeployment',
    plural: 'machinedeployments',
    shortNames: ['md'],
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: MachineDeploymentSchema,
        status: true,
        scale: {
          specReplicasPath: '.spec.replicas',
          statusReplicasPath: '.status.replicas',
          labelSelectorPath: '.status.selector',
        },
        printerColumns: [
          { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
          conditionColumn('Available', 'Available', 'Whether the MachineDeployment is available'),
          ...replicaColumns(),
          pausedColumn(),
          { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Summary of the state' },
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
