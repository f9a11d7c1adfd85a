import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewCondition } from '../../../controller-runtime/conditions/index.js';
import type { ControlPlane, MachineObject } from './control-plane.js';
import { noPreflightFailures } from './preflight.js';
import {
  applyKcpStatus,
  availableCondition,
  computeKcpStatus,
  initializedCondition,
  type KcpStatusHelpers,
  planDeletion,
  rollingOutCondition,
  shouldCheckControlPlaneInitialized,
} from './status.js';
import {
  type CondSpec,
  controlPlane,
  HEALTHY,
  kcp,
  machine,
  member,
  MINUTE,
  NOW,
  SECOND,
} from './test-helpers.js';

/** Stand-ins for the shared Machine helpers of src/core (see KcpStatusHelpers). */
const helpers: KcpStatusHelpers = {
  versionsFromMachines: (machines) => {
    const counts = new Map<string, number>();
    for (const m of machines) counts.set(m.spec.version ?? '', (counts.get(m.spec.version ?? '') ?? 0) + 1);
    return [...counts].sort().map(([version, replicas]) => ({ version, replicas }));
  },
  aggregateStaleMachines: (machines: readonly MachineObject[]) =>
    machines.some((m) => m.metadata.name === 'stuck')
      ? 'Machine stuck is in deletion since more than 15m'
      : '',
};

const condition = (conditions: NewCondition[], type: string) => {
  const c = conditions.find((x) => x.type === type);
  return c && { status: c.status, reason: c.reason, message: c.message ?? '' };
};

const READY: CondSpec[] = [...HEALTHY, ['Ready', 'True'], ['Available', 'True'], ['UpToDate', 'True']];

describe('computeKcpStatus', () => {
  it('counts replicas and versions and sets the selector', () => {
    const cp = controlPlane({
      machines: [
        machine('m1', { conditions: READY }),
        machine('m2', { conditions: READY, version: 'v1.32.0' }),
        machine('m3', { conditions: [...HEALTHY, ['Ready', 'False'], ['UpToDate', 'True']] }),
      ],
    });
    const s = computeKcpStatus({ cp, helpers });
    assert.equal(s.selector, 'cluster.x-k8s.io/cluster-name=c,cluster.x-k8s.io/control-plane');
    assert.deepEqual([s.replicas, s.readyReplicas, s.availableReplicas, s.upToDateReplicas], [3, 2, 2, 3]);
    assert.deepEqual(s.versions, [
      { version: 'v1.32.0', replicas: 1 },
      { version: 'v1.33.0', replicas: 2 },
    ]);
    assert.equal(s.version, 'v1.32.0');
    applyKcpStatus(cp.kcp, s, NOW);
    assert.equal(cp.kcp.status?.replicas, 3);
    assert.equal(cp.kcp.status?.conditions?.find((c) => c.type === 'MachinesReady')?.reason, 'NotReady');
  });

  it('reports scaling up, and what blocks it', () => {
    const cp = controlPlane({ machines: [machine('m1')], infraMachineTemplateNotFound: true });
    const preflight = {
      ...noPreflightFailures(),
      controlPlaneComponentsNotHealthy: true,
      etcdClusterNotHealthy: true,
    };
    assert.deepEqual(condition(computeKcpStatus({ cp, helpers, preflight }).conditions, 'ScalingUp'), {
      status: 'True',
      reason: 'ScalingUp',
      message: [
        'Scaling up from 1 to 3 replicas is blocked because:',
        '* waiting for control plane components to become healthy',
        '* waiting for etcd cluster to become healthy',
        '* DevMachineTemplate does not exist',
      ].join('\n'),
    });
    assert.deepEqual(condition(computeKcpStatus({ cp, helpers }).conditions, 'ScalingDown'), {
      status: 'False',
      reason: 'NotScalingDown',
      message: '',
    });
  });

  it('reports scaling down with stale deletions', () => {
    const cp = controlPlane({
      kcp: kcp({ spec: { replicas: 1 } }),
      machines: [machine('m1'), machine('stuck', { deleting: 20 * MINUTE })],
    });
    const preflight = { ...noPreflightFailures(), hasDeletingMachine: true };
    assert.equal(
      condition(computeKcpStatus({ cp, helpers, preflight }).conditions, 'ScalingDown')?.message,
      [
        'Scaling down from 2 to 1 replicas is blocked because:',
        '* waiting for a control plane Machine to complete deletion',
        '* Machine stuck is in deletion since more than 15m',
      ].join('\n'),
    );
  });

  it('waits for spec.replicas', () => {
    const k = kcp();
    delete k.spec.replicas;
    const s = computeKcpStatus({ cp: controlPlane({ kcp: k }), helpers });
    assert.deepEqual(condition(s.conditions, 'ScalingUp'), {
      status: 'Unknown',
      reason: 'WaitingForReplicasSet',
      message: 'Waiting for spec.replicas set',
    });
  });

  it('reports remediation by KCP and unhealthy Machines left to others', () => {
    const mhcUnhealthy: CondSpec[] = [...HEALTHY, ['HealthCheckSucceeded', 'False']];
    const others = computeKcpStatus({
      cp: controlPlane({
        machines: [machine('m1', { conditions: mhcUnhealthy }), machine('m2', { conditions: mhcUnhealthy })],
      }),
      helpers,
    });
    assert.deepEqual(condition(others.conditions, 'Remediating'), {
      status: 'False',
      reason: 'NotRemediating',
      message: 'Machines m1, m2 are not healthy (not to be remediated by KubeadmControlPlane)',
    });
    const ours = computeKcpStatus({
      cp: controlPlane({
        machines: [
          machine('m1', {
            conditions: [...mhcUnhealthy, ['OwnerRemediated', 'False', 'Machine is deleting']],
          }),
        ],
      }),
      helpers,
    });
    assert.deepEqual(condition(ours.conditions, 'Remediating'), {
      status: 'True',
      reason: 'Remediating',
      message: '* Machine m1: Machine is deleting',
    });
  });

  it('leaves out Machines younger than 10 s without UpToDate from MachinesUpToDate', () => {
    const cp = controlPlane({ machines: [machine('new', { age: 5 * SECOND, conditions: HEALTHY })] });
    assert.deepEqual(condition(computeKcpStatus({ cp, helpers }).conditions, 'MachinesUpToDate'), {
      status: 'True',
      reason: 'NoReplicas',
      message: '',
    });
  });

  it('sets Deleting from the deletion plan while the KCP is deleting', () => {
    const cp = controlPlane({ kcp: kcp({ deleting: true }), machines: [machine('m1')] });
    const deletion = { reason: 'WaitingForMachineDeletion', message: 'Deleting 1 Machine' };
    assert.deepEqual(condition(computeKcpStatus({ cp, helpers, deletion }).conditions, 'Deleting'), {
      status: 'True',
      ...deletion,
    });
    assert.deepEqual(condition(computeKcpStatus({ cp: controlPlane(), helpers }).conditions, 'Deleting'), {
      status: 'False',
      reason: 'NotDeleting',
      message: '',
    });
  });
});

