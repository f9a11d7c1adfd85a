import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_VERSION,
  type Cluster,
  clusterClassCrd,
  clusterCrd,
  kubeconfigSecretName,
  Label,
  type Machine,
  machineCrd,
  type MachineDeployment,
  machineDeploymentCrd,
  machineDrainRuleCrd,
  machineHealthCheckCrd,
  machinePoolCrd,
  type MachineSet,
  machineSetCrd,
  MachineCondition,
  MachineReason,
  type MachineSpec,
  secretName,
  SecretPurpose,
} from './index.js';

const spec: MachineSpec = {
  clusterName: 'workload-1',
  bootstrap: {
    configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: 'md-0-abc' },
  },
  infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: 'md-0-abc' },
  version: 'v1.33.1',
};

describe('cluster.x-k8s.io/v1beta2 types', () => {
  it('types a Machine as users write it, with required fields enforced by the compiler', () => {
    const machine: Machine = {
      apiVersion: API_VERSION,
      kind: 'Machine',
      metadata: { name: 'md-0-abc', namespace: 'default', labels: { [Label.ClusterName]: 'workload-1' } },
      spec: {
        ...spec,
        taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule', propagation: 'Always' }],
      },
      status: {
        phase: 'Running',
        conditions: [
          {
            type: MachineCondition.Ready,
            status: 'False',
            reason: MachineReason.NotReady,
            message: '',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
        addresses: [{ type: 'InternalIP', address: '10.0.0.4' }],
      },
    };
    assert.equal(machine.spec.clusterName, 'workload-1');

    const { clusterName: _omitted, ...withoutClusterName } = spec;
    // @ts-expect-error spec.clusterName is required
    const noClusterName: Machine = { spec: withoutClusterName };
    // @ts-expect-error minReadySeconds is an integer, not a duration string
    const wrongType: Machine = { spec: { ...spec, minReadySeconds: '30s' } };
    const wrongEnum: MachineSpec = {
      ...spec,
      // @ts-expect-error taint effects are an enum
      taints: [{ key: 'k', effect: 'Sometimes', propagation: 'Always' }],
    };
    assert.ok(noClusterName && wrongType && wrongEnum);
  });

  it('shares one MachineSpec between Machines and the templates of MachineSets and MachineDeployments', () => {
    const template = { metadata: { labels: { pool: 'md-0' } }, spec };
    const ms: MachineSet = {
      spec: { clusterName: 'workload-1', replicas: 3, selector: { matchLabels: { pool: 'md-0' } }, template },
    };
    const md: MachineDeployment = {
      spec: {
        clusterName: 'workload-1',
        selector: { matchLabels: { pool: 'md-0' } },
        template,
        rollout: {
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
        },
      },
    };
    assert.equal(ms.spec.template.spec.version, md.spec.template.spec.version);
  });

  it('types a Cluster topology with its required class and version', () => {
    const cluster: Cluster = {
      spec: {
        topology: {
          classRef: { name: 'quick-start' },
          version: 'v1.33.1',
          controlPlane: { replicas: 3 },
          workers: { machineDeployments: [{ class: 'default-worker', name: 'md-0', replicas: 2 }] },
          variables: [{ name: 'imageRepository', value: { registry: 'registry.k8s.io' } }],
        },
      },
    };
    assert.equal(cluster.spec.topology?.classRef.name, 'quick-start');
    // @ts-expect-error topology.version is required
    const noVersion: Cluster = { spec: { topology: { classRef: { name: 'quick-start' } } } };
    assert.ok(noVersion);
  });

  it('serves the scale subresource exactly where upstream does', () => {
    const scale = (crd: ReturnType<typeof machineCrd>) => crd.spec.versions[0]?.subresources?.scale;
    assert.deepEqual(scale(machineSetCrd()), {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    });
    assert.deepEqual(scale(machineDeploymentCrd()), scale(machineSetCrd()));
    // MachinePool instances are not selected by labels, so its scale has no selector path.
    assert.deepEqual(scale(machinePoolCrd()), {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
    });
    for (const crd of [
      machineCrd(),
      clusterCrd(),
      clusterClassCrd(),
      machineHealthCheckCrd(),
      machineDrainRuleCrd(),
    ]) {
      assert.equal(scale(crd), undefined, crd.metadata.name);
    }
    for (const crd of [
      machineCrd(),
      machineSetCrd(),
      machineDeploymentCrd(),
      machinePoolCrd(),
      clusterCrd(),
    ]) {
      assert.deepEqual(crd.spec.versions[0]?.subresources?.status, {}, crd.metadata.name);
    }
  });

  it('requires spec.clusterName in the served schema too, not only in the type', () => {
    const schema = machineCrd().spec.versions[0]?.schema.openAPIV3Schema;
    assert.deepEqual(schema?.properties?.spec?.required, ['bootstrap', 'clusterName', 'infrastructureRef']);
  });

  it('names cluster Secrets as every Cluster API provider expects', () => {
    assert.equal(kubeconfigSecretName('workload-1'), 'workload-1-kubeconfig');
    assert.equal(secretName('workload-1', SecretPurpose.ClusterCA), 'workload-1-ca');
    assert.equal(secretName('workload-1', SecretPurpose.FrontProxyCA), 'workload-1-proxy');
  });
});
