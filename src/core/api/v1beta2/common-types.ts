// Schema pieces several core kinds embed. Each is a function, so every use gets its own JSON (and its own
// description where the meaning differs by place) while the shape is written once.
import type { PrinterColumn } from '../openapi/crd.js';
import { v1beta1Conditions } from '../openapi/kubernetes-schemas.js';
import {
  anyValue,
  array,
  boolean,
  dateTime,
  int32,
  int64,
  intOrString,
  map,
  object,
  required,
  type Static,
  string,
  stringEnum,
  type TSchema,
  withOptions,
} from '../openapi/schema-builder.js';

/** A DNS-1123 subdomain: the shape of object names and API groups. */
export const DNS1123_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A DNS-1123 label: the shape of namespace names. */
export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** A CamelCase kind. */
export const KIND_PATTERN = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
/** `group/version` (a group is mandatory: templates are never core kinds). */
export const API_VERSION_PATTERN =
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[a-z]([-a-z0-9]*[a-z0-9])?$';
/** A condition type, optionally prefixed by a DNS subdomain. */
export const CONDITION_TYPE_PATTERN =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$';

// ---------------------------------------------------------------------------------------------------------
// Scalars that recur with the same limits

/** `intstr.IntOrString` with the `anyOf` controller-gen emits, so API servers publish the same OpenAPI. */
export const intOrPercent = (description: string) =>
  withOptions(intOrString({ description }), { anyOf: [{ type: 'integer' }, { type: 'string' }] });

export const clusterName = (description = 'The name of the Cluster this object belongs to.') =>
  string({ description, minLength: 1, maxLength: 63 });

export const kubernetesVersion = (description = 'A Kubernetes version, e.g. v1.33.1.') =>
  string({ description, minLength: 1, maxLength: 256 });

export const failureDomain = (description = 'The failure domain to place Machines in.') =>
  string({ description, minLength: 1, maxLength: 256 });

export const minReadySeconds = (
  description = 'Seconds a Machine must be Ready before it counts as Available. Default 0.',
) => int32({ description, minimum: 0 });

export const replicaCount = (description: string) => int32({ description });

export const observedGeneration = () =>
  int64({ description: 'The generation of the spec this status was computed for.', minimum: 1 });

/** Kubernetes names (Machines, Nodes, ...). */
export const objectName = (description: string) =>
  string({ description, minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN_PATTERN });

// ---------------------------------------------------------------------------------------------------------
// References

/**
 * A reference to a provider object whose apiVersion is resolved from the CRD's contract label, so the
 * reference does not change when the provider serves a new version.
 */
export const contractVersionedObjectReference = (description: string) =>
  object(
    {
      apiGroup: required(
        string({
          description: 'The API group of the referenced object.',
          minLength: 1,
          maxLength: 253,
          pattern: DNS1123_SUBDOMAIN_PATTERN,
        }),
      ),
      kind: required(
        string({
          description: 'The kind of the referenced object.',
          minLength: 1,
          maxLength: 63,
          pattern: KIND_PATTERN,
        }),
      ),
      name: required(objectName('The name of the referenced object, in the same namespace.')),
    },
    { description },
  );
export type ContractVersionedObjectReference = Static<ReturnType<typeof contractVersionedObjectReference>>;

/** A reference to a template by full apiVersion (ClusterClass templates, external remediation templates). */
export const templateReference = (description: string) =>
  object(
    {
      apiVersion: required(
        string({
          description: 'The group/version of the referenced template.',
          minLength: 1,
          maxLength: 317,
          pattern: API_VERSION_PATTERN,
        }),
      ),
      kind: required(
        string({
          description: 'The kind of the referenced template.',
          minLength: 1,
          maxLength: 63,
          pattern: KIND_PATTERN,
        }),
      ),
      name: required(objectName('The name of the referenced template, in the same namespace.')),
    },
    { description },
  );
export type TemplateReference = Static<ReturnType<typeof templateReference>>;

// ---------------------------------------------------------------------------------------------------------
// Metadata, gates, taints

/** Labels and annotations a controller copies onto the objects it creates (`clusterv1.ObjectMeta`). */
export const objectMeta = (description: string) =>
  object(
    {
      annotations: map(string(), { description: 'Annotations to set on the created objects.' }),
      labels: map(string(), { description: 'Labels to set on the created objects.' }),
    },
    { description, minProperties: 1 },
  );
