import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import { CoreMetrics, machineOwner } from './core-metrics.js';

/** The exposition lines of the metrics whose name is exactly `name`. */
async function lines(registry: Registry, name: string): Promise<string[]> {
  return (await registry.metrics())
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

const obj = (kind: string, o: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'cluster.x-k8s.io/v1beta2', kind, ...o }) as unknown as KubeObject;

function withObjects(objects: KubeObject[]) {
  const registry = new Registry();
  const metrics = new CoreMetrics(registry, (type: TypeRef) => objects.filter((o) => o.kind === type.kind));
  return { registry, metrics, objects };
}

const cluster = obj('Cluster', {
  metadata: { name: 'c1', namespace: 'ns', uid: 'u-c1', creationTimestamp: '2026-01-02T03:04:05Z' },
  spec: {
    paused: true,
    controlPlaneRef: { apiGroup: 'controlplane.cluster.x-k8s.io', kind: 'KubeadmControlPlane', name: 'cp' },
    topology: { version: 'v1.31.0', classRef: { name: 'quick-start' } },
  },
  status: {
    phase: 'Provisioned',
    conditions: [
      { type: 'Available', status: 'False', reason: 'x', lastTransitionTime: '2026-01-02T03:05:00Z' },
    ],
  },
});

const machine = obj('Machine', {
  metadata: {
    name: 'm1',
    namespace: 'ns',
    uid: 'u-m1',
    labels: { 'cluster.x-k8s.io/control-plane-name': 'cp' },
    ownerReferences: [
      {
        apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
        kind: 'KubeadmControlPlane',
        name: 'cp',
        uid: 'u-cp',
        controller: true,
      },
    ],
  },
  spec: {
    clusterName: 'c1',
    version: 'v1.31.0',
    providerID: 'in-memory://m1',
    infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: 'dm1' },
  },
  status: {
    phase: 'Running',
    nodeRef: { name: 'node-1' },
    certificatesExpiryDate: '2027-01-01T00:00:00Z',
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
  },
});