describe('rollingOutCondition', () => {
  it('counts outdated Machines and lists version changes first', () => {
    const outdated = (message: string) => machine('m', { conditions: [['UpToDate', 'False', message]] });
    assert.deepEqual(
      rollingOutCondition([
        outdated('* DevMachine is not up-to-date\n* Version v1.32.0, v1.33.0 required'),
        outdated('* Version v1.32.0, v1.33.0 required'),
        machine('ok', { conditions: [['UpToDate', 'True']] }),
      ]),
      {
        type: 'RollingOut',
        status: 'True',
        reason: 'RollingOut',
        message: [
          'Rolling out 2 not up-to-date replicas',
          '* Version v1.32.0, v1.33.0 required',
          '* DevMachine is not up-to-date',
        ].join('\n'),
      },
    );
    assert.equal(rollingOutCondition([]).status, 'False');
  });
});

describe('availableCondition', () => {
  const available = (cp: ControlPlane) => {
    const c = availableCondition(cp, initializedCondition(cp));
    return { status: c.status, reason: c.reason, message: c.message ?? '' };
  };
  const threeMembers = () => [member('m1'), member('m2'), member('m3')];

  it('is True with etcd quorum and one healthy set of components', () => {
    const cp = controlPlane({
      machines: [machine('m1'), machine('m2'), machine('m3')],
      members: threeMembers(),
    });
    assert.deepEqual(available(cp), { status: 'True', reason: 'Available', message: '' });
  });

  it('stays True with one etcd member down, saying so', () => {
    const down: CondSpec[] = [
      ...HEALTHY.filter(([t]) => t !== 'EtcdMemberHealthy'),
      ['EtcdMemberHealthy', 'False', 'x', MINUTE],
    ];
    const cp = controlPlane({
      machines: [machine('m1'), machine('m2'), machine('m3', { conditions: down })],
      members: threeMembers(),
    });
    assert.deepEqual(available(cp), {
      status: 'True',
      reason: 'Available',
      message: [
        '* 2 of 3 etcd members are healthy, at least 2 healthy member required for etcd quorum',
        '* 2 of 3 Machines have healthy control plane components, at least 1 required',
      ].join('\n'),
    });
  });

  it('is False without etcd quorum', () => {
    const down: CondSpec[] = [
      ...HEALTHY.filter(([t]) => t !== 'EtcdMemberHealthy'),
      ['EtcdMemberHealthy', 'False', 'x', MINUTE],
    ];
    const cp = controlPlane({
      machines: [machine('m1'), machine('m2', { conditions: down }), machine('m3', { conditions: down })],
      members: threeMembers(),
    });
    assert.deepEqual(available(cp), {
      status: 'False',
      reason: 'NotAvailable',
      message: '* 1 of 3 etcd members is healthy, at least 2 healthy member required for etcd quorum',
    });
  });

  it('is False before initialization, and while etcd members are unknown', () => {
    assert.equal(
      available(controlPlane({ kcp: kcp({ initialized: false }) })).message,
      'Control plane not yet initialized',
    );
    assert.deepEqual(available(controlPlane({ machines: [machine('m1')] })), {
      status: 'Unknown',
      reason: 'InspectionFailed',
      message: 'Failed to get etcd members',
    });
    const justInitialized = controlPlane({
      kcp: kcp({
        conditions: [
          ['CertificatesAvailable', 'True'],
          ['Initialized', 'True', '', MINUTE],
        ],
      }),
      machines: [machine('m1')],
    });
    assert.equal(available(justInitialized).message, 'Waiting for etcd to report the list of members');
  });

  it('is False when etcd members and Machines do not match, or certificates are missing', () => {
    const cp = controlPlane({ machines: [machine('m1')], members: [member('m1')] });
    cp.workload.etcdMembersAndMachinesAreMatching = false;
    assert.equal(
      available(cp).message,
      'The list of etcd members does not match the list of Machines and Nodes',
    );
    const noCerts = controlPlane({
      kcp: kcp({ conditions: [['Initialized', 'True']] }),
      machines: [machine('m1')],
      members: [member('m1')],
    });
    assert.equal(available(noCerts).message, '* Control plane certificates are not available');
  });

  it('ignores Machines without a providerID yet', () => {
    const cp = controlPlane({
      machines: [machine('m1'), machine('new', { providerID: false, node: false, conditions: [] })],
      members: [member('m1')],
    });
    assert.deepEqual(available(cp), { status: 'True', reason: 'Available', message: '' });
  });
});