export type ObjectMeta = Static<ReturnType<typeof objectMeta>>;

export const ConditionPolarity = { Positive: 'Positive', Negative: 'Negative' } as const;

/** Extra conditions that gate Ready (Machines) or Available (Clusters): `MachineReadinessGate`. */
export const conditionGates = (description: string) =>
  array(
    object({
      conditionType: required(
        string({
          description: 'The condition type that must have the expected status.',
          minLength: 1,
          maxLength: 316,
          pattern: CONDITION_TYPE_PATTERN,
        }),
      ),
      polarity: stringEnum(['Positive', 'Negative'] as const, {
        description:
          'Positive when the gate is met with status True, Negative when met with False. Default Positive.',
      }),
    }),
    { description, minItems: 1, maxItems: 32, listType: 'map', listMapKeys: ['conditionType'] },
  );

export const MachineTaintPropagation = { Always: 'Always', OnInitialization: 'OnInitialization' } as const;

/** Taints a Machine puts on its Node (`MachineTaint`). */
export const machineTaints = (description = 'Taints to set on the Node of the Machine.') =>
  array(
    object({
      effect: required(
        stringEnum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const, {
          description: 'What the taint does to Pods that do not tolerate it.',
        }),
      ),
      key: required(
        string({
          description: 'The taint key.',
          minLength: 1,
          maxLength: 317,
          pattern:
            '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$',
        }),
      ),
      propagation: required(
        stringEnum(['Always', 'OnInitialization'] as const, {
          description:
            'Always keeps the taint on the Node; OnInitialization sets it once, when the Node joins.',
        }),
      ),
      value: string({
        description: 'The taint value.',
        minLength: 1,
        maxLength: 63,
        pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$',
      }),
    }),
    { description, minItems: 1, maxItems: 64, listType: 'map', listMapKeys: ['key', 'effect'] },
  );
export type MachineTaint = Static<ReturnType<typeof machineTaints>>[number];

// ---------------------------------------------------------------------------------------------------------
// Deletion, naming, rollout

/** The three Machine deletion timeouts, spread into `MachineDeletionSpec` and the topology deletion blocks. */
export const machineDeletionTimeouts = () => ({
  nodeDeletionTimeoutSeconds: int32({
    description: 'How long to retry deleting the Node before giving up; 0 retries forever. Default 10.',
    minimum: 0,
  }),
  nodeDrainTimeoutSeconds: int32({
    description: 'How long to drain the Node before going on; 0 drains without limit.',
    minimum: 0,
  }),
  nodeVolumeDetachTimeoutSeconds: int32({
    description: 'How long to wait for volumes to detach before going on; 0 waits without limit.',
    minimum: 0,
  }),
});

export const machineDeletionSpec = (description = 'How the Machine is deleted.') =>
  object(machineDeletionTimeouts(), { description, minProperties: 1 });
export type MachineDeletionSpec = Static<ReturnType<typeof machineDeletionSpec>>;

export const MachineSetDeletionOrder = { Random: 'Random', Newest: 'Newest', Oldest: 'Oldest' } as const;

export const deletionOrder = () =>
  stringEnum(['Random', 'Newest', 'Oldest'] as const, {
    description: 'Which Machines go first when scaling down: Random, Newest or Oldest. Default Random.',
  });

export const machineNaming = () =>
  object(
    {
      template: string({
        description:
          'Go template for Machine names; `.random` is required, `.cluster.name` and the owner name may be used.',
        minLength: 1,
        maxLength: 256,
      }),
    },
    { description: 'How the names of the Machines are generated.', minProperties: 1 },
  );

/** The naming of objects ClusterClass topologies create (`{{ .cluster.name }}-...` templates). */
export const topologyNaming = (description: string) =>
  object(
    {
      template: string({
        description: 'Go template for the generated names; `.random` keeps them unique.',
        minLength: 1,
        maxLength: 1024,
      }),
    },
    { description, minProperties: 1 },
  );

export const MachineDeploymentRolloutStrategyType = {
  RollingUpdate: 'RollingUpdate',
  OnDelete: 'OnDelete',
} as const;

