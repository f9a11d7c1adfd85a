import type { Registry } from 'prom-client';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION as ADDONS_API_VERSION } from '../api/addons/v1beta2/group.js';
import { API_VERSION } from '../api/v1beta2/group.js';
import {
  commonStateMetrics,
  fieldGauge,
  infoMetric,
  path,
  registerObjectStateMetrics,
  type StateMetricSpec,
  stateSet,
} from '../util/object-state-metrics.js';

/** The cached objects of a kind (an informer's store), read at scrape time. */
export type KindObjects = (kind: StateMetricsKind) => Iterable<KubeObject>;

/** The core kinds with per-object state metrics; each is a controller's own kind, so its informer already runs. */
export const STATE_METRICS_KINDS = [
  'Cluster',
  'Machine',
  'MachineSet',
  'MachineDeployment',
  'MachineHealthCheck',
  'ClusterResourceSet',
] as const;
export type StateMetricsKind = (typeof STATE_METRICS_KINDS)[number];

export const stateMetricsType = (kind: StateMetricsKind) => ({
  apiVersion: kind === 'ClusterResourceSet' ? ADDONS_API_VERSION : API_VERSION,
  kind,
});

const ownLabels = (obj: KubeObject) => ({
  name: obj.metadata.name ?? '',
  namespace: obj.metadata.namespace ?? '',
  uid: obj.metadata.uid ?? '',
});
const withClusterName = (obj: KubeObject) => ({
  cluster_name: (obj as { spec?: { clusterName?: string } }).spec?.clusterName ?? '',
  ...ownLabels(obj),
});

const templateRefs = {
  bootstrap_reference_kind: path('spec', 'template', 'spec', 'bootstrap', 'configRef', 'kind'),
  bootstrap_reference_name: path('spec', 'template', 'spec', 'bootstrap', 'configRef', 'name'),
  infrastructure_reference_kind: path('spec', 'template', 'spec', 'infrastructureRef', 'kind'),
  infrastructure_reference_name: path('spec', 'template', 'spec', 'infrastructureRef', 'name'),
  version: path('spec', 'template', 'spec', 'version'),
};

const replicaGauges = (kind: string): StateMetricSpec[] => [
  fieldGauge('status_replicas', `The number of replicas per ${kind}.`, path('status', 'replicas'), {
    nilIsZero: true,
  }),
  fieldGauge(
    'status_replicas_available',
    `The number of available replicas per ${kind}.`,
    path('status', 'availableReplicas'),
    { nilIsZero: true },
  ),
  fieldGauge(
    'status_replicas_ready',
    `The number of ready replicas per ${kind}.`,
    path('status', 'readyReplicas'),
    { nilIsZero: true },
  ),
  fieldGauge(
    'status_replicas_uptodate',
    `The number of up-to-date replicas per ${kind}.`,
    path('status', 'upToDateReplicas'),
    { nilIsZero: true },
  ),
];

/** Upstream's `owner` metric (its v1beta1 configuration; v1beta2 dropped it): one series per owner reference. */
const ownerMetric: StateMetricSpec = {
  name: 'owner',
  help: 'Owner references.',
  labelNames: ['owner_is_controller', 'owner_kind', 'owner_name', 'owner_uid'],
  *series(obj) {
    for (const ref of obj.metadata.ownerReferences ?? [])
      yield [
        {
          owner_is_controller: String(ref.controller ?? ''),
          owner_kind: ref.kind,
          owner_name: ref.name,
          owner_uid: ref.uid,
        },
        1,
      ];
  },
};

/**
 * The per-object metrics of upstream's kube-state-metrics configuration for Cluster, Machine, MachineSet,
 * MachineDeployment, MachineHealthCheck and ClusterResourceSet, with its names and labels (v1beta2 fields).
 */
