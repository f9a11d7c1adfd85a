import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewCondition } from '../../../controller-runtime/conditions/index.js';
import {
  applyConditionsReport,
  applyEtcdReport,
  applyStaticPodReport,
  etcdConditions,
  etcdNodeNamesByLastKnownHealth,
  staticPodCondition,
  staticPodConditions,
  unknownWorkloadConditions,
  workloadInspectionGate,
} from './workload-conditions.js';
import {
  controlPlane,
  healthyPods,
  HOUR,
  kcp,
  kubeadmConfig,
  machine,
  member,
  MINUTE,
  node,
  NOW,
  pod,
  SECOND,
} from './test-helpers.js';

const pick = (conditions: NewCondition[] | undefined, type: string) => {
  const c = conditions?.find((x) => x.type === type);
  return c && { status: c.status, reason: c.reason, message: c.message ?? '' };
};

describe('staticPodCondition', () => {
  const ready = node('n1');
  const cases: [string, Parameters<typeof staticPodCondition>[2], ReturnType<typeof pick>][] = [
    ['a Running, Ready Pod', pod('p'), { status: 'True', reason: 'Running', message: '' }],
    ['a missing Pod', undefined, { status: 'False', reason: 'DoesNotExist', message: 'Pod does not exist' }],
    [
      'a Pod that could not be read',
      { error: 'timeout' },
      { status: 'Unknown', reason: 'InspectionFailed', message: 'Please check controller logs for errors' },
    ],
    [
      'a Pending Pod not scheduled',
      pod('p', { phase: 'Pending', conditions: { PodScheduled: 'False' } }),
      { status: 'False', reason: 'Provisioning', message: 'Waiting to be scheduled' },
    ],
    [
      'a Pending Pod',
      pod('p', { phase: 'Pending' }),
      { status: 'False', reason: 'Provisioning', message: '' },
    ],
    [
      'a crash-looping container',
      pod('p', { ready: false, containers: [{ waiting: 'CrashLoopBackOff', lastExitCode: 1 }] }),
      { status: 'False', reason: 'Failed', message: 'CrashLoopBackOff' },
    ],
    [
      'an image still being pulled',
      pod('p', { ready: false, containers: [{ waiting: 'ContainerCreating' }, { waiting: 'ErrImagePull' }] }),
      { status: 'False', reason: 'Provisioning', message: 'ContainerCreating, ErrImagePull' },
    ],
    [
      'a terminated container',
      pod('p', { ready: false, containers: [{ terminated: 'Error' }] }),
      { status: 'False', reason: 'Failed', message: 'Error' },
    ],
    [
      'a Running Pod waiting for probes',
      pod('p', { ready: false }),
      { status: 'False', reason: 'Provisioning', message: 'Waiting for startup or readiness probes' },
    ],
    [
      'a Failed Pod',
      pod('p', { phase: 'Failed' }),
      { status: 'False', reason: 'Failed', message: 'All the containers have been terminated' },
    ],
    [
      'a Pod in Unknown phase',
      pod('p', { phase: 'Unknown' }),
      { status: 'Unknown', reason: 'InspectionFailed', message: 'Pod is reporting Unknown status' },
    ],
  ];
  for (const [name, input, want] of cases) {
    it(name, () =>
      assert.deepEqual(
        pick([staticPodCondition(ready, 'APIServerPodHealthy', input)!], 'APIServerPodHealthy'),
        want,
      ),
    );
  }

  it('distrusts Pod data when the Node Ready condition is Unknown', () => {
    const c = staticPodCondition(node('n1', { ready: 'Unknown' }), 'EtcdPodHealthy', pod('p'));
    assert.equal(c?.message, 'Node Ready condition is Unknown, Pod data might be stale');
  });
});