export const machineDeploymentRolloutStrategy = () =>
  object(
    {
      rollingUpdate: object(
        {
          maxSurge: intOrPercent(
            'Machines allowed above the desired count during a rollout (number or percentage). Default 1.',
          ),
          maxUnavailable: intOrPercent(
            'Machines allowed to be unavailable during a rollout (number or percentage). Default 0; not 0 together with maxSurge.',
          ),
        },
        { description: 'Tuning of the RollingUpdate strategy.', minProperties: 1 },
      ),
      type: required(
        stringEnum(['RollingUpdate', 'OnDelete'] as const, {
          description:
            'RollingUpdate replaces Machines gradually; OnDelete waits until old Machines are deleted.',
        }),
      ),
    },
    { description: 'How old Machines are replaced with new ones.', minProperties: 1 },
  );

/** `spec.rollout` of a MachineDeployment, also in Cluster topology. */
export const machineDeploymentRollout = () =>
  object(
    {
      after: dateTime({ description: 'Machines created before this time are rolled out after it.' }),
      strategy: machineDeploymentRolloutStrategy(),
    },
    { description: 'When and how Machines are rolled out.', minProperties: 1 },
  );

export const maxInFlight = () =>
  intOrPercent('How many Machines may be remediated at the same time (number or percentage of replicas).');

// ---------------------------------------------------------------------------------------------------------
// Health checks (MachineHealthCheck, Cluster topology, ClusterClass)

export const UNHEALTHY_MACHINE_CONDITION_FORBIDDEN_TYPES = [
  'Ready',
  'Available',
  'HealthCheckSucceeded',
  'OwnerRemediated',
  'ExternallyRemediated',
] as const;

export const machineHealthCheckChecks = () =>
  object(
    {
      nodeStartupTimeoutSeconds: int32({
        description:
          'How long a Machine may run without a Node before it is unhealthy; 0 disables the check. Default 600.',
        minimum: 0,
      }),
      unhealthyMachineConditions: array(
        object({
          status: required(
            stringEnum(['True', 'False', 'Unknown'] as const, {
              description: 'The status that counts as unhealthy.',
            }),
          ),
          timeoutSeconds: required(
            int32({
              description: 'How long the condition must hold before the Machine is unhealthy.',
              minimum: 0,
            }),
          ),
          type: required(
            string({
              description: 'The Machine condition type to watch.',
              minLength: 1,
              maxLength: 316,
              pattern: CONDITION_TYPE_PATTERN,
              validations: [
                {
                  rule: `!(self in [${UNHEALTHY_MACHINE_CONDITION_FORBIDDEN_TYPES.map((t) => `'${t}'`).join(',')}])`,
                  message: `type must not be one of: ${UNHEALTHY_MACHINE_CONDITION_FORBIDDEN_TYPES.join(', ')}`,
                },
              ],
            }),
          ),
        }),
        {
          description: 'Machine conditions that make a Machine unhealthy; any one is enough.',
          minItems: 1,
          maxItems: 100,
          listType: 'atomic',
        },
      ),
      unhealthyNodeConditions: array(
        object({
          status: required(string({ description: 'The status that counts as unhealthy.', minLength: 1 })),
          timeoutSeconds: required(
            int32({
              description: 'How long the condition must hold before the Machine is unhealthy.',
              minimum: 0,
            }),
          ),
          type: required(string({ description: 'The Node condition type to watch.', minLength: 1 })),
        }),
        {
          description: 'Node conditions that make a Machine unhealthy; any one is enough.',
          minItems: 1,
          maxItems: 100,
          listType: 'atomic',
        },
      ),
    },
    { description: 'What makes a Machine unhealthy.', minProperties: 1 },
  );
export type MachineHealthCheckChecks = Static<ReturnType<typeof machineHealthCheckChecks>>;

const remediationFields = () => ({
  templateRef: templateReference(
    'A remediation template; when set, remediation is left to the external remediation it creates.',
  ),
  triggerIf: object(
    {
      unhealthyInRange: string({
        description:
          'Remediate only while the unhealthy count is in "[min-max]"; wins over the other trigger.',
        minLength: 1,
        maxLength: 32,
        pattern: '^\\[[0-9]+-[0-9]+\\]$',
      }),
      unhealthyLessThanOrEqualTo: intOrPercent(
        'Remediate only while at most this many (or this percentage of) Machines are unhealthy.',
      ),
    },
    { description: 'When remediation may happen.', minProperties: 1 },
  ),
});

