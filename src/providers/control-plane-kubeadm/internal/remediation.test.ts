import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControlPlane } from './control-plane.js';
import {
  lastRemediationStatus,
  machineToBeRemediated,
  marshalRemediationData,
  parseRemediationData,
  planRemediation,
  RemediationDataError,
} from './remediation.js';
import {
  ago,
  cluster,
  type CondSpec,
  controlPlane,
  DAY,
  HEALTHY,
  HOUR,
  kcp,
  machine,
  member,
  MINUTE,
} from './test-helpers.js';

const UNHEALTHY_MHC: CondSpec[] = [
  ['HealthCheckSucceeded', 'False', 'Node not ready'],
  ['OwnerRemediated', 'False', 'Waiting for remediation'],
];
const ETCD_DOWN: CondSpec[] = [
  ['APIServerPodHealthy', 'True'],
  ['ControllerManagerPodHealthy', 'True'],
  ['SchedulerPodHealthy', 'True'],
  ['EtcdPodHealthy', 'True'],
  ['EtcdMemberHealthy', 'False', 'unreachable'],
];
const unhealthy = (extra: CondSpec[] = HEALTHY): CondSpec[] => [...extra, ...UNHEALTHY_MHC];

const remediationFor = (o: { machine?: string; timestamp: string; retryCount: number }) => ({
  'controlplane.cluster.x-k8s.io/remediation-for': marshalRemediationData({ machine: 'm0', ...o }),
});

const decision = (cp: ControlPlane) => planRemediation(cp).decision;
const deferred = (cp: ControlPlane) => {
  const d = decision(cp);
  assert.equal(d.action, 'defer', JSON.stringify(d));
  return d.action === 'defer'
    ? { machine: d.machine.metadata.name, reason: d.condition.reason, message: d.condition.message }
    : undefined;
};