describe('staticPodConditions', () => {
  it('reports a healthy control plane', () => {
    const cp = controlPlane({ machines: [machine('m1'), machine('m2'), machine('m3')] });
    const r = staticPodConditions(cp, {
      controlPlaneNodes: [node('m1'), node('m2'), node('m3')],
      pods: healthyPods(['m1', 'm2', 'm3']),
    });
    assert.deepEqual(r.kcp, [{ type: 'ControlPlaneComponentsHealthy', status: 'True', reason: 'Healthy' }]);
    assert.equal(pick(r.machines.get('m2'), 'NodeKubeadmLabelsAndTaintsSet')?.status, 'True');
    assert.deepEqual(
      r.nodes.map((n) => n.metadata?.name),
      ['m1', 'm2', 'm3'],
    );
  });

  it('names the Machines with failing components, grouping identical problems', () => {
    const cp = controlPlane({
      machines: [machine('m1'), machine('m2'), machine('m3', { providerID: 'dev://m3' })],
    });
    const pods = healthyPods(['m1', 'm2']);
    pods.set(
      'kube-apiserver-m2',
      pod('kube-apiserver-m2', { ready: false, containers: [{ terminated: 'Error' }] }),
    );
    const r = staticPodConditions(cp, {
      controlPlaneNodes: [
        node('m1'),
        node('m2'),
        node('m3', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }),
      ],
      pods,
    });
    assert.deepEqual(r.kcp[0], {
      type: 'ControlPlaneComponentsHealthy',
      status: 'False',
      reason: 'NotHealthy',
      message: [
        '* Machine m2:',
        '  * APIServerPodHealthy: Error',
        '* Machine m3:',
        '  * Control plane components: Node m3 is unreachable',
      ].join('\n'),
    });
  });

  it('reports Machines still provisioning without making the control plane unhealthy', () => {
    const cp = controlPlane({
      machines: [machine('m1'), machine('m2', { node: false, providerID: false })],
    });
    const r = staticPodConditions(cp, { controlPlaneNodes: [node('m1')], pods: healthyPods(['m1']) });
    assert.deepEqual(pick(r.machines.get('m2'), 'APIServerPodHealthy'), {
      status: 'Unknown',
      reason: 'InspectionFailed',
      message: 'Waiting for DevMachine to report spec.providerID',
    });
    assert.equal(r.kcp[0]?.status, 'True');
  });

  it('reports deleting Machines and Nodes without a Machine', () => {
    const cp = controlPlane({ machines: [machine('m1'), machine('m2', { deleting: MINUTE })] });
    const r = staticPodConditions(cp, {
      controlPlaneNodes: [node('m1'), node('m2'), node('orphan')],
      pods: healthyPods(['m1', 'm2']),
    });
    assert.deepEqual(pick(r.machines.get('m2'), 'EtcdPodHealthy'), {
      status: 'False',
      reason: 'Deleting',
      message: 'Machine is deleting',
    });
    assert.equal(r.kcp[0]?.status, 'False');
    assert.match(
      r.kcp[0]?.message ?? '',
      /\* Control plane Node orphan does not have a corresponding Machine$/,
    );
    assert.match(
      r.kcp[0]?.message ?? '',
      /\* Machine m2:\n {2}\* Control plane components: Machine is deleting/,
    );
  });

  it('finds a Node without the control plane label by name and reports the missing label and taint', () => {
    const m = machine('m1');
    const cp = controlPlane({ machines: [m], kubeadmConfigs: new Map([['m1', kubeadmConfig('m1', {})]]) });
    const r = staticPodConditions(cp, {
      controlPlaneNodes: [],
      nodesByName: new Map([['m1', node('m1', { label: false, taints: [] })]]),
      pods: healthyPods(['m1']),
    });
    assert.deepEqual(pick(r.machines.get('m1'), 'NodeKubeadmLabelsAndTaintsSet'), {
      status: 'False',
      reason: 'NotSet',
      message:
        'Node m1 does not have the node-role.kubernetes.io/control-plane label and the node-role.kubernetes.io/control-plane:NoSchedule taint',
    });
    assert.equal(pick(r.machines.get('m1'), 'APIServerPodHealthy')?.status, 'True');
  });

  it('does not expect the default taint when the KubeadmConfig asks for no taints', () => {
    const cp = controlPlane({
      machines: [machine('m1')],
      kubeadmConfigs: new Map([
        ['m1', kubeadmConfig('m1', { joinConfiguration: { nodeRegistration: { taints: [] } } })],
      ]),
    });
    const r = staticPodConditions(cp, {
      controlPlaneNodes: [node('m1', { taints: [] })],
      pods: healthyPods(['m1']),
    });
    assert.equal(pick(r.machines.get('m1'), 'NodeKubeadmLabelsAndTaintsSet')?.status, 'True');
  });

  it('marks everything Unknown when the Nodes cannot be listed', () => {
    const cp = controlPlane({ machines: [machine('m1')] });
    const r = staticPodConditions(cp, {
      controlPlaneNodes: { error: 'connection refused' },
      pods: new Map(),
    });
    assert.equal(r.nodeListError, 'failed to list control plane nodes: connection refused');
    assert.deepEqual(r.kcp[0], {
      type: 'ControlPlaneComponentsHealthy',
      status: 'Unknown',
      reason: 'InspectionFailed',
      message: 'Failed to get Nodes hosting control plane components: connection refused',
    });
  });
});

