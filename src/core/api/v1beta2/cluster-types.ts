import { customResourceDefinition, kindSchema, type PrinterColumn } from '../openapi/crd.js';
import { metav1Conditions } from '../openapi/kubernetes-schemas.js';
import {
  array,
  boolean,
  dateTime,
  int32,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../openapi/schema-builder.js';
import {
  ageColumn,
  apiEndpoint,
  clusterVariables,
  conditionColumn,
  conditionGates,
  contractVersionedObjectReference,
  deletionOrder,
  deprecatedStatus,
  DNS1123_LABEL_PATTERN,
  DNS1123_SUBDOMAIN_PATTERN,
  failureDomain,
  failureDomains,
  kubernetesVersion,
  machineDeletionSpec,
  machineDeletionTimeouts,
  machineDeploymentHealthCheckRemediation,
  machineDeploymentRollout,
  machineHealthCheckRemediation,
  machineTaints,
  minReadySeconds,
  objectMeta,
  observedGeneration,
  pausedColumn,
  replicaCount,
  statusVersions,
  topologyHealthCheck,
  v1beta1FailureFields,
  variableOverrides,
} from './common-types.js';
import { CLUSTER_API_CATEGORY, GROUP, VERSION } from './group.js';

export const ClusterPhase = {
  Pending: 'Pending',
  Provisioning: 'Provisioning',
  Provisioned: 'Provisioned',
  Deleting: 'Deleting',
  Failed: 'Failed',
  Unknown: 'Unknown',
} as const;

const cidrBlocks = (description: string) =>
  object(
    {
      cidrBlocks: required(
        array(string({ minLength: 1, maxLength: 43 }), {
          description: 'The CIDR blocks.',
          minItems: 1,
          maxItems: 100,
          listType: 'atomic',
        }),
      ),
    },
    { description },
  );

const clusterNetwork = () =>
  object(
    {
      apiServerPort: int32({
        description: 'The port the API server listens on. Default 6443.',
        minimum: 1,
        maximum: 65535,
      }),
      pods: cidrBlocks('The network ranges Pod IPs are taken from.'),
      serviceDomain: string({
        description: 'The DNS domain of Services, e.g. cluster.local.',
        minLength: 1,
        maxLength: 253,
      }),
      services: cidrBlocks('The network ranges Service IPs are taken from.'),
    },
    { description: 'The network configuration of the workload cluster.', minProperties: 1 },
  );

/** The name of a topology part, used in the names of the objects created for it. */
const topologyName = (description: string) =>
  string({ description, minLength: 1, maxLength: 63, pattern: DNS1123_SUBDOMAIN_PATTERN });

const className = (description: string) => string({ description, minLength: 1, maxLength: 256 });

const controlPlaneTopology = () =>
  object(
    {
      deletion: machineDeletionSpec('How control plane Machines are deleted.'),
      healthCheck: topologyHealthCheck(machineHealthCheckRemediation()),
      metadata: objectMeta('Labels and annotations of the control plane and its Machines.'),
      readinessGates: conditionGates(
        'Extra conditions that must be met for control plane Machines to be Ready.',
      ),
      replicas: int32({
        description: 'The desired number of control plane Machines, if the control plane has them.',
      }),
      rollout: object(
        { after: dateTime({ description: 'Machines created before this time are rolled out after it.' }) },
        { description: 'When control plane Machines are rolled out.', minProperties: 1 },
      ),
      taints: machineTaints('Taints to set on the Nodes of control plane Machines.'),
      variables: variableOverrides(),
    },
    { description: 'The control plane of the topology.', minProperties: 1 },
  );

const machineDeploymentTopology = () =>
  object({
    class: required(className('The MachineDeployment class of the ClusterClass to use.')),
    deletion: object(
      { order: deletionOrder(), ...machineDeletionTimeouts() },
      { description: 'How the Machines are deleted.', minProperties: 1 },
    ),
    failureDomain: failureDomain(),
    healthCheck: topologyHealthCheck(machineDeploymentHealthCheckRemediation()),
    metadata: objectMeta('Labels and annotations of the MachineDeployment and its Machines.'),
    minReadySeconds: minReadySeconds(),
    name: required(topologyName('A name unique within the topology.')),
    readinessGates: conditionGates('Extra conditions that must be met for the Machines to be Ready.'),
    replicas: int32({
      description: 'The desired number of Machines; leave unset when an autoscaler manages it.',
    }),
    rollout: machineDeploymentRollout(),
    taints: machineTaints(),
    variables: variableOverrides(),
  });

const machinePoolTopology = () =>
  object({
    class: required(className('The MachinePool class of the ClusterClass to use.')),
    deletion: machineDeletionSpec('How the Machines are deleted.'),
    failureDomains: array(failureDomain(), {
      description: 'The failure domains the pool may spread its Machines over.',
      minItems: 1,
      maxItems: 100,
      listType: 'atomic',
    }),
    metadata: objectMeta('Labels and annotations of the MachinePool.'),
    minReadySeconds: minReadySeconds(),
    name: required(topologyName('A name unique within the topology.')),
    replicas: int32({
      description: 'The desired number of instances; leave unset when an autoscaler manages it.',
    }),
    taints: machineTaints(),
    variables: variableOverrides(),
  });

const topology = () =>
  object(
    {
      classRef: required(
        object(
          {
            name: required(
              string({
                description: 'The name of the ClusterClass.',
                minLength: 1,
                maxLength: 253,
                pattern: DNS1123_SUBDOMAIN_PATTERN,
              }),
            ),
            namespace: string({
              description: 'The namespace of the ClusterClass; default: the namespace of the Cluster.',
              minLength: 1,
              maxLength: 63,
              pattern: DNS1123_LABEL_PATTERN,
            }),
          },
          { description: 'The ClusterClass the topology is built from.' },
        ),
      ),
      controlPlane: controlPlaneTopology(),
      variables: clusterVariables('Values of the variables the ClusterClass defines.'),
      version: required(kubernetesVersion('The Kubernetes version of the cluster.')),
      workers: object(
        {
          machineDeployments: array(machineDeploymentTopology(), {
            description: 'The MachineDeployments of the topology.',
            minItems: 1,
            maxItems: 2000,
            listType: 'map',
            listMapKeys: ['name'],
          }),
          machinePools: array(machinePoolTopology(), {
            description: 'The MachinePools of the topology.',
            minItems: 1,
            maxItems: 2000,
            listType: 'map',
            listMapKeys: ['name'],
          }),
        },
        { description: 'The worker Machines of the topology.', minProperties: 1 },
      ),
    },
    { description: 'The cluster shape, built from a ClusterClass and managed by the topology controller.' },
  );

/** Replica counters aggregated over control plane or worker Machines. */
const replicaSummary = (description: string) =>
  object(
    {
      availableReplicas: replicaCount('Machines whose Available condition is True.'),
      desiredReplicas: replicaCount('The desired number of Machines.'),
      readyReplicas: replicaCount('Machines whose Ready condition is True.'),
      replicas: replicaCount('Machines that exist, in any state.'),
      upToDateReplicas: replicaCount('Machines whose UpToDate condition is True.'),
      upgradePlan: array(object({ version: required(kubernetesVersion('A version of the plan.')) }), {
        description: 'The versions an ongoing upgrade goes through, in order.',
        minItems: 1,
        maxItems: 32,
        listType: 'atomic',
      }),
      versions: statusVersions({ maxItems: 32, listType: 'atomic' }),
    },
    { description },
  );

export const ClusterSchema = kindSchema(
  'A workload cluster: its infrastructure, control plane and workers.',
  {
    spec: required(
      object(
        {
          availabilityGates: conditionGates(
            'Extra conditions that must be met for the Cluster to be Available.',
          ),
          clusterNetwork: clusterNetwork(),
          controlPlaneEndpoint: apiEndpoint('Where the API server is reached; usually set by a provider.'),
          controlPlaneRef: contractVersionedObjectReference(
            'The control plane object (e.g. a KubeadmControlPlane).',
          ),
          infrastructureRef: contractVersionedObjectReference(
            'The infrastructure cluster object (e.g. a DevCluster).',
          ),
          paused: boolean({ description: 'Stops reconciliation of the Cluster and its objects while true.' }),
          topology: topology(),
        },
        { description: 'The desired state of the Cluster.', minProperties: 1 },
      ),
    ),
    status: object(
      {
        conditions: metav1Conditions(),
        controlPlane: replicaSummary('Counters of the control plane Machines.'),
        deprecated: deprecatedStatus(v1beta1FailureFields()),
        failureDomains: failureDomains('The failure domains the infrastructure offers.'),
        initialization: object(
          {
            controlPlaneInitialized: boolean({
              description: 'True once the control plane answers API requests; never reset.',
            }),
            infrastructureProvisioned: boolean({
              description: 'True once the infrastructure is provisioned; never reset.',
            }),
          },
          { description: 'Milestones of the first provisioning.', minProperties: 1 },
        ),
        observedGeneration: observedGeneration(),
        phase: stringEnum(Object.values(ClusterPhase), {
          description: 'A summary of the lifecycle (deprecated; read the conditions instead).',
        }),
        workers: replicaSummary('Counters of the worker Machines.'),
      },
      { description: 'The observed state of the Cluster.', minProperties: 1 },
    ),
  },
);

export type Cluster = Static<typeof ClusterSchema>;
export type ClusterTopology = Static<ReturnType<typeof topology>>;

const replicasColumn = (
  name: string,
  part: 'controlPlane' | 'workers',
  field: string,
  description: string,
  priority?: number,
): PrinterColumn => ({
  name,
  type: 'integer',
  jsonPath: `.status.${part}.${field}`,
  description,
  ...(priority ? { priority } : {}),
});

export const clusterCrd = () =>
  customResourceDefinition({
    group: GROUP,
    kind: 'Cluster',
    plural: 'clusters',
    shortNames: ['cl'],
    scope: 'Namespaced',
    categories: [CLUSTER_API_CATEGORY],
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: ClusterSchema,
        status: true,
        printerColumns: [
          {
            name: 'ClusterClass',
            type: 'string',
            jsonPath: '.spec.topology.classRef.name',
            description: 'ClusterClass of the Cluster, if any',
          },
          conditionColumn('Available', 'Available', 'Whether the Cluster is Available'),
          replicasColumn('CP Desired', 'controlPlane', 'desiredReplicas', 'Desired control plane Machines'),
          replicasColumn('CP Current', 'controlPlane', 'replicas', 'Existing control plane Machines', 10),
          replicasColumn('CP Ready', 'controlPlane', 'readyReplicas', 'Ready control plane Machines', 10),
          replicasColumn(
            'CP Available',
            'controlPlane',
            'availableReplicas',
            'Available control plane Machines',
          ),
          replicasColumn(
            'CP Up-to-date',
            'controlPlane',
            'upToDateReplicas',
            'Up-to-date control plane Machines',
          ),
          replicasColumn('W Desired', 'workers', 'desiredReplicas', 'Desired worker Machines'),
          replicasColumn('W Current', 'workers', 'replicas', 'Existing worker Machines', 10),
          replicasColumn('W Ready', 'workers', 'readyReplicas', 'Ready worker Machines', 10),
          replicasColumn('W Available', 'workers', 'availableReplicas', 'Available worker Machines'),
          replicasColumn('W Up-to-date', 'workers', 'upToDateReplicas', 'Up-to-date worker Machines'),
          pausedColumn(),
          { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase' },
          ageColumn(),
          {
            name: 'Version',
            type: 'string',
            jsonPath: '.spec.topology.version',
            description: 'Kubernetes version',
          },
        ],
      },
    ],
  });