describe('planRemediation', () => {
  it('remediates the one unhealthy Machine of a healthy 3-Machine control plane', () => {
    const cp = controlPlane({
      machines: [machine('m1'), machine('m2'), machine('m3', { conditions: unhealthy() })],
      members: [member('m1'), member('m2'), member('m3')],
    });
    const d = decision(cp);
    assert.equal(d.action, 'remediate');
    if (d.action !== 'remediate') return;
    assert.equal(d.machine.metadata.name, 'm3');
    assert.equal(d.forwardEtcdLeadership, true);
    assert.equal(d.annotation, '{"machine":"m3","timestamp":"2026-03-01T12:00:00Z","retryCount":0}');
  });

  it('refuses when removing the Machine would lose etcd quorum (3 members, 2 unhealthy)', () => {
    const cp = controlPlane({
      machines: [
        machine('m1'),
        machine('m2', { conditions: ETCD_DOWN }),
        machine('m3', { conditions: unhealthy(ETCD_DOWN) }),
      ],
      members: [member('m1'), member('m2'), member('m3')],
    });
    assert.deepEqual(deferred(cp), {
      machine: 'm3',
      reason: 'CannotBeRemediated',
      message:
        "KubeadmControlPlane can't remediate this Machine because this could result in loosing Kubernetes control plane components or in etcd quorum loss",
    });
  });

  it('allows it in a 5-Machine control plane with one more unhealthy member', () => {
    const cp = controlPlane({
      kcp: kcp({ spec: { replicas: 5 } }),
      machines: [
        machine('m1'),
        machine('m2'),
        machine('m3'),
        machine('m4', { conditions: ETCD_DOWN }),
        machine('m5', { conditions: unhealthy(ETCD_DOWN) }),
      ],
      members: ['m1', 'm2', 'm3', 'm4', 'm5'].map((n) => member(n)),
    });
    assert.equal(decision(cp).action, 'remediate');
  });

  it('refuses when no other Machine keeps all control plane components healthy', () => {
    const apiDown: CondSpec[] = [
      ...HEALTHY.filter(([t]) => t !== 'APIServerPodHealthy'),
      ['APIServerPodHealthy', 'False'],
    ];
    const cp = controlPlane({
      machines: [
        machine('m1', { conditions: apiDown }),
        machine('m2', { conditions: apiDown }),
        machine('m3', { conditions: unhealthy() }),
      ],
      members: [member('m1'), member('m2'), member('m3')],
    });
    assert.equal(deferred(cp)?.reason, 'CannotBeRemediated');
  });

  const deferrals: { name: string; cp: () => ControlPlane; reason: string; message: string }[] = [
    {
      name: 'a single initialized Machine cannot be remediated',
      cp: () =>
        controlPlane({
          kcp: kcp({ spec: { replicas: 1 } }),
          machines: [machine('m1', { conditions: unhealthy() })],
          members: [member('m1')],
        }),
      reason: 'CannotBeRemediated',
      message: "KubeadmControlPlane can't remediate if current replicas are less or equal to 1",
    },
    {
      name: 'a healthy Machine still provisioning',
      cp: () =>
        controlPlane({
          machines: [
            machine('m1'),
            machine('m2', { node: false }),
            machine('m3', { conditions: unhealthy() }),
          ],
          members: [member('m1'), member('m3')],
        }),
      reason: 'RemediationDeferred',
      message:
        'KubeadmControlPlane waiting for control plane Machine provisioning to complete before triggering remediation',
    },
    {
      name: 'another Machine deleting',
      cp: () =>
        controlPlane({
          machines: [
            machine('m1'),
            machine('m2', { deleting: MINUTE }),
            machine('m3', { conditions: unhealthy() }),
          ],
          members: [member('m1'), member('m2'), member('m3')],
        }),
      reason: 'RemediationDeferred',
      message:
        'KubeadmControlPlane waiting for control plane Machine deletion to complete before triggering remediation',
    },
    {
      name: 'the etcd member list unknown',
      cp: () =>
        controlPlane({
          machines: [machine('m1'), machine('m2'), machine('m3', { conditions: unhealthy() })],
        }),
      reason: 'RemediationDeferred',
      message: 'Failed to check etcd cluster health before remediation',
    },
    {
      name: 'a ClusterClass upgrade pending',
      cp: () =>
        controlPlane({
          cluster: cluster({ topologyVersion: 'v1.34.0' }),
          machines: [machine('m1'), machine('m2'), machine('m3', { conditions: unhealthy() })],
          members: [member('m1'), member('m2'), member('m3')],
        }),
      reason: 'RemediationDeferred',
      message:
        "KubeadmControlPlane can't remediate while waiting for a version upgrade to v1.34.0 to be propagated from Cluster.spec.topology",
    },
    {
      name: 'the retry period not passed since the last attempt on this Machine',
      cp: () =>
        controlPlane({
          kcp: kcp({ spec: { remediation: { retryPeriodSeconds: 600 } } }),
          machines: [
            machine('m1'),
            machine('m2'),
            machine('m3', {
              conditions: unhealthy(),
              annotations: remediationFor({ timestamp: ago(5 * MINUTE), retryCount: 1 }),
            }),
          ],
          members: [member('m1'), member('m2'), member('m3')],
        }),
      reason: 'RemediationDeferred',
      message:
        "KubeadmControlPlane can't remediate this machine because the operation already failed in the latest 10m0s (RetryPeriodSeconds)",
    },
    {
      name: 'maxRetry reached',
      cp: () =>
        controlPlane({
          kcp: kcp({ spec: { remediation: { maxRetry: 2 } } }),
          machines: [
            machine('m1'),
            machine('m2'),
            machine('m3', {
              conditions: unhealthy(),
              annotations: remediationFor({ timestamp: ago(10 * MINUTE), retryCount: 2 }),
            }),
          ],
          members: [member('m1'), member('m2'), member('m3')],
        }),
      reason: 'CannotBeRemediated',
      message:
        "KubeadmControlPlane can't remediate this machine because the operation already failed 2 times (MaxRetry)",
    },
  ];
  for (const c of deferrals) {
    it(`defers: ${c.name}`, () => {
      const d = deferred(c.cp());
      assert.equal(d?.reason, c.reason);
      assert.equal(d?.message, c.message);
    });
  }

  it('counts retries of the same failure, and starts over after minHealthyPeriod', () => {
    const planFor = (sinceLast: number) =>
      decision(
        controlPlane({
          kcp: kcp({ spec: { remediation: { maxRetry: 3 } } }),
          machines: [
            machine('m1'),
            machine('m2'),
            machine('m3', {
              conditions: unhealthy(),
              annotations: remediationFor({ timestamp: ago(sinceLast), retryCount: 1 }),
            }),
          ],
          members: [member('m1'), member('m2'), member('m3')],
        }),
      );
    const retry = planFor(30 * MINUTE);
    assert.equal(retry.action === 'remediate' && retry.data.retryCount, 2);
    const fresh = planFor(2 * HOUR);
    assert.equal(fresh.action === 'remediate' && fresh.data.retryCount, 0);
  });

  it('remediates the first Machine before initialization without etcd checks', () => {
    const cp = controlPlane({
      kcp: kcp({ initialized: false, spec: { replicas: 3 } }),
      machines: [machine('m1', { node: false, conditions: unhealthy([]) })],
    });
    const d = decision(cp);
    assert.equal(d.action, 'remediate');
    assert.equal(d.action === 'remediate' && d.forwardEtcdLeadership, false);
  });

  it('waits while another remediation is in progress, and drops a stale in-progress annotation', () => {
    const annotation = (minutesAgo: number) => ({
      'controlplane.cluster.x-k8s.io/remediation-in-progress': marshalRemediationData({
        machine: 'old',
        timestamp: ago(minutesAgo * MINUTE),
        retryCount: 0,
      }),
    });
    const machines = () => [
      machine('m1'),
      machine('m2', { age: 30 * MINUTE }),
      machine('m3', { conditions: unhealthy() }),
    ];
    const waiting = planRemediation(
      controlPlane({
        kcp: kcp({ annotations: annotation(10) }),
        machines: machines(),
        members: [member('m1'), member('m2'), member('m3')],
      }),
    );
    assert.deepEqual(waiting.decision, {
      action: 'none',
      log: 'Another remediation is already in progress. Skipping remediation.',
    });
    assert.equal(waiting.removeStaleRemediationInProgress, false);
    // m2 was created after the annotation: it is the replacement, the annotation is stale.
    const stale = planRemediation(
      controlPlane({
        kcp: kcp({ annotations: annotation(60) }),
        machines: machines(),
        members: [member('m1'), member('m2'), member('m3')],
      }),
    );
    assert.equal(stale.removeStaleRemediationInProgress, true);
    assert.equal(stale.decision.action, 'remediate');
  });

  it('cleans up OwnerRemediated on Machines that became healthy again', () => {
    const plan = planRemediation(
      controlPlane({
        machines: [
          machine('m1', {
            conditions: [...HEALTHY, ['HealthCheckSucceeded', 'True'], ['OwnerRemediated', 'False']],
          }),
          machine('m2'),
        ],
      }),
    );
    assert.deepEqual(
      plan.cleanupOwnerRemediated.map((m) => m.metadata.name),
      ['m1'],
    );
    assert.deepEqual(plan.decision, { action: 'none' });
  });

  it('leaves Machines to other remediators alone (no OwnerRemediated condition)', () => {
    const cp = controlPlane({
      machines: [
        machine('m1'),
        machine('m2', { conditions: [...HEALTHY, ['HealthCheckSucceeded', 'False']] }),
      ],
    });
    assert.deepEqual(decision(cp), { action: 'none' });
  });

  it('defers with external etcd once initialized, as upstream (the member list is never read)', () => {
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
      machines: [machine('m1'), machine('m2'), machine('m3', { conditions: unhealthy() })],
    });
    assert.equal(deferred(cp)?.message, 'Failed to check etcd cluster health before remediation');
  });
});