describe('etcdConditions', () => {
  const healthyCp = () => {
    const cp = controlPlane({ machines: [machine('m1'), machine('m2'), machine('m3')] });
    cp.workload.nodes = [node('m1'), node('m2'), node('m3')];
    return cp;
  };

  it('reports a healthy etcd cluster and the leader', () => {
    const r = etcdConditions(healthyCp(), {
      kind: 'ok',
      members: [member('m1'), member('m2'), member('m3')],
      leaderId: 'm2-id',
      alarms: [],
    });
    assert.deepEqual(r.kcp, [{ type: 'EtcdClusterHealthy', status: 'True', reason: 'Healthy' }]);
    assert.equal(r.leader?.name, 'm2');
    assert.equal(r.membersAndMachinesAreMatching, true);
    assert.deepEqual(pick(r.machines.get('m1'), 'EtcdMemberHealthy'), {
      status: 'True',
      reason: 'Healthy',
      message: '',
    });
  });

  it('reports learners, alarms and Machines whose member is missing', () => {
    const r = etcdConditions(healthyCp(), {
      kind: 'ok',
      members: [member('m1'), member('m2', 'm2-id', true)],
      leaderId: 'm1-id',
      alarms: [{ memberId: 'm1-id', alarm: 'NOSPACE' }],
    });
    assert.equal(pick(r.machines.get('m1'), 'EtcdMemberHealthy')?.message, 'Etcd reports alarms: NOSPACE');
    assert.equal(
      pick(r.machines.get('m2'), 'EtcdMemberHealthy')?.message,
      'Waiting for learner etcd member to be promoted',
    );
    assert.equal(
      pick(r.machines.get('m3'), 'EtcdMemberHealthy')?.message,
      "Etcd doesn't have an etcd member for Node m3",
    );
    assert.equal(r.kcp[0]?.status, 'False');
    assert.equal(r.membersAndMachinesAreMatching, false);
    assert.equal(
      r.kcp[0]?.message,
      [
        '* Machine m1:',
        '  * EtcdMemberHealthy: Etcd reports alarms: NOSPACE',
        '* Machine m2:',
        '  * EtcdMemberHealthy: Waiting for learner etcd member to be promoted',
        '* Machine m3:',
        "  * EtcdMemberHealthy: Etcd doesn't have an etcd member for Node m3",
      ].join('\n'),
    );
  });

  it('reports members without a Machine on the KCP', () => {
    const r = etcdConditions(healthyCp(), {
      kind: 'ok',
      members: [member('m1'), member('m2'), member('m3'), member('', '42')],
      leaderId: 'm1-id',
      alarms: [],
    });
    assert.deepEqual(r.kcp[0], {
      type: 'EtcdClusterHealthy',
      status: 'False',
      reason: 'NotHealthy',
      message: '* Etcd member 42 (Name not yet assigned) does not have a corresponding Machine',
    });
    assert.equal(r.membersAndMachinesAreMatching, false);
  });

  it('tolerates a new Node whose member has not joined yet', () => {
    const cp = healthyCp();
    cp.workload.nodes = [node('m1'), node('m2'), node('m3', { age: 30 * SECOND })];
    const r = etcdConditions(cp, {
      kind: 'ok',
      members: [member('m1'), member('m2')],
      leaderId: 'm1-id',
      alarms: [],
    });
    assert.equal(r.membersAndMachinesAreMatching, true);
    assert.equal(r.kcp[0]?.status, 'False');
  });

  it('reports a failed connection on every inspected Machine', () => {
    const r = etcdConditions(healthyCp(), {
      kind: 'failed',
      step: 'connect',
      message: 'context deadline exceeded',
    });
    assert.deepEqual(pick(r.machines.get('m1'), 'EtcdMemberHealthy'), {
      status: 'Unknown',
      reason: 'InspectionFailed',
      message: 'Failed to connect to etcd: context deadline exceeded',
    });
    assert.equal(r.members, undefined);
    assert.equal(r.kcp[0]?.status, 'Unknown');
    assert.equal(r.kcp[0]?.reason, 'HealthUnknown');
  });

  it('reports nothing with external etcd', () => {
    const cp = controlPlane({
      kcp: kcp({
        spec: {
          kubeadmConfigSpec: {
            clusterConfiguration: {
              etcd: {
                external: { endpoints: ['https://e:2379'], caFile: '/ca', certFile: '/c', keyFile: '/k' },
              },
            },
          },
        },
      }),
      machines: [machine('m1')],
    });
    const r = etcdConditions(cp, { kind: 'noNodes' });
    assert.deepEqual(r.kcp, []);
    assert.equal(r.machines.size, 0);
  });

  it('tries Nodes whose member was last known healthy first', () => {
    const cp = controlPlane({
      machines: [
        machine('m1', { conditions: [['EtcdMemberHealthy', 'False']] }),
        machine('m2'),
        machine('m3', { deleting: MINUTE }),
      ],
    });
    cp.workload.nodes = [node('m1'), node('m2'), node('m3')];
    assert.deepEqual(
      etcdNodeNamesByLastKnownHealth(cp, () => 0),
      ['m2', 'm1'],
    );
  });
});

