import { customResourceDefinition, kindSchema } from '../openapi/crd.js';
import { labelSelector, metav1Conditions } from '../openapi/kubernetes-schemas.js';
import { array, int32, object, required, type Static, string } from '../openapi/schema-builder.js';
import {
  ageColumn,
  clusterName,
  deprecatedStatus,
  machineHealthCheckChecks,
  machineHealthCheckRemediation,
  observedGeneration,
  pausedColumn,
} from './common-types.js';
import { CLUSTER_API_CATEGORY, GROUP, VERSION } from './group.js';

/** The node startup timeout applied when `spec.checks.nodeStartupTimeoutSeconds` is not set. */
export const DEFAULT_NODE_STARTUP_TIMEOUT_SECONDS = 600;

export const MachineHealthCheckSchema = kindSchema(
  'Marks unhealthy Machines and triggers their remediation.',
  {
    spec: required(
      object(
        {
          checks: machineHealthCheckChecks(),
          clusterName: required(clusterName()),
          remediation: machineHealthCheckRemediation(),
          selector: required(labelSelector('Selects the Machines to check.')),
        },
        { description: 'The desired state of the MachineHealthCheck.' },
      ),
    ),
    status: object(
      {
        conditions: metav1Conditions(),
        currentHealthy: int32({ description: 'How many of the checked Machines are healthy.', minimum: 0 }),
        deprecated: deprecatedStatus({}),
        expectedMachines: int32({ description: 'How many Machines the selector matches.', minimum: 0 }),
        observedGeneration: observedGeneration(),
        remediationsAllowed: int32({
          description: 'How many more Machines may be remediated before remediation stops.',
          minimum: 0,
        }),
        targets: array(string({ minLength: 1, maxLength: 253 }), {
          description: 'The names of the Machines the selector matches.',
          maxItems: 10000,
          listType: 'atomic',
        }),
      },
      { description: 'The observed state of the MachineHealthCheck.', minProperties: 1 },
    ),
  },
);

export type MachineHealthCheck = Static<typeof MachineHealthCheckSchema>;

export const machineHealthCheckCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'MachineHealthCheck',
    plural: 'machinehealthchecks',
    shortNames: ['mhc', 'mhcs'],
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: MachineHealthCheckSchema,
        status: true,
        printerColumns: [
          { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
          {
            name: 'Replicas',
            type: 'integer',
            jsonPath: '.status.expectedMachines',
            description: 'Machines checked',
          },
          {
            name: 'Healthy',
            type: 'integer',
            jsonPath: '.status.currentHealthy',
            description: 'Healthy Machines',
          },
          pausedColumn(),
          ageColumn(),
        ],
      },
    ],
  });