describe('CoreMetrics state metrics (kube-state-metrics names)', () => {
  it('Cluster: info, phase state set, conditions, paused and creation time', async () => {
    const { registry } = withObjects([cluster]);
    const own = 'name="c1",namespace="ns",uid="u-c1"';
    assert.deepEqual(await lines(registry, 'capi_cluster_info'), [
      `capi_cluster_info{${own},control_plane_reference_kind="KubeadmControlPlane",control_plane_reference_name="cp",topology_classref_name="quick-start",topology_version="v1.31.0"} 1`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_cluster_status_phase'), [
      `capi_cluster_status_phase{${own},phase="Pending"} 0`,
      `capi_cluster_status_phase{${own},phase="Provisioning"} 0`,
      `capi_cluster_status_phase{${own},phase="Provisioned"} 1`,
      `capi_cluster_status_phase{${own},phase="Deleting"} 0`,
      `capi_cluster_status_phase{${own},phase="Failed"} 0`,
      `capi_cluster_status_phase{${own},phase="Unknown"} 0`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_cluster_status_condition'), [
      `capi_cluster_status_condition{${own},type="Available",status="True"} 0`,
      `capi_cluster_status_condition{${own},type="Available",status="False"} 1`,
      `capi_cluster_status_condition{${own},type="Available",status="Unknown"} 0`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_cluster_status_condition_last_transition_time'), [
      `capi_cluster_status_condition_last_transition_time{${own},type="Available",status="False"} ${Date.parse('2026-01-02T03:05:00Z') / 1000}`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_cluster_spec_paused'), [
      `capi_cluster_spec_paused{${own}} 1`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_cluster_created'), [
      `capi_cluster_created{${own}} ${Date.parse('2026-01-02T03:04:05Z') / 1000}`,
    ]);
  });

  it('Machine: phase, node reference, owner, certificate expiry, info', async () => {
    const { registry } = withObjects([machine]);
    const own = 'cluster_name="c1",name="m1",namespace="ns",uid="u-m1"';
    assert.ok(
      (await lines(registry, 'capi_machine_status_phase')).includes(
        `capi_machine_status_phase{${own},phase="Running"} 1`,
      ),
    );
    assert.equal((await lines(registry, 'capi_machine_status_phase')).length, 9);
    assert.deepEqual(await lines(registry, 'capi_machine_status_noderef'), [
      `capi_machine_status_noderef{${own},node_name="node-1"} 1`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_machine_owner'), [
      `capi_machine_owner{${own},owner_is_controller="true",owner_kind="KubeadmControlPlane",owner_name="cp",owner_uid="u-cp"} 1`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_machine_status_certificatesexpirydate'), [
      `capi_machine_status_certificatesexpirydate{${own}} ${Date.parse('2027-01-01T00:00:00Z') / 1000}`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_machine_info'), [
      `capi_machine_info{${own},control_plane_name="cp",infrastructure_reference_kind="DevMachine",infrastructure_reference_name="dm1",provider_id="in-memory://m1",version="v1.31.0"} 1`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_machine_addresses'), [
      `capi_machine_addresses{${own},address="10.0.0.1",type="InternalIP"} 1`,
    ]);
  });

  it('MachineDeployment, MachineSet and MachineHealthCheck counters; unset status counts read 0', async () => {
    const md = obj('MachineDeployment', {
      metadata: { name: 'md', namespace: 'ns', uid: 'u-md' },
      spec: {
        clusterName: 'c1',
        replicas: 3,
        rollout: { strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } },
      },
      status: {
        replicas: 3,
        readyReplicas: 2,
        availableReplicas: 2,
        upToDateReplicas: 1,
        phase: 'ScalingUp',
      },
    });
    const ms = obj('MachineSet', {
      metadata: { name: 'ms', namespace: 'ns', uid: 'u-ms' },
      spec: { clusterName: 'c1' },
    });
    const mhc = obj('MachineHealthCheck', {
      metadata: { name: 'mhc', namespace: 'ns', uid: 'u-mhc' },
      spec: { clusterName: 'c1' },
      status: { currentHealthy: 2, expectedMachines: 3, remediationsAllowed: 1 },
    });
    const { registry } = withObjects([md, ms, mhc]);
    const mdl = 'cluster_name="c1",name="md",namespace="ns",uid="u-md"';
    assert.deepEqual(
      [
        ...(await lines(registry, 'capi_machinedeployment_spec_replicas')),
        ...(await lines(registry, 'capi_machinedeployment_status_replicas')),
        ...(await lines(registry, 'capi_machinedeployment_status_replicas_ready')),
        ...(await lines(registry, 'capi_machinedeployment_status_replicas_available')),
        ...(await lines(registry, 'capi_machinedeployment_status_replicas_uptodate')),
        ...(await lines(registry, 'capi_machinedeployment_spec_strategy_rollingupdate_max_surge')),
        ...(await lines(registry, 'capi_machinedeployment_spec_strategy_rollingupdate_max_unavailable')),
      ],
      [
        `capi_machinedeployment_spec_replicas{${mdl}} 3`,
        `capi_machinedeployment_status_replicas{${mdl}} 3`,
        `capi_machinedeployment_status_replicas_ready{${mdl}} 2`,
        `capi_machinedeployment_status_replicas_available{${mdl}} 2`,
        `capi_machinedeployment_status_replicas_uptodate{${mdl}} 1`,
        `capi_machinedeployment_spec_strategy_rollingupdate_max_surge{${mdl}} 1`,
        // A percentage is no number: absent, as kube-state-metrics leaves it.
      ],
    );
    const msl = 'cluster_name="c1",name="ms",namespace="ns",uid="u-ms"';
    assert.deepEqual(await lines(registry, 'capi_machineset_status_replicas_ready'), [
      `capi_machineset_status_replicas_ready{${msl}} 0`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_machineset_spec_replicas'), [
      `capi_machineset_spec_replicas{${msl}} 0`,
    ]);
    const mhcl = 'cluster_name="c1",name="mhc",namespace="ns",uid="u-mhc"';
    assert.deepEqual(
      [
        ...(await lines(registry, 'capi_machinehealthcheck_status_current_healthy')),
        ...(await lines(registry, 'capi_machinehealthcheck_status_expected_machines')),
        ...(await lines(registry, 'capi_machinehealthcheck_status_remediations_allowed')),
      ],
      [
        `capi_machinehealthcheck_status_current_healthy{${mhcl}} 2`,
        `capi_machinehealthcheck_status_expected_machines{${mhcl}} 3`,
        `capi_machinehealthcheck_status_remediations_allowed{${mhcl}} 1`,
      ],
    );
  });

  it('ClusterResourceSet: only its conditions, as upstream configures it', async () => {
    const crs = {
      apiVersion: 'addons.cluster.x-k8s.io/v1beta2',
      kind: 'ClusterResourceSet',
      metadata: { name: 'cni', namespace: 'ns', uid: 'u-crs', creationTimestamp: '2026-01-02T03:04:05Z' },
      spec: { clusterSelector: { matchLabels: { cni: 'calico' } }, resources: [] },
      status: {
        conditions: [
          {
            type: 'ResourcesApplied',
            status: 'True',
            reason: 'Applied',
            lastTransitionTime: '2026-01-02T03:05:00Z',
          },
        ],
      },
    } as unknown as KubeObject;
    const { registry } = withObjects([crs]);
    const l = 'name="cni",namespace="ns",uid="u-crs"';
    assert.deepEqual(await lines(registry, 'capi_clusterresourceset_status_condition'), [
      `capi_clusterresourceset_status_condition{${l},type="ResourcesApplied",status="True"} 1`,
      `capi_clusterresourceset_status_condition{${l},type="ResourcesApplied",status="False"} 0`,
      `capi_clusterresourceset_status_condition{${l},type="ResourcesApplied",status="Unknown"} 0`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_clusterresourceset_status_condition_last_transition_time'), [
      `capi_clusterresourceset_status_condition_last_transition_time{${l},type="ResourcesApplied",status="True"} 1767323100`,
    ]);
    assert.deepEqual(await lines(registry, 'capi_clusterresourceset_created'), []);
  });

  it('a deleted object leaves no series on the next scrape', async () => {
    const { registry, objects } = withObjects([cluster]);
    assert.equal((await lines(registry, 'capi_cluster_spec_paused')).length, 1);
    objects.length = 0;
    assert.deepEqual(await lines(registry, 'capi_cluster_spec_paused'), []);
    assert.deepEqual(await lines(registry, 'capi_cluster_status_phase'), []);
  });
});