export const machineHealthCheckRemediation = () =>
  object(remediationFields(), { description: 'How unhealthy Machines are remediated.', minProperties: 1 });

/** Remediation of MachineDeployment topologies, which also caps parallel remediations. */
export const machineDeploymentHealthCheckRemediation = () =>
  object(
    { ...remediationFields(), maxInFlight: maxInFlight() },
    { description: 'How unhealthy Machines are remediated.', minProperties: 1 },
  );

/** `healthCheck` of ClusterClass control planes and MachineDeployment classes: checks plus remediation. */
export const classHealthCheck = <R extends TSchema<unknown, false>>(remediation: R) =>
  object(
    { checks: machineHealthCheckChecks(), remediation },
    { description: 'The MachineHealthCheck the topology creates for these Machines.', minProperties: 1 },
  );

/** `healthCheck` in Cluster topology: like the class one, plus a switch to turn it on or off. */
export const topologyHealthCheck = <R extends TSchema<unknown, false>>(remediation: R) =>
  object(
    {
      checks: machineHealthCheckChecks(),
      enabled: boolean({
        description:
          'Whether the MachineHealthCheck is created; default: when checks are defined here or in the class.',
      }),
      remediation,
    },
    { description: 'The MachineHealthCheck the topology creates for these Machines.', minProperties: 1 },
  );

// ---------------------------------------------------------------------------------------------------------
// Topology variables

export const clusterVariables = (description: string) =>
  array(
    object({
      name: required(string({ description: 'The name of the variable.', minLength: 1, maxLength: 256 })),
      value: required(
        anyValue({ description: 'The value of the variable, validated against its ClusterClass schema.' }),
      ),
    }),
    { description, minItems: 1, maxItems: 1000, listType: 'map', listMapKeys: ['name'] },
  );

export const variableOverrides = () =>
  object(
    {
      overrides: clusterVariables('Values that replace the Cluster-level values of the same variables.'),
    },
    { description: 'Variables of this topology part.', minProperties: 1 },
  );

// ---------------------------------------------------------------------------------------------------------
// Status pieces

/** `StatusVersion` lists: how many replicas run each Kubernetes version. */
export const statusVersions = (options: { maxItems: number; listType: 'map' | 'atomic' }) =>
  array(
    object({
      replicas: int32({ description: 'How many replicas run this version.', minimum: 1 }),
      version: required(kubernetesVersion('The Kubernetes version.')),
    }),
    {
      description: 'The Kubernetes versions the replicas run, with their counts.',
      minItems: 1,
      maxItems: options.maxItems,
      listType: options.listType,
      ...(options.listType === 'map' ? { listMapKeys: ['version'] } : {}),
    },
  );

export const v1beta1FailureFields = () => ({
  failureMessage: string({
    description: 'A terminal problem, in words (deprecated; no longer acted on).',
    minLength: 1,
    maxLength: 10240,
  }),
  failureReason: string({
    description: 'A terminal problem, machine-readable (deprecated; no longer acted on).',
  }),
});

/** `status.deprecated`: v1beta1 fields kept while v1beta1 is served. */
export const deprecatedStatus = <P extends Parameters<typeof object>[0]>(fields: P) =>
  object(
    {
      v1beta1: object(
        { conditions: v1beta1Conditions(), ...fields },
        { description: 'Fields of the v1beta1 API, to be removed with it.' },
      ),
    },
    { description: 'Fields kept for older API versions.' },
  );

/** `status.selector` of scalable kinds: the label selector in string form, for the scale subresource. */
export const statusSelector = () =>
  string({
    description:
      'The label selector of the Machines, as a string (read by the scale subresource and autoscalers).',
    minLength: 1,
    maxLength: 4096,
  });

