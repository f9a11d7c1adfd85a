import { customResourceDefinition, kindSchema } from '../openapi/crd.js';
import { labelSelector, metav1Conditions } from '../openapi/kubernetes-schemas.js';
import { int32, object, required, type Static } from '../openapi/schema-builder.js';
import {
  ageColumn,
  clusterName,
  deletionOrder,
  deprecatedStatus,
  machineNaming,
  observedGeneration,
  pausedColumn,
  replicaColumns,
  replicaCount,
  replicaStatusFields,
  statusSelector,
  statusVersions,
  v1beta1FailureFields,
} from './common-types.js';
import { CLUSTER_API_CATEGORY, GROUP, VERSION } from './group.js';
import { machineTemplateSpec } from './machine-types.js';

export const MachineSetSchema = kindSchema('Keeps a number of Machines created from one template.', {
  spec: required(
    object(
      {
        clusterName: required(clusterName()),
        deletion: object(
          { order: deletionOrder() },
          { description: 'How Machines are deleted when scaling down.', minProperties: 1 },
        ),
        machineNaming: machineNaming(),
        replicas: int32({ description: 'The desired number of Machines.' }),
        selector: required(
          labelSelector('Selects the Machines the MachineSet owns; must match the template labels.'),
        ),
        template: required(machineTemplateSpec()),
      },
      { description: 'The desired state of the MachineSet.' },
    ),
  ),
  status: object(
    {
      ...replicaStatusFields(),
      conditions: metav1Conditions(),
      deprecated: deprecatedStatus({
        ...v1beta1FailureFields(),
        availableReplicas: replicaCount('Available Machines, counted the v1beta1 way.'),
        fullyLabeledReplicas: replicaCount('Machines whose labels match the template.'),
        readyReplicas: replicaCount('Ready Machines, counted the v1beta1 way.'),
      }),
      observedGeneration: observedGeneration(),
      selector: statusSelector(),
      versions: statusVersions({ maxItems: 100, listType: 'map' }),
    },
    { description: 'The observed state of the MachineSet.', minProperties: 1 },
  ),
});

export type MachineSet = Static<typeof MachineSetSchema>;

export const machineSetCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'MachineSet',
    plural: 'machinesets',
    shortNames: ['ms'],
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: MachineSetSchema,
        status: true,
        scale: {
          specReplicasPath: '.spec.replicas',
          statusReplicasPath: '.status.replicas',
          labelSelectorPath: '.status.selector',
        },
        printerColumns: [
          { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
          ...replicaColumns(),
          pausedColumn(),
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