describe('shouldCheckControlPlaneInitialized', () => {
  it('checks until initialized, except for a single Machine about to go', () => {
    const notInit = kcp({ initialized: false });
    assert.equal(
      shouldCheckControlPlaneInitialized(controlPlane({ kcp: notInit, machines: [machine('m1')] })),
      true,
    );
    assert.equal(
      shouldCheckControlPlaneInitialized(
        controlPlane({ kcp: notInit, machines: [machine('m1', { deleting: 1 })] }),
      ),
      false,
    );
    assert.equal(shouldCheckControlPlaneInitialized(controlPlane({ machines: [machine('m1')] })), false);
  });
});

describe('planDeletion', () => {
  it('waits for workers, then deletes all control plane Machines, then completes', () => {
    const worker = machine('worker-1', { owner: 'none' });
    delete worker.metadata.labels!['cluster.x-k8s.io/control-plane'];
    const cps = [
      machine('m1', {
        annotations: { 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/kcp-cleanup': '' },
      }),
      machine('m2', { deleting: MINUTE }),
    ];
    const cp = controlPlane({ kcp: kcp({ deleting: true }), machines: cps });
    assert.deepEqual(
      planDeletion(cp, { clusterMachines: [...cps, worker], machinePoolNames: ['pool-a'], helpers }),
      {
        action: 'waitForWorkers',
        reason: 'WaitingForWorkersDeletion',
        message:
          'KubeadmControlPlane deletion blocked because following objects still exist:\n* MachinePools: pool-a\n* Machines: worker-1',
      },
    );
    const next = planDeletion(cp, { clusterMachines: cps, machinePoolNames: [], helpers });
    assert.equal(next.action, 'deleteMachines');
    if (next.action !== 'deleteMachines') return;
    assert.deepEqual(
      next.deleteMachines.map((m) => m.metadata.name),
      ['m1'],
    );
    assert.deepEqual(
      next.removeHookFrom.map((m) => m.metadata.name),
      ['m1'],
    );
    assert.equal(next.message, 'Deleting 2 Machines');
    assert.deepEqual(
      planDeletion(controlPlane({ kcp: kcp({ deleting: true }) }), {
        clusterMachines: [],
        machinePoolNames: [],
        helpers,
      }),
      {
        action: 'removeFinalizer',
        reason: 'DeletionCompleted',
        message: 'Deletion completed',
      },
    );
  });
});