export function registerCoreStateMetrics(registry: Registry, objects: KindObjects): void {
  registerObjectStateMetrics({
    registry,
    prefix: 'capi_cluster',
    objectLabelNames: ['name', 'namespace', 'uid'],
    objectLabels: ownLabels,
    objects: () => objects('Cluster'),
    metrics: [
      ...commonStateMetrics('cluster'),
      infoMetric('info', 'Information about a cluster.', {
        control_plane_endpoint_host: path('spec', 'controlPlaneEndpoint', 'host'),
        control_plane_endpoint_port: path('spec', 'controlPlaneEndpoint', 'port'),
        control_plane_reference_kind: path('spec', 'controlPlaneRef', 'kind'),
        control_plane_reference_name: path('spec', 'controlPlaneRef', 'name'),
        infrastructure_reference_kind: path('spec', 'infrastructureRef', 'kind'),
        infrastructure_reference_name: path('spec', 'infrastructureRef', 'name'),
        topology_classref_name: path('spec', 'topology', 'classRef', 'name'),
        topology_classref_namespace: path('spec', 'topology', 'classRef', 'namespace'),
        topology_version: path('spec', 'topology', 'version'),
      }),
      fieldGauge(
        'spec_paused',
        'Whether the cluster is paused and any of its resources will not be processed by the controllers.',
        path('spec', 'paused'),
        { nilIsZero: true },
      ),
      stateSet(
        'status_phase',
        'The clusters current phase.',
        'phase',
        ['Pending', 'Provisioning', 'Provisioned', 'Deleting', 'Failed', 'Unknown'],
        path('status', 'phase'),
      ),
    ],
  });

  registerObjectStateMetrics({
    registry,
    prefix: 'capi_machine',
    objectLabelNames: ['cluster_name', 'name', 'namespace', 'uid'],
    objectLabels: withClusterName,
    objects: () => objects('Machine'),
    metrics: [
      ...commonStateMetrics('machine'),
      {
        name: 'addresses',
        help: 'Address information about a machine.',
        labelNames: ['address', 'type'],
        *series(obj) {
          const list = path<KubeObject>('status', 'addresses')(obj);
          if (!Array.isArray(list)) return;
          for (const a of list as { address?: string; type?: string }[])
            yield [{ address: a.address ?? '', type: a.type ?? '' }, 1];
        },
      },
      infoMetric('info', 'Information about a machine.', {
        bootstrap_reference_kind: path('spec', 'bootstrap', 'configRef', 'kind'),
        bootstrap_reference_name: path('spec', 'bootstrap', 'configRef', 'name'),
        container_runtime_version: path('status', 'nodeInfo', 'containerRuntimeVersion'),
        control_plane_name: path('metadata', 'labels', 'cluster.x-k8s.io/control-plane-name'),
        failure_domain: path('spec', 'failureDomain'),
        infrastructure_reference_kind: path('spec', 'infrastructureRef', 'kind'),
        infrastructure_reference_name: path('spec', 'infrastructureRef', 'name'),
        kernel_version: path('status', 'nodeInfo', 'kernelVersion'),
        kube_proxy_version: path('status', 'nodeInfo', 'kubeProxyVersion'),
        kubelet_version: path('status', 'nodeInfo', 'kubeletVersion'),
        os_image: path('status', 'nodeInfo', 'osImage'),
        provider_id: path('spec', 'providerID'),
        version: path('spec', 'version'),
      }),
      ownerMetric,
      fieldGauge(
        'status_certificatesexpirydate',
        'Information about certificate expiration date of a control plane node.',
        path('status', 'certificatesExpiryDate'),
        { nilIsZero: true },
      ),
      {
        name: 'status_noderef',
        help: 'Information about the node reference of a machine.',
        labelNames: ['node_name'],
        *series(obj) {
          const name = path<KubeObject>('status', 'nodeRef', 'name')(obj);
          if (typeof name === 'string' && name !== '') yield [{ node_name: name }, 1];
        },
      },
      stateSet(
        'status_phase',
        'The machines current phase.',
        'phase',
        [
          'Pending',
          'Provisioning',
          'Provisioned',
          'Running',
          'Updating',
          'Deleting',
          'Deleted',
          'Failed',
          'Unknown',
        ],
        path('status', 'phase'),
      ),
    ],
  });

  registerObjectStateMetrics({
    registry,
    prefix: 'capi_machineset',
    objectLabelNames: ['cluster_name', 'name', 'namespace', 'uid'],
    objectLabels: withClusterName,
    objects: () => objects('MachineSet'),
    metrics: [
      ...commonStateMetrics('machineset'),
      infoMetric('info', 'Information about a machineset.', templateRefs),
      ownerMetric,
      fieldGauge(
        'spec_replicas',
        'The number of desired machines for a machineset.',
        path('spec', 'replicas'),
        {
          nilIsZero: true,
        },
      ),
      ...replicaGauges('machineset'),
    ],
  });

  registerObjectStateMetrics({
    registry,
    prefix: 'capi_machinedeployment',
    objectLabelNames: ['cluster_name', 'name', 'namespace', 'uid'],
    objectLabels: withClusterName,
    objects: () => objects('MachineDeployment'),
    metrics: [
      ...commonStateMetrics('machinedeployment'),
      infoMetric('info', 'Information about a machinedeployment.', templateRefs),
      fieldGauge(
        'spec_paused',
        'Whether the machinedeployment is paused and any of its resources will not be processed by the controllers.',
        path('spec', 'paused'),
        { nilIsZero: true },
      ),
      fieldGauge(
        'spec_replicas',
        'The number of desired machines for a machinedeployment.',
        path('spec', 'replicas'),
      ),
      fieldGauge(
        'spec_strategy_rollingupdate_max_surge',
        'Maximum number of replicas that can be scheduled above the desired number of replicas during a rolling update of a machinedeployment.',
        path('spec', 'rollout', 'strategy', 'rollingUpdate', 'maxSurge'),
      ),
      fieldGauge(
        'spec_strategy_rollingupdate_max_unavailable',
        'Maximum number of unavailable replicas during a rolling update of a machinedeployment.',
        path('spec', 'rollout', 'strategy', 'rollingUpdate', 'maxUnavailable'),
      ),
      stateSet(
        'status_phase',
        'The machinedeployments current phase.',
        'phase',
        ['ScalingUp', 'ScalingDown', 'Running', 'Failed', 'Unknown'],
        path('status', 'phase'),
      ),
      ...replicaGauges('machinedeployment'),
    ],
  });

  registerObjectStateMetrics({
    registry,
    prefix: 'capi_machinehealthcheck',
    objectLabelNames: ['cluster_name', 'name', 'namespace', 'uid'],
    objectLabels: withClusterName,
    objects: () => objects('MachineHealthCheck'),
    metrics: [
      ...commonStateMetrics('machinehealthcheck'),
      infoMetric('info', 'Information about a machinehealthcheck.', {
        remediation_triggerif_unhealthyinrange: path('spec', 'remediation', 'triggerIf', 'unhealthyInRange'),
        remediation_triggerif_unhealthylessthanorequalto: path(
          'spec',
          'remediation',
          'triggerIf',
          'unhealthyLessThanOrEqualTo',
        ),
      }),
      fieldGauge(
        'status_current_healthy',
        'Current number of healthy machines.',
        path('status', 'currentHealthy'),
        { nilIsZero: true },
      ),
      fieldGauge(
        'status_expected_machines',
        'Total number of machines counted by this machinehealthcheck.',
        path('status', 'expectedMachines'),
        { nilIsZero: true },
      ),
      fieldGauge(
        'status_remediations_allowed',
        'Number of machine remediations that are currently allowed.',
        path('status', 'remediationsAllowed'),
        { nilIsZero: true },
      ),
    ],
  });

  // Upstream's configuration has only the conditions of a ClusterResourceSet.
  registerObjectStateMetrics({
    registry,
    prefix: 'capi_clusterresourceset',
    objectLabelNames: ['name', 'namespace', 'uid'],
    objectLabels: ownLabels,
    objects: () => objects('ClusterResourceSet'),
    metrics: commonStateMetrics('clusterresourceset').filter((m) => m.name.startsWith('status_condition')),
  });
}