describe('machineToBeRemediated', () => {
  const cases: { name: string; machines: [string, Parameters<typeof machine>[1]][]; want: string }[] = [
    {
      name: 'the remediate-machine annotation wins',
      machines: [
        ['no-node', { node: false }],
        ['annotated', { annotations: { 'cluster.x-k8s.io/remediate-machine': '' } }],
      ],
      want: 'annotated',
    },
    {
      name: 'then a Machine without a Node',
      machines: [
        ['etcd', { conditions: ETCD_DOWN }],
        ['no-node', { node: false }],
      ],
      want: 'no-node',
    },
    {
      name: 'then a broken etcd member before a broken API server',
      machines: [
        [
          'api',
          {
            conditions: [
              ...HEALTHY.filter(([t]) => t !== 'APIServerPodHealthy'),
              ['APIServerPodHealthy', 'False'],
            ],
          },
        ],
        ['etcd', { conditions: ETCD_DOWN }],
      ],
      want: 'etcd',
    },
    {
      name: 'then the oldest',
      machines: [
        ['young', { age: DAY }],
        ['old', { age: 2 * DAY }],
      ],
      want: 'old',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ms = c.machines.map(([n, o]) => machine(n, o));
      assert.equal(machineToBeRemediated(ms, true)?.metadata.name, c.want);
    });
  }
});

describe('remediation data', () => {
  it('round-trips the annotation and rejects garbage', () => {
    const d = { machine: 'm1', timestamp: '2026-03-01T12:00:00Z', retryCount: 2 };
    assert.deepEqual(parseRemediationData(marshalRemediationData(d)), d);
    assert.throws(() => parseRemediationData('nope'), RemediationDataError);
  });

  it('surfaces the remediation in progress, else the newest remediation-for, as status.lastRemediation', () => {
    const older = remediationFor({ machine: 'a', timestamp: ago(2 * HOUR), retryCount: 0 });
    const newer = remediationFor({ machine: 'b', timestamp: ago(HOUR), retryCount: 1 });
    const cp = controlPlane({
      machines: [machine('m1', { annotations: older }), machine('m2', { annotations: newer })],
    });
    assert.deepEqual(lastRemediationStatus(cp), { machine: 'b', time: ago(HOUR), retryCount: 1 });
    assert.equal(lastRemediationStatus(controlPlane()), undefined);
  });
});
