import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  etcdLeadershipDecision,
  etcdMemberNameOf,
  preTerminateHookDecision,
  strayEtcdMemberDecision,
} from './etcd-members.js';
import {
  type CondSpec,
  controlPlane,
  DAY,
  HEALTHY,
  infraMachine,
  kcp,
  machine,
  member,
  MINUTE,
  node,
} from './test-helpers.js';

const HOOK = { 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/kcp-cleanup': '' };
const WAITING_FOR_HOOK: CondSpec[] = [
  ...HEALTHY,
  ['Deleting', 'True', '', MINUTE, 'WaitingForPreTerminateHook'],
];
const ETCD_DOWN: CondSpec[] = [
  ...HEALTHY.filter(([t]) => t !== 'EtcdMemberHealthy'),
  ['EtcdMemberHealthy', 'False'],
];
const CLUSTER_NOT_HEALTHY: CondSpec[] = [['EtcdClusterHealthy', 'False']];

describe('strayEtcdMemberDecision', () => {
  it('removes a member without a Machine, one at a time, by name order', () => {
    const cp = controlPlane({
      kcp: kcp({ conditions: CLUSTER_NOT_HEALTHY }),
      machines: [machine('m1'), machine('m2'), machine('m3')],
      members: [member('m1'), member('m2'), member('m3'), member('zz-old'), member('gone')],
    });
    const d = strayEtcdMemberDecision(cp);
    assert.equal(d.action, 'remove');
    assert.equal(d.action === 'remove' && d.member.name, 'gone');
    assert.equal(
      d.action === 'remove' && d.log,
      'Etcd members gone, zz-old without corresponding Machines, removing member gone',
    );
  });

  it('does nothing while EtcdClusterHealthy is True or a Machine has no Node yet', () => {
    const members = [member('m1'), member('new')];
    assert.deepEqual(
      strayEtcdMemberDecision(
        controlPlane({
          kcp: kcp({ conditions: [['EtcdClusterHealthy', 'True']] }),
          machines: [machine('m1')],
          members,
        }),
      ),
      {
        action: 'none',
      },
    );
    const d = strayEtcdMemberDecision(
      controlPlane({
        kcp: kcp({ conditions: CLUSTER_NOT_HEALTHY }),
        machines: [machine('m1'), machine('m2', { node: false })],
        members,
      }),
    );
    assert.equal(d.action, 'none');
  });

  it('refuses when removing the member would cost quorum', () => {
    const cp = controlPlane({
      kcp: kcp({ conditions: CLUSTER_NOT_HEALTHY }),
      machines: [machine('m1'), machine('m2', { conditions: ETCD_DOWN })],
      members: [member('m1'), member('m2'), member('stray')],
    });
    assert.deepEqual(strayEtcdMemberDecision(cp), {
      action: 'error',
      error:
        'etcd member stray does not have a corresponding Machine, it must be removed from the cluster but this operation can lead to quorum loss. Please check the etcd status',
    });
  });
});

describe('etcdLeadershipDecision', () => {
  it('moves leadership off a leaving leader to the most reliable member, newest first', () => {
    const cp = controlPlane({
      machines: [
        machine('leader'),
        machine('old', { age: 3 * DAY }),
        machine('new', { age: DAY }),
        machine('sick', { age: DAY / 2, conditions: ETCD_DOWN }),
        machine('provisioning', { node: false }),
      ],
      members: [member('leader'), member('old'), member('new'), member('sick')],
      leader: 'leader',
    });
    const d = etcdLeadershipDecision(cp, cp.machine('leader')!);
    assert.equal(d.action, 'forward');
    if (d.action !== 'forward') return;
    assert.equal(d.from, 'leader');
    assert.deepEqual(
      d.candidates.map((m) => m.metadata.name),
      ['new', 'old', 'sick'],
    );
    assert.deepEqual(etcdLeadershipDecision(cp, cp.machine('old')!), { action: 'none' });
  });

  it('fails without a known leader', () => {
    const cp = controlPlane({ machines: [machine('m1')] });
    assert.deepEqual(etcdLeadershipDecision(cp, cp.machine('m1')!), {
      action: 'error',
      error: 'unable to move etcd leadership, failed to detect etcd leader',
    });
  });
});

describe('etcdMemberNameOf', () => {
  it('uses the nodeRef, else the Node with the Machine or InfraMachine providerID', () => {
    const cp = controlPlane({
      machines: [
        machine('m1'),
        machine('m2', { node: false }),
        machine('m3', { node: false, providerID: false }),
      ],
      infraMachines: new Map([['m3', infraMachine('m3')]]),
    });
    const nodes = [node('n2', { providerID: 'dev://m2' }), node('n3', { providerID: 'dev://m3' })];
    assert.equal(etcdMemberNameOf(cp, cp.machine('m1')!, nodes), 'm1');
    assert.equal(etcdMemberNameOf(cp, cp.machine('m2')!, nodes), 'n2');
    assert.equal(etcdMemberNameOf(cp, cp.machine('m3')!, nodes), 'n3');
    assert.equal(etcdMemberNameOf(cp, cp.machine('m2')!, []), '');
  });
});

describe('preTerminateHookDecision', () => {
  const deleting = (extra: Parameters<typeof machine>[1] = {}) =>
    machine('m3', { deleting: MINUTE, annotations: HOOK, conditions: WAITING_FOR_HOOK, ...extra });

  it('removes the etcd member of a deleting Machine once the Machine controller waits for the hook', () => {
    const cp = controlPlane({
      machines: [machine('m1'), machine('m2'), deleting()],
      members: [member('m1'), member('m2'), member('m3')],
    });
    const d = preTerminateHookDecision(cp);
    assert.equal(d.action, 'removeMember');
    assert.equal(d.action === 'removeMember' && d.member?.id, 'm3-id');
  });

  const waits: { name: string; machines: ReturnType<typeof machine>[]; log?: string }[] = [
    {
      name: 'the Machine controller is not waiting for the hook yet',
      machines: [machine('m1'), machine('m2'), deleting({ conditions: HEALTHY })],
    },
    {
      name: 'other pre-terminate hooks are still there (Kubernetes >= 1.31)',
      machines: [
        machine('m1'),
        machine('m2'),
        deleting({
          annotations: { ...HOOK, 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/backup': '' },
        }),
      ],
    },
    {
      name: 'another deleting Machine has no hook',
      machines: [machine('m1'), machine('m2', { deleting: 2 * MINUTE }), deleting()],
    },
    {
      name: 'removing the member would cost etcd quorum',
      machines: [machine('m1'), machine('m2', { conditions: ETCD_DOWN }), deleting()],
      log: 'Cannot delete control plane Machine m3, the operation can lead to etcd quorum loss. Please check the etcd status',
    },
  ];
  for (const c of waits) {
    it(`waits when ${c.name}`, () => {
      const cp = controlPlane({ machines: c.machines, members: [member('m1'), member('m2'), member('m3')] });
      assert.deepEqual(preTerminateHookDecision(cp), {
        action: 'wait',
        requeueAfterMs: 30_000,
        ...(c.log ? { log: c.log } : {}),
      });
    });
  }

  it('just removes the hook for the last Machine or with external etcd', () => {
    assert.equal(preTerminateHookDecision(controlPlane({ machines: [deleting()] })).action, 'removeHook');
    const external = controlPlane({
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
      machines: [machine('m1'), deleting()],
    });
    assert.equal(preTerminateHookDecision(external).action, 'removeHook');
  });

  it('fails without an etcd member list', () => {
    assert.deepEqual(preTerminateHookDecision(controlPlane({ machines: [machine('m1'), deleting()] })), {
      action: 'error',
      error: 'unable to remove pre-terminate hook, etcd member list is empty',
    });
  });
});
