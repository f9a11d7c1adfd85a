import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { preflightChecks, preflightMessages } from './preflight.js';
import { applyEtcdReport, etcdConditions } from './workload-conditions.js';
import {
  cluster,
  controlPlane,
  HEALTHY,
  kcp,
  machine,
  member,
  MINUTE,
  node,
  type CondSpec,
} from './test-helpers.js';

const withCondition = (type: string, status: 'False' | 'Unknown', message = ''): CondSpec[] => [
  ...HEALTHY.filter(([t]) => t !== type),
  [type, status, message],
];

describe('preflightChecks', () => {
  it('passes for a stable control plane and for one without Machines', () => {
    const cp = controlPlane({ machines: [machine('m1'), machine('m2'), machine('m3')] });
    assert.deepEqual(preflightChecks(cp, { isScaleUp: true }), {
      ok: true,
      results: {
        hasDeletingMachine: false,
        certificateMissing: false,
        controlPlaneComponentsNotHealthy: false,
        etcdClusterNotHealthy: false,
        topologyVersionMismatch: false,
      },
      failures: [],
      requeueAfterMs: 0,
    });
    assert.equal(preflightChecks(controlPlane(), { isScaleUp: true }).ok, true);
  });

  const cases: {
    name: string;
    cp: () => ReturnType<typeof controlPlane>;
    isScaleUp?: boolean;
    failures: string[];
    messages: string[];
    requeueAfterMs?: number;
  }[] = [
    {
      name: 'a Machine still deleting holds the next operation',
      cp: () => controlPlane({ machines: [machine('m1'), machine('m2', { deleting: MINUTE })] }),
      failures: ['Waiting for machines to be deleted'],
      messages: ['* waiting for a control plane Machine to complete deletion'],
      requeueAfterMs: 30_000,
    },
    {
      name: 'a scale up needs the cluster certificates',
      cp: () =>
        controlPlane({
          kcp: kcp({ conditions: [['CertificatesAvailable', 'False']] }),
          machines: [machine('m1')],
        }),
      failures: ["Certificates are missing or unknown, can't join a new machine"],
      messages: ['* cluster certificates are missing or unknown'],
    },
    {
      name: 'a Machine without a Node holds scaling (components and etcd)',
      cp: () => controlPlane({ machines: [machine('m1'), machine('m2', { node: false })] }),
      failures: ['Machine m2 does not have a corresponding Node yet (Machine.status.nodeRef not set)'],
      messages: [
        '* waiting for control plane components to become healthy',
        '* waiting for etcd cluster to become healthy',
      ],
    },
    {
      name: 'an unhealthy API server holds scaling, with the condition message',
      cp: () =>
        controlPlane({
          machines: [
            machine('m1', { conditions: withCondition('APIServerPodHealthy', 'False', 'CrashLoopBackOff') }),
          ],
        }),
      failures: ['Machine m1 reports APIServerPodHealthy condition is false (CrashLoopBackOff)'],
      messages: ['* waiting for control plane components to become healthy'],
    },
    {
      name: 'an etcd member in an unknown state holds scaling as an etcd problem',
      cp: () =>
        controlPlane({
          machines: [machine('m1', { conditions: withCondition('EtcdMemberHealthy', 'Unknown', 'timeout') })],
        }),
      failures: ['Machine m1 reports EtcdMemberHealthy condition is unknown (timeout)'],
      messages: ['* waiting for etcd cluster to become healthy'],
    },
    {
      name: 'a missing condition holds scaling',
      cp: () =>
        controlPlane({
          machines: [machine('m1', { conditions: HEALTHY.filter(([t]) => t !== 'SchedulerPodHealthy') })],
        }),
      failures: ['Machine m1 does not have SchedulerPodHealthy condition'],
      messages: ['* waiting for control plane components to become healthy'],
    },
    {
      name: 'a ClusterClass upgrade not yet propagated to KCP holds scaling',
      cp: () => controlPlane({ cluster: cluster({ topologyVersion: 'v1.34.0' }), machines: [machine('m1')] }),
      failures: ['Waiting for a version upgrade to v1.34.0 to be propagated'],
      messages: ['* waiting for a version upgrade to v1.34.0 to be propagated'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const cp = c.cp();
      const r = preflightChecks(cp, { isScaleUp: c.isScaleUp ?? true });
      assert.equal(r.ok, false);
      assert.deepEqual(r.failures, c.failures);
      assert.deepEqual(preflightMessages(cp, r.results), c.messages);
      assert.equal(r.requeueAfterMs, c.requeueAfterMs ?? 15_000);
    });
  }

  it('holds scaling while an etcd member is still a learner', () => {
    const cp = controlPlane({ machines: [machine('m1'), machine('m2')] });
    cp.workload.nodes = [node('m1'), node('m2')];
    applyEtcdReport(
      cp,
      etcdConditions(cp, {
        kind: 'ok',
        members: [member('m1'), member('m2', 'm2-id', true)],
        leaderId: 'm1-id',
        alarms: [],
      }),
    );
    assert.deepEqual(preflightChecks(cp, { isScaleUp: true }).failures, [
      'Machine m2 reports EtcdMemberHealthy condition is false (Waiting for learner etcd member to be promoted)',
    ]);
  });

  it('ignores the Machine being scaled down', () => {
    const broken = machine('m2', { conditions: withCondition('EtcdPodHealthy', 'False', 'Error') });
    const cp = controlPlane({ machines: [machine('m1'), broken] });
    assert.equal(preflightChecks(cp, { isScaleUp: false, exclude: [broken] }).ok, true);
    assert.equal(preflightChecks(cp, { isScaleUp: false }).ok, false);
  });

  it('skips certificate checks on scale down and etcd conditions with external etcd', () => {
    const cp = controlPlane({
      kcp: kcp({
        conditions: [['CertificatesAvailable', 'Unknown']],
        spec: {
          kubeadmConfigSpec: {
            clusterConfiguration: {
              etcd: {
                external: { endpoints: ['https://etcd:2379'], caFile: '/ca', certFile: '/c', keyFile: '/k' },
              },
            },
          },
        },
      }),
      machines: [machine('m1', { conditions: HEALTHY.filter(([t]) => !t.startsWith('Etcd')) })],
    });
    assert.equal(preflightChecks(cp, { isScaleUp: false }).ok, true);
  });

  describe('while a remediation is in progress', () => {
    const inProgress = {
      'controlplane.cluster.x-k8s.io/remediation-in-progress':
        '{"machine":"m3","timestamp":"2026-03-01T11:00:00Z","retryCount":0}',
    };
    const down: CondSpec[] = [
      ['APIServerPodHealthy', 'False'],
      ['ControllerManagerPodHealthy', 'False'],
      ['SchedulerPodHealthy', 'False'],
      ['EtcdPodHealthy', 'False'],
      ['EtcdMemberHealthy', 'False'],
    ];

    it('lets the replacement in when one Machine is healthy and etcd keeps quorum with it', () => {
      // m3 was deleted; of m1, m2, m4, m5 one is down. With the new member (counted unhealthy) 3 of 5
      // voting members are healthy: quorum (3) holds.
      const cp = controlPlane({
        kcp: kcp({ spec: { replicas: 5 }, annotations: inProgress }),
        machines: [machine('m1'), machine('m2'), machine('m4'), machine('m5', { conditions: down })],
        members: [member('m1'), member('m2'), member('m4'), member('m5')],
      });
      assert.equal(preflightChecks(cp, { isScaleUp: false }).ok, false);
      assert.equal(preflightChecks(cp, { isScaleUp: true }).ok, true);
    });

    it('refuses it when adding a member could cost etcd quorum', () => {
      const cp = controlPlane({
        kcp: kcp({ annotations: inProgress }),
        machines: [machine('m1'), machine('m2', { conditions: down })],
        members: [member('m1'), member('m2')],
      });
      const r = preflightChecks(cp, { isScaleUp: true });
      assert.deepEqual(r.failures, [
        'adding a new control plane Machine can lead to etcd quorum loss. Please check the etcd status',
      ]);
      assert.deepEqual(preflightMessages(cp, r.results), ['* waiting for etcd cluster to become healthy']);
    });

    it('refuses it when no Machine has all components healthy', () => {
      const cp = controlPlane({
        kcp: kcp({ annotations: inProgress }),
        machines: [machine('m1', { conditions: down }), machine('m2', { conditions: down })],
        members: [],
      });
      assert.deepEqual(preflightChecks(cp, { isScaleUp: true }).failures, [
        'cannot add a new control plane Machine when there are no control plane Machines with all Kubernetes control plane components in healthy state. Please check Kubernetes control plane component status',
        'cannot check etcd cluster health before scale up, etcd member list is empty',
      ]);
    });
  });
});