describe('applying reports', () => {
  it('feeds the Nodes found by the static Pod pass to the etcd pass', () => {
    const cp = controlPlane({ machines: [machine('m1'), machine('m2')] });
    applyStaticPodReport(
      cp,
      staticPodConditions(cp, {
        controlPlaneNodes: [node('m1'), node('m2')],
        pods: healthyPods(['m1', 'm2']),
      }),
    );
    assert.deepEqual(etcdNodeNamesByLastKnownHealth(cp, () => 0).sort(), ['m1', 'm2']);
    applyEtcdReport(
      cp,
      etcdConditions(cp, {
        kind: 'ok',
        members: [member('m1'), member('m2')],
        leaderId: 'm2-id',
        alarms: [],
      }),
    );
    assert.equal(cp.workload.etcdLeader?.name, 'm2');
    assert.equal(cp.workload.etcdMembersAndMachinesAreMatching, true);
    assert.equal(cp.kcp.status?.conditions?.find((c) => c.type === 'EtcdClusterHealthy')?.status, 'True');
  });

  it('sets the conditions on the Machines and the KCP', () => {
    const cp = controlPlane({ machines: [machine('m1', { conditions: [] })] });
    const r = staticPodConditions(cp, { controlPlaneNodes: [node('m1')], pods: healthyPods(['m1']) });
    applyConditionsReport(cp, r);
    assert.equal(
      cp.machines[0]!.status?.conditions?.find((c) => c.type === 'APIServerPodHealthy')?.lastTransitionTime,
      '2026-03-01T12:00:00Z',
    );
    assert.ok(cp.kcp.status?.conditions?.some((c) => c.type === 'ControlPlaneComponentsHealthy'));
  });
});

describe('when the workload cluster cannot be inspected', () => {
  it('waits for the control plane to be initialized, overwriting what is known', () => {
    const cp = controlPlane({ kcp: kcp({ initialized: false, conditions: [] }), machines: [machine('m1')] });
    const gate = workloadInspectionGate(cp, { consecutiveFailures: 0 }, 5 * MINUTE);
    assert.deepEqual(gate, {
      inspect: false,
      conditions: {
        overwrite: true,
        reason: 'InspectionFailed',
        message: 'Waiting for Cluster control plane to be initialized',
      },
    });
    const r = unknownWorkloadConditions(cp, gate.inspect ? assert.fail() : gate.conditions);
    assert.deepEqual(
      r.kcp.map((c) => c.type),
      ['EtcdClusterHealthy', 'ControlPlaneComponentsHealthy'],
    );
    assert.deepEqual(
      r.machines.get('m1')?.map((c) => c.type),
      [
        'EtcdMemberHealthy',
        'NodeKubeadmLabelsAndTaintsSet',
        'APIServerPodHealthy',
        'ControllerManagerPodHealthy',
        'SchedulerPodHealthy',
        'EtcdPodHealthy',
      ],
    );
  });

  it('keeps last known conditions until the connection is established', () => {
    const cp = controlPlane({
      kcp: kcp({
        conditions: [
          ['Initialized', 'True'],
          ['EtcdClusterHealthy', 'True'],
          ['ControlPlaneComponentsHealthy', 'True'],
        ],
      }),
      machines: [machine('m1')],
    });
    const gate = workloadInspectionGate(cp, { consecutiveFailures: 1 }, 5 * MINUTE);
    assert.equal(gate.inspect, false);
    const r = unknownWorkloadConditions(cp, gate.inspect ? assert.fail() : gate.conditions);
    assert.deepEqual(r.kcp, []);
  });

  it('gives up on the last known state after the grace period', () => {
    const cp = controlPlane({ machines: [machine('m1')] });
    assert.deepEqual(
      workloadInspectionGate(
        cp,
        { consecutiveFailures: 9, lastProbeSuccessTime: NOW - 10 * MINUTE },
        5 * MINUTE,
      ),
      {
        inspect: false,
        conditions: {
          overwrite: true,
          reason: 'ConnectionDown',
          message: 'Last successful probe at 2026-03-01T11:50:00Z',
        },
        error: 'connection to the workload cluster is down',
      },
    );
    assert.deepEqual(
      workloadInspectionGate(
        cp,
        { consecutiveFailures: 0, lastProbeSuccessTime: NOW - HOUR / 60 },
        5 * MINUTE,
      ),
      {
        inspect: true,
      },
    );
  });
});
