import { kindSchema } from '../../../core/api/openapi/crd.js';
import { metav1Conditions } from '../../../core/api/openapi/kubernetes-schemas.js';
import {
  boolean,
  dateTime,
  int32,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../../../core/api/openapi/schema-builder.js';
import {
  ageColumn,
  clusterLabelColumn,
  conditionColumn,
  conditionGates,
  contractVersionedObjectReference,
  deprecatedStatus,
  intOrPercent,
  kubernetesVersion,
  machineDeletionSpec,
  machineNaming,
  machineTaints,
  objectMeta,
  observedGeneration,
  pausedColumn,
  replicaCount,
  statusVersions,
  v1beta1FailureFields,
} from '../../../core/api/v1beta2/common-types.js';
import { providerCustomResourceDefinition } from '../../../core/api/v1beta2/provider-crd.js';
import { KubeadmConfigSpecSchema } from '../../bootstrap-kubeadm/api/kubeadm-config-spec-types.js';
import { GROUP } from './well-known.js';

/** Parts of the control plane Machines' spec; the template kind takes the same minus infrastructureRef. */
const machineTemplateSpecFields = () => ({
  deletion: machineDeletionSpec('How the control plane Machines are deleted.'),
  taints: machineTaints('Taints set on the Nodes of the control plane Machines.'),
});

export const KubeadmControlPlaneMachineTemplateSchema = object(
  {
    metadata: objectMeta('Labels and annotations of the control plane Machines.'),
    spec: required(
      object(
        {
          ...machineTemplateSpecFields(),
          infrastructureRef: required(
            contractVersionedObjectReference(
              'The infrastructure template cloned for each control plane Machine.',
            ),
          ),
          readinessGates: conditionGates(
            'Extra conditions that gate Ready of the Machines, beside the ones the controller always adds.',
          ),
        },
        { description: 'The spec of the control plane Machines.' },
      ),
    ),
  },
  { description: 'How the control plane Machines are shaped.' },
);
export type KubeadmControlPlaneMachineTemplate = Static<typeof KubeadmControlPlaneMachineTemplateSchema>;

/** The machineTemplate of a KubeadmControlPlaneTemplate: no infrastructureRef (the ClusterClass has it). */
export const KubeadmControlPlaneTemplateMachineTemplateSchema = object(
  {
    metadata: objectMeta('Labels and annotations of the control plane Machines.'),
    spec: object(machineTemplateSpecFields(), {
      description: 'The spec of the control plane Machines.',
      minProperties: 1,
    }),
  },
  { description: 'How the control plane Machines are shaped.', minProperties: 1 },
);
export type KubeadmControlPlaneTemplateMachineTemplate = Static<
  typeof KubeadmControlPlaneTemplateMachineTemplateSchema
>;

export const KubeadmControlPlaneRolloutSchema = object(
  {
    after: dateTime({ description: 'Machines created before this time are replaced after it.' }),
    before: object(
      {
        certificatesExpiryDays: int32({
          description: 'Replace Machines whose certificates expire within this many days.',
          minimum: 7,
        }),
      },
      { description: 'Conditions that trigger replacing a Machine ahead of time.', minProperties: 1 },
    ),
    strategy: object(
      {
        rollingUpdate: object(
          {
            maxSurge: intOrPercent(
              'Machines allowed above the desired count during a rollout: 1 (default) or 0 (scale in first; needs 3 or more replicas).',
            ),
          },
          { description: 'Tuning of the RollingUpdate strategy.', minProperties: 1 },
        ),
        type: required(
          stringEnum(['RollingUpdate'] as const, { description: 'Only RollingUpdate is supported.' }),
        ),
      },
      { description: 'How old Machines are replaced with new ones.', minProperties: 1 },
    ),
  },
  { description: 'When and how control plane Machines are replaced.', minProperties: 1 },
);
export type KubeadmControlPlaneRollout = Static<typeof KubeadmControlPlaneRolloutSchema>;

export const KubeadmControlPlaneRemediationSchema = object(
  {
    maxRetry: int32({
      description:
        'How many times a failed remediation of the same Machine is retried; unlimited when unset.',
    }),
    minHealthyPeriodSeconds: int32({
      description: 'A Machine healthy this long after a remediation starts a new retry count. Default 3600.',
      minimum: 0,
    }),
    retryPeriodSeconds: int32({
      description: 'Wait between a remediation and the next retry. Default 0.',
      minimum: 0,
    }),
  },
  { description: 'How unhealthy control plane Machines are remediated.', minProperties: 1 },
);
export type KubeadmControlPlaneRemediation = Static<typeof KubeadmControlPlaneRemediationSchema>;

export const KubeadmControlPlaneSpecSchema = object(
  {
    kubeadmConfigSpec: KubeadmConfigSpecSchema,
    machineNaming: machineNaming(),
    machineTemplate: required(KubeadmControlPlaneMachineTemplateSchema),
    remediation: KubeadmControlPlaneRemediationSchema,
    replicas: replicaCount('Desired number of control plane Machines; odd with stacked etcd. Default 1.'),
    rollout: KubeadmControlPlaneRolloutSchema,
    version: required(kubernetesVersion('Desired Kubernetes version of the control plane.')),
  },
  { description: 'The desired state of the KubeadmControlPlane.' },
);
export type KubeadmControlPlaneSpec = Static<typeof KubeadmControlPlaneSpecSchema>;

const replicas = (description: string) => int32({ description });

export const KubeadmControlPlaneStatusSchema = object(
  {
    availableReplicas: replicas('Machines with Available true.'),
    conditions: metav1Conditions(
      'Available, Initialized, EtcdClusterHealthy, MachinesReady, ... and Paused.',
    ),
    deprecated: deprecatedStatus({
      ...v1beta1FailureFields(),
      readyReplicas: replicas('Ready Machines in the v1beta1 sense (deprecated).'),
      unavailableReplicas: replicas('Machines not yet available (deprecated).'),
      updatedReplicas: replicas('Machines with the desired spec (deprecated).'),
    }),
    initialization: object(
      {
        controlPlaneInitialized: boolean({
          description: 'True once the API server accepts requests (contract field read by the Cluster).',
        }),
      },
      { description: 'Progress of the initial provisioning.', minProperties: 1 },
    ),
    lastRemediation: object(
      {
        machine: required(
          string({ description: 'The Machine remediated last.', minLength: 1, maxLength: 253 }),
        ),
        retryCount: required(
          int32({ description: 'Retries of the current remediation sequence.', minimum: 0 }),
        ),
        time: required(dateTime({ description: 'When the last remediation started.' })),
      },
      { description: 'The last remediation the controller performed.' },
    ),
    observedGeneration: observedGeneration(),
    readyReplicas: replicas('Machines with Ready true.'),
    replicas: replicas('Machines owned by the control plane (scale subresource).'),
    selector: string({
      description: 'Label selector of the Machines, as a string (scale subresource).',
      minLength: 1,
      maxLength: 4096,
    }),
    upToDateReplicas: replicas('Machines with UpToDate true.'),
    version: kubernetesVersion('Lowest Kubernetes version among the Machines.'),
    versions: statusVersions({ maxItems: 100, listType: 'map' }),
  },
  { description: 'The observed state of the KubeadmControlPlane.', minProperties: 1 },
);
export type KubeadmControlPlaneStatus = Static<typeof KubeadmControlPlaneStatusSchema>;

export const KubeadmControlPlaneSchema = kindSchema(
  'A control plane of Machines bootstrapped with kubeadm, with stacked or external etcd.',
  {
    spec: required(KubeadmControlPlaneSpecSchema),
    status: KubeadmControlPlaneStatusSchema,
  },
);
export type KubeadmControlPlane = Static<typeof KubeadmControlPlaneSchema>;

const replicaColumn = (name: string, jsonPath: string, description: string) => ({
  name,
  type: 'integer' as const,
  jsonPath,
  description,
});

export const kubeadmControlPlaneCrd = () =>
  providerCustomResourceDefinition({
    group: GROUP,
    kind: 'KubeadmControlPlane',
    plural: 'kubeadmcontrolplanes',
    shortNames: ['kcp'],
    version: {
      schema: KubeadmControlPlaneSchema,
      status: true,
      // The scale subresource lets `kubectl scale` and autoscalers change the control plane size.
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
      printerColumns: [
        clusterLabelColumn(),
        conditionColumn('Available', 'Available', 'Whether the control plane is available'),
        replicaColumn('Desired', '.spec.replicas', 'Desired number of Machines'),
        replicaColumn('Current', '.status.replicas', 'Number of Machines'),
        replicaColumn('Ready', '.status.readyReplicas', 'Machines with Ready true'),
        replicaColumn('Available', '.status.availableReplicas', 'Machines with Available true'),
        replicaColumn('Up-to-date', '.status.upToDateReplicas', 'Machines with UpToDate true'),
        pausedColumn(),
        {
          name: 'Initialized',
          type: 'boolean',
          jsonPath: '.status.initialization.controlPlaneInitialized',
          description: 'Whether the control plane accepts requests',
        },
        ageColumn(),
        {
          name: 'Version',
          type: 'string',
          jsonPath: '.spec.version',
          description: 'Desired Kubernetes version',
        },
      ],
    },
  });