/** The replica counters MachineSets, MachineDeployments and MachinePools report. */
export const replicaStatusFields = () => ({
  availableReplicas: replicaCount('Machines whose Available condition is True.'),
  readyReplicas: replicaCount('Machines whose Ready condition is True.'),
  replicas: replicaCount('Machines that exist, in any state.'),
  upToDateReplicas: replicaCount('Machines whose UpToDate condition is True.'),
});

// ---------------------------------------------------------------------------------------------------------
// Printer columns every kind shares

export const pausedColumn = (): PrinterColumn => ({
  name: 'Paused',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Paused")].status',
  description: 'Whether reconciliation is paused',
  priority: 10,
});

/** The Cluster of a provider kind, which names it by label (core kinds have `spec.clusterName`). */
export const clusterLabelColumn = (): PrinterColumn => ({
  name: 'Cluster',
  type: 'string',
  jsonPath: ".metadata.labels['cluster\\.x-k8s\\.io/cluster-name']",
  description: 'Cluster',
});

export const ageColumn = (): PrinterColumn => ({
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation',
});

export const conditionColumn = (name: string, type: string, description: string): PrinterColumn => ({
  name,
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
  description,
});

export const MachineAddressType = {
  Hostname: 'Hostname',
  ExternalIP: 'ExternalIP',
  InternalIP: 'InternalIP',
  ExternalDNS: 'ExternalDNS',
  InternalDNS: 'InternalDNS',
} as const;

/** One address of a machine (`MachineAddress`); infrastructure providers report lists of them. */
export const machineAddress = () =>
  object({
    address: required(string({ description: 'The address.', minLength: 1, maxLength: 256 })),
    type: required(
      stringEnum(['Hostname', 'ExternalIP', 'InternalIP', 'ExternalDNS', 'InternalDNS'] as const, {
        description: 'The kind of address.',
      }),
    ),
  });
export type MachineAddress = Static<ReturnType<typeof machineAddress>>;

/** Addresses of a Machine, as reported by its infrastructure (`MachineAddresses`). */
export const machineAddresses = (description = 'The addresses of the Machine.') =>
  array(machineAddress(), { description, maxItems: 256, listType: 'atomic' });

/** `status.initialization` of Machines and MachinePools. */
export const machineInitializationStatus = () =>
  object(
    {
      bootstrapDataSecretCreated: boolean({
        description: 'True once the bootstrap data Secret exists; never reset.',
      }),
      infrastructureProvisioned: boolean({
        description: 'True once the infrastructure is provisioned; never reset.',
      }),
    },
    { description: 'Milestones of the first provisioning.', minProperties: 1 },
  );

/** Desired, Current, Ready, Available and Up-to-date: the replica columns of the scalable kinds. */
export const replicaColumns = (): PrinterColumn[] => [
  { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired Machines' },
  { name: 'Current', type: 'integer', jsonPath: '.status.replicas', description: 'Existing Machines' },
  { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Ready Machines' },
  {
    name: 'Available',
    type: 'integer',
    jsonPath: '.status.availableReplicas',
    description: 'Available Machines',
  },
  {
    name: 'Up-to-date',
    type: 'integer',
    jsonPath: '.status.upToDateReplicas',
    description: 'Up-to-date Machines',
  },
];

/** `APIEndpoint`: where a workload cluster's API server is reached. */
export const apiEndpoint = (description: string) =>
  object(
    {
      host: string({ description: 'DNS name or IP address of the endpoint.', minLength: 1, maxLength: 512 }),
      port: int32({ description: 'TCP port of the endpoint.', minimum: 1, maximum: 65535 }),
    },
    { description, minProperties: 1 },
  );
export type APIEndpoint = Static<ReturnType<typeof apiEndpoint>>;

/** `FailureDomain` lists keyed by name (Cluster status, infrastructure clusters). */
export const failureDomains = (description: string) =>
  array(
    object({
      attributes: map(string(), { description: 'Free-form details about the failure domain.' }),
      controlPlane: boolean({ description: 'Whether control plane Machines may be placed here.' }),
      name: required(
        string({ description: 'The name of the failure domain.', minLength: 1, maxLength: 256 }),
      ),
    }),
    { description, minItems: 1, maxItems: 100, listType: 'map', listMapKeys: ['name'] },
  );
export type FailureDomain = Static<ReturnType<typeof failureDomains>>[number];