describe('CoreMetrics SLI counters', () => {
  it('observes provisioning once per Machine, with cluster, owner and provider labels', async () => {
    const { registry, metrics } = withObjects([]);
    assert.equal(metrics.machineProvisioned(machine as never, 42), true);
    assert.equal(
      metrics.machineProvisioned(machine as never, 99),
      false,
      'Ready again: not a second observation',
    );
    assert.deepEqual(await lines(registry, 'capi_machine_provisioning_duration_seconds_count'), [
      'capi_machine_provisioning_duration_seconds_count{cluster_namespace="ns",cluster_name="c1",owner_kind="KubeadmControlPlane",owner_name="cp",provider="DevMachine"} 1',
    ]);
  });

  it('owner: MachineDeployment by label, else the controller owner, else empty', () => {
    const meta = (
      labels: Record<string, string>,
      owners: { kind: string; name: string; controller?: boolean }[],
    ) => ({
      metadata: {
        labels,
        ownerReferences: owners.map((o) => ({ apiVersion: 'x/v1', uid: 'u', ...o })),
      },
    });
    assert.deepEqual(
      machineOwner(
        meta({ 'cluster.x-k8s.io/deployment-name': 'md' }, [
          { kind: 'MachineSet', name: 'md-abc', controller: true },
        ]),
      ),
      { kind: 'MachineDeployment', name: 'md' },
    );
    assert.deepEqual(machineOwner(meta({}, [{ kind: 'MachineSet', name: 'ms', controller: true }])), {
      kind: 'MachineSet',
      name: 'ms',
    });
    assert.deepEqual(machineOwner(meta({}, [{ kind: 'MachinePool', name: 'mp', controller: true }])), {
      kind: 'MachinePool',
      name: 'mp',
    });
    assert.deepEqual(machineOwner(meta({}, [{ kind: 'Cluster', name: 'c1' }])), { kind: '', name: '' });
  });

  it('failures and remediations carry the cluster; drift counts by controller and kind', async () => {
    const { registry, metrics } = withObjects([]);
    metrics.machineFailed({ namespace: 'ns', clusterName: 'c1' }, 'InfrastructureProvisioningFailed');
    metrics.machineRemediated(machine, 'UnhealthyNode');
    metrics.driftCorrected('topology/cluster', 'MachineDeployment');
    assert.deepEqual(await lines(registry, 'capi_machine_failures_total'), [
      'capi_machine_failures_total{cluster_namespace="ns",cluster_name="c1",reason="InfrastructureProvisioningFailed"} 1',
    ]);
    assert.deepEqual(await lines(registry, 'capi_machine_remediations_total'), [
      'capi_machine_remediations_total{cluster_namespace="ns",cluster_name="c1",reason="UnhealthyNode"} 1',
    ]);
    assert.deepEqual(await lines(registry, 'capi_drift_corrections_total'), [
      'capi_drift_corrections_total{controller="topology/cluster",kind="MachineDeployment"} 1',
    ]);
  });
});
