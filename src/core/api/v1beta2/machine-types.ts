import { customResourceDefinition, kindSchema } from '../openapi/crd.js';
import { metav1Conditions, nodeSystemInfo } from '../openapi/kubernetes-schemas.js';
import { dateTime, object, required, type Static, string, stringEnum } from '../openapi/schema-builder.js';
import {
  ageColumn,
  clusterName,
  conditionColumn,
  conditionGates,
  contractVersionedObjectReference,
  deprecatedStatus,
  failureDomain,
  kubernetesVersion,
  machineAddresses,
  machineDeletionSpec,
  machineInitializationStatus,
  machineTaints,
  minReadySeconds,
  objectMeta,
  objectName,
  observedGeneration,
  pausedColumn,
  v1beta1FailureFields,
} from './common-types.js';
import { CLUSTER_API_CATEGORY, GROUP, VERSION } from './group.js';

export const MachinePhase = {
  Pending: 'Pending',
  Provisioning: 'Provisioning',
  Provisioned: 'Provisioned',
  Running: 'Running',
  Updating: 'Updating',
  Deleting: 'Deleting',
  Deleted: 'Deleted',
  Failed: 'Failed',
  Unknown: 'Unknown',
} as const;

/**
 * The desired state of one Machine. MachineSets, MachineDeployments and MachinePools stamp Machines out of
 * it, so it is a function: each embedding gets its own copy.
 */
export const machineSpec = (description = 'The desired state of the Machine.') =>
  object(
    {
      bootstrap: required(
        object(
          {
            configRef: contractVersionedObjectReference(
              'The bootstrap config (e.g. a KubeadmConfig) that produces the bootstrap data Secret.',
            ),
            dataSecretName: string({
              description:
                'The Secret holding the bootstrap data; set by the controller from configRef, or by the user without one.',
              minLength: 0,
              maxLength: 253,
            }),
          },
          { description: 'How the Machine gets its bootstrap data.' },
        ),
      ),
      clusterName: required(clusterName()),
      deletion: machineDeletionSpec(),
      failureDomain: failureDomain('The failure domain the Machine is placed in.'),
      infrastructureRef: required(
        contractVersionedObjectReference('The provider object (e.g. a DevMachine) that backs the Machine.'),
      ),
      minReadySeconds: minReadySeconds(),
      providerID: string({
        description: 'The provider ID of the Machine, equal to the providerID of its Node.',
        minLength: 1,
        maxLength: 512,
      }),
      readinessGates: conditionGates('Extra conditions that must be met for the Machine to be Ready.'),
      taints: machineTaints(),
      version: kubernetesVersion('The Kubernetes version the Machine runs.'),
    },
    { description },
  );
export type MachineSpec = Static<ReturnType<typeof machineSpec>>;

/** `MachineTemplateSpec`: the template MachineSets, MachineDeployments and MachinePools create Machines from. */
export const machineTemplateSpec = (description = 'The template the Machines are created from.') =>
  object(
    {
      metadata: objectMeta('Labels and annotations of the Machines.'),
      spec: required(machineSpec('The spec of the Machines.')),
    },
    { description },
  );
export type MachineTemplateSpec = Static<ReturnType<typeof machineTemplateSpec>>;

export const machineStatus = () =>
  object(
    {
      addresses: machineAddresses(),
      certificatesExpiryDate: dateTime({
        description: 'When the Machine certificates expire (control plane only).',
      }),
      conditions: metav1Conditions(),
      deletion: object(
        {
          nodeDrainStartTime: dateTime({ description: 'When draining the Node started.' }),
          waitForNodeVolumeDetachStartTime: dateTime({
            description: 'When waiting for volumes to detach started.',
          }),
          waitForPreDrainHookStartTime: dateTime({
            description: 'When waiting for pre-drain hooks started.',
          }),
          waitForPreTerminateHookStartTime: dateTime({
            description: 'When waiting for pre-terminate hooks started.',
          }),
        },
        { description: 'Progress of the deletion.' },
      ),
      deprecated: deprecatedStatus(v1beta1FailureFields()),
      failureDomain: failureDomain(
        'The failure domain the Machine runs in, as reported by its infrastructure.',
      ),
      initialization: machineInitializationStatus(),
      lastUpdated: dateTime({ description: 'When the phase last changed.' }),
      nodeInfo: nodeSystemInfo('What the Node reports about its system.'),
      nodeRef: object(
        { name: required(objectName('The name of the Node.')) },
        { description: 'The Node of the Machine.' },
      ),
      observedGeneration: observedGeneration(),
      phase: stringEnum(Object.values(MachinePhase), {
        description: 'A summary of the lifecycle (deprecated; read the conditions instead).',
      }),
    },
    { description: 'The observed state of the Machine.', minProperties: 1 },
  );
export type MachineStatus = Static<ReturnType<typeof machineStatus>>;

export const MachineSchema = kindSchema('One node worth of infrastructure and bootstrap, linked to a Node.', {
  spec: required(machineSpec()),
  status: machineStatus(),
});

export type Machine = Static<typeof MachineSchema>;

export const machineCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'Machine',
    plural: 'machines',
    shortNames: ['ma'],
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: MachineSchema,
        status: true,
        printerColumns: [
          { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
          {
            name: 'Node Name',
            type: 'string',
            jsonPath: '.status.nodeRef.name',
            description: 'Node of the Machine',
          },
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
            description: 'Failure domain the Machine runs in',
          },
          conditionColumn('Ready', 'Ready', 'Whether the Machine is Ready'),
          conditionColumn('Available', 'Available', 'Whether the Machine has been Ready for minReadySeconds'),
          conditionColumn('Up-to-date', 'UpToDate', 'Whether the Machine matches the spec of its owner'),
          {
            name: 'Internal-IP',
            type: 'string',
            jsonPath: '.status.addresses[?(@.type=="InternalIP")].address',
            description: 'Internal IP',
            priority: 10,
          },
          {
            name: 'External-IP',
            type: 'string',
            jsonPath: '.status.addresses[?(@.type=="ExternalIP")].address',
            description: 'External IP',
            priority: 10,
          },
          {
            name: 'OS-Image',
            type: 'string',
            jsonPath: '.status.nodeInfo.osImage',
            description: 'OS image of the Node',
            priority: 10,
          },
          pausedColumn(),
          { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase' },
          ageColumn(),
          { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Kubernetes version' },
        ],
      },
    ],
  });
