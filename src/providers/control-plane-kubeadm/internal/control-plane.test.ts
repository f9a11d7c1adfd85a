import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyControlPlaneMachines, controlPlaneSelector, isEtcdManaged } from './control-plane.js';
import { cluster, controlPlane, kcp, machine, MINUTE, namesOf } from './test-helpers.js';

describe('classifyControlPlaneMachines', () => {
  it('sorts the Cluster control plane Machines into owned, adoptable and foreign', () => {
    const worker = machine('worker', { owner: 'none' });
    delete worker.metadata.labels!['cluster.x-k8s.io/control-plane'];
    const otherCluster = machine('elsewhere', { labels: { 'cluster.x-k8s.io/cluster-name': 'other' } });
    const r = classifyControlPlaneMachines(kcp(), 'c', [
      machine('owned'),
      machine('orphan', { owner: 'none' }),
      machine('foreign', { owner: 'other' }),
      worker,
      otherCluster,
    ]);
    assert.deepEqual(namesOf(r.owned), ['owned']);
    assert.deepEqual(namesOf(r.adoptable), ['orphan']);
    assert.deepEqual(namesOf(r.foreign), ['foreign']);
  });
});

describe('ControlPlane', () => {
  it('knows outdated, deleting and unhealthy Machines', () => {
    const cp = controlPlane({
      kcp: kcp({ spec: { version: 'v1.34.0' } }),
      machines: [
        machine('old'),
        machine('new', { version: 'v1.34.0' }),
        machine('old-deleting', { deleting: MINUTE }),
        machine('sick', {
          version: 'v1.34.0',
          conditions: [
            ['HealthCheckSucceeded', 'False'],
            ['OwnerRemediated', 'False'],
          ],
        }),
        machine('sick-other', {
          version: 'v1.34.0',
          node: false,
          conditions: [['HealthCheckSucceeded', 'False']],
        }),
      ],
    });
    assert.deepEqual(namesOf(cp.machinesNotUpToDate), ['old', 'old-deleting']);
    assert.deepEqual(namesOf(cp.machinesNeedingRollout()), ['old']);
    assert.deepEqual(namesOf(cp.deletingMachines()), ['old-deleting']);
    assert.deepEqual(namesOf(cp.unhealthyMachines()), ['sick', 'sick-other']);
    assert.deepEqual(namesOf(cp.machinesToBeRemediatedByKcp()), ['sick']);
    // The Machine without a Node is unhealthy, so it does not count as "healthy, still provisioning".
    assert.equal(cp.hasHealthyMachineStillProvisioning(), false);
    assert.equal(cp.upToDateResults.get('old')?.conditionMessages[0], 'Version v1.33.0, v1.34.0 required');
  });

  it('waits for a ClusterClass version unless KCP already has the current upgrade step', () => {
    const pending = (c: ReturnType<typeof cluster>, version = 'v1.33.0') =>
      controlPlane({ cluster: c, kcp: kcp({ spec: { version } }) }).pendingTopologyVersion();
    assert.equal(pending(cluster({ topologyVersion: 'v1.35.0' })), 'v1.35.0');
    const step = { 'topology.internal.cluster.x-k8s.io/upgrade-step': 'v1.34.0' };
    assert.equal(pending(cluster({ topologyVersion: 'v1.35.0', annotations: step })), 'v1.34.0');
    assert.equal(pending(cluster({ topologyVersion: 'v1.35.0', annotations: step }), 'v1.34.0'), undefined);
    assert.equal(pending(cluster({ topologyVersion: 'v1.33.0' })), undefined);
    assert.equal(pending(cluster()), undefined);
  });

  it('tells stacked from external etcd and renders the scale selector', () => {
    assert.equal(isEtcdManaged(kcp()), true);
    assert.equal(
      controlPlaneSelector('prod'),
      'cluster.x-k8s.io/cluster-name=prod,cluster.x-k8s.io/control-plane',
    );
  });
});
