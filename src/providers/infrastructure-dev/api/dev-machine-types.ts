import { kindSchema, objectMetadata } from '../../../core/api/openapi/crd.js';
import { metav1Conditions, v1beta1Conditions } from '../../../core/api/openapi/kubernetes-schemas.js';
import {
  array,
  boolean,
  object,
  required,
  type Static,
  string,
} from '../../../core/api/openapi/schema-builder.js';
import {
  ageColumn,
  clusterLabelColumn,
  machineAddress,
  pausedColumn,
} from '../../../core/api/v1beta2/common-types.js';
import { providerCustomResourceDefinition } from '../../../core/api/v1beta2/provider-crd.js';
import { initializationStatus } from './common-types.js';
import { GROUP } from './group.js';

/** The docker backend of a DevMachine: one kind-style node container. */
export const dockerMachineBackendSpec = () =>
  object(
    {
      bootstrapTimeout: string({
        description: 'How long bootstrapping the node may take before it is reported failed (default 3m).',
      }),
      customImage: string({ description: 'Container image to use instead of the kindest/node default.' }),
      extraMounts: array(
        object({
          containerPath: string({ description: 'Path inside the container.' }),
          hostPath: string({ description: 'Path on the host.' }),
          readOnly: boolean({ description: 'Whether the mount is read-only.' }),
        }),
        { description: 'Host paths mounted into the node container.' },
      ),
      preLoadImages: array(string(), {
        description: 'Images loaded into the container before bootstrap (saves pulls in tests).',
      }),
    },
    { description: 'Runs the machine as a docker container.' },
  );

/** How long one simulated step of the in-memory backend takes. */
export const inMemoryProvisioning = (what: string) =>
  object(
    {
      provisioning: object(
        {
          startupDuration: required(string({ description: `How long ${what} takes to start (a duration).` })),
          startupJitter: string({
            description: 'Random extra share of startupDuration, as a decimal string ("0.2" is up to 20%).',
          }),
        },
        { description: `Timing of ${what}.` },
      ),
    },
    { description: `The simulated ${what}.` },
  );

/** The in-memory backend of a DevMachine: simulated VM, kubelet, etcd member and API server. */
export const inMemoryMachineBackendSpec = () =>
  object(
    {
      apiServer: inMemoryProvisioning('API server'),
      etcd: inMemoryProvisioning('etcd member'),
      node: inMemoryProvisioning('Node (kubelet)'),
      vm: inMemoryProvisioning('VM'),
    },
    { description: 'Simulates the machine in memory; nothing real is provisioned.' },
  );

/** The spec of a DevMachine; DevMachineTemplate embeds the same. */
export const devMachineSpec = () =>
  object(
    {
      backend: required(
        object(
          { docker: dockerMachineBackendSpec(), inMemory: inMemoryMachineBackendSpec() },
          { description: 'Which backend provides the machine; set exactly one.' },
        ),
      ),
      providerID: string({
        description: 'Links the machine to its Node (in-memory://<name> or docker:////<container>).',
        maxLength: 512,
        minLength: 1,
      }),
    },
    { description: 'The desired state of the DevMachine.' },
  );

export const DevMachineSchema = kindSchema(
  'Machine infrastructure of the dev provider (docker or in memory).',
  {
    metadata: objectMetadata(),
    spec: devMachineSpec(),
    status: object(
      {
        addresses: array(machineAddress(), { description: 'Addresses of the machine.' }),
        conditions: metav1Conditions('Ready, Paused and the per-backend provisioning steps, one per type.'),
        deprecated: object(
          {
            v1beta1: object(
              { conditions: v1beta1Conditions() },
              { description: 'Fields only clients of the v1beta1 API still read.' },
            ),
          },
          { description: 'Fields kept for older API versions; removed with them.' },
        ),
        failureDomain: string({
          description: 'The failure domain the machine was placed in.',
          maxLength: 256,
          minLength: 1,
        }),
        initialization: initializationStatus('Provisioning milestones of the machine infrastructure.'),
      },
      { description: 'The observed state of the DevMachine.' },
    ),
  },
);

export type DevMachine = Static<typeof DevMachineSchema>;
export type DevMachineSpec = Static<ReturnType<typeof devMachineSpec>>;
export type DevMachineStatus = NonNullable<DevMachine['status']>;

export const devMachineCrd = () =>
  providerCustomResourceDefinition({
    group: GROUP,
    kind: 'DevMachine',
    plural: 'devmachines',
    version: {
      schema: DevMachineSchema,
      status: true,
      printerColumns: [
        clusterLabelColumn(),
        {
          name: 'Provider ID',
          type: 'string',
          jsonPath: '.spec.providerID',
          description: 'Provider ID',
          priority: 10,
        },
        {
          name: 'Failure domain',
          type: 'string',
          jsonPath: '.status.failureDomain',
          description: 'Failure domain the machine was placed in',
        },
        {
          name: 'IP',
          type: 'string',
          jsonPath: '.status.addresses[?(@.type=="InternalIP")].address',
          description: 'Internal IP of the machine',
          priority: 10,
        },
        pausedColumn(),
        {
          name: 'Provisioned',
          type: 'string',
          jsonPath: '.status.initialization.provisioned',
          description: 'Whether the machine is provisioned',
        },
        ageColumn(),
      ],
    },
  });
