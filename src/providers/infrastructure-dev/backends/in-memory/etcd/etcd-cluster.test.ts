import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EtcdCluster, EtcdServerError, GrpcCode } from './etcd-cluster.js';

function threeMembers(): { cluster: EtcdCluster; ids: [string, string, string] } {
  const cluster = new EtcdCluster();
  const a = cluster.addMember({ name: 'cp-0', ip: '10.0.0.1' });
  const b = cluster.addMember({ name: 'cp-1', ip: '10.0.0.2' });
  const c = cluster.addMember({ name: 'cp-2', ip: '10.0.0.3' });
  return { cluster, ids: [a.id, b.id, c.id] };
}

function refusal(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EtcdServerError, `expected an EtcdServerError, got ${String(err)}`);
    return { code: err.code, message: err.message };
  }
  assert.fail('expected a refusal');
}

describe('EtcdCluster', () => {
  it('gives members uint64 ids, kubeadm URLs, and lists them by id', () => {
    const { cluster, ids } = threeMembers();
    assert.match(cluster.clusterId, /^[1-9]\d*$/);
    for (const id of ids) assert.ok(BigInt(id) > 0n && BigInt(id) < 2n ** 64n);
    const listed = cluster.members();
    assert.deepEqual(
      listed.map((m) => m.id),
      [...ids].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1)),
    );
    assert.deepEqual(cluster.memberByName('cp-1'), {
      id: ids[1],
      name: 'cp-1',
      peerURLs: ['https://10.0.0.2:2380'],
      clientURLs: ['https://10.0.0.2:2379'],
      isLearner: false,
    });
    assert.deepEqual(EtcdCluster.urlsFor('fd00::1').clientURLs, ['https://[fd00::1]:2379']);
    assert.deepEqual(
      refusal(() => cluster.addMember({ name: 'again', ip: '10.0.0.2' })),
      {
        code: GrpcCode.FailedPrecondition,
        message: 'etcdserver: Peer URLs already exists',
      },
    );
  });

  it('makes the first member leader and moves leadership only from the leader to a voter', () => {
    const { cluster, ids } = threeMembers();
    assert.equal(cluster.leaderId, ids[0]);
    const term = cluster.raftTerm;
    assert.deepEqual(
      refusal(() => cluster.moveLeader(ids[1], ids[2])),
      {
        code: GrpcCode.FailedPrecondition,
        message: 'etcdserver: not leader',
      },
    );
    assert.deepEqual(
      refusal(() => cluster.moveLeader(ids[0], '12345')),
      {
        code: GrpcCode.FailedPrecondition,
        message: 'etcdserver: bad leader transferee',
      },
    );
    cluster.moveLeader(ids[0], ids[0]); // to itself: accepted, nothing changes
    assert.equal(cluster.raftTerm, term);
    cluster.moveLeader(ids[0], ids[2]);
    assert.equal(cluster.leaderId, ids[2]);
    assert.equal(cluster.raftTerm, term + 1);
    assert.equal(cluster.status(ids[1]).leader, ids[2]);
  });

  it('elects another leader when the leader is removed; a removed member refuses connections', () => {
    const { cluster, ids } = threeMembers();
    const index = cluster.raftIndex;
    const left = cluster.removeMember(ids[0]);
    assert.deepEqual(left.map((m) => m.id).sort(), [ids[1], ids[2]].sort());
    assert.equal(cluster.leaderId, ids[1]);
    assert.ok(cluster.raftIndex > index);
    assert.equal(cluster.stateOf(ids[0]), 'stopped');
    assert.deepEqual(
      refusal(() => cluster.removeMember(ids[0])),
      {
        code: GrpcCode.NotFound,
        message: 'etcdserver: member not found',
      },
    );
  });

  it('refuses to remove a running member when the rest would lose quorum, but lets a stopped one go', () => {
    const { cluster, ids } = threeMembers();
    cluster.setHealthy(ids[2], false);
    // Two of three running: removing a running one leaves one of two, short of a quorum of two.
    assert.deepEqual(
      refusal(() => cluster.removeMember(ids[1])),
      {
        code: GrpcCode.Unavailable,
        message: 'etcdserver: unhealthy cluster',
      },
    );
    cluster.removeMember(ids[2]);
    assert.equal(cluster.members().length, 2);
  });

  it('loses its leader without a quorum of running voters and elects one when it comes back', () => {
    const { cluster, ids } = threeMembers();
    cluster.setHealthy(ids[0], false);
    assert.equal(cluster.leaderId, ids[1], 'the leader stopped: the next running voter leads');
    cluster.setHealthy(ids[1], false, { hang: true });
    assert.equal(cluster.leaderId, '');
    assert.equal(cluster.stateOf(ids[1]), 'hung');
    assert.equal(cluster.status(ids[2]).leader, '');
    assert.deepEqual(
      refusal(() => cluster.listAlarms()),
      {
        code: GrpcCode.Unavailable,
        message: 'etcdserver: request timed out',
      },
    );
    cluster.setHealthy(ids[0], true);
    assert.equal(cluster.leaderId, ids[0]);
  });

  it('keeps alarms, reports them in every member status, and lets them be cleared', () => {
    const { cluster, ids } = threeMembers();
    cluster.activateAlarm(ids[1], 'NOSPACE');
    cluster.activateAlarm(ids[1], 'NOSPACE');
    assert.deepEqual(cluster.listAlarms(), [{ memberId: ids[1], alarm: 'NOSPACE' }]);
    assert.deepEqual(cluster.status(ids[0]).errors, [`memberID:${ids[1]} alarm:NOSPACE `]);
    assert.deepEqual(cluster.deactivateAlarm(ids[1], 'NOSPACE'), { memberId: ids[1], alarm: 'NOSPACE' });
    assert.equal(cluster.deactivateAlarm(ids[1], 'NOSPACE'), undefined);
    assert.deepEqual(cluster.status(ids[0]).errors, []);
  });

  it('counts learners out of the quorum and never hands them leadership', () => {
    const cluster = new EtcdCluster();
    const a = cluster.addMember({ name: 'cp-0', ip: '10.0.0.1' });
    const learner = cluster.addMember({ name: 'cp-1', ip: '10.0.0.2', isLearner: true });
    assert.equal(cluster.status(learner.id).isLearner, true);
    assert.deepEqual(
      refusal(() => cluster.moveLeader(a.id, learner.id)),
      {
        code: GrpcCode.FailedPrecondition,
        message: 'etcdserver: bad leader transferee',
      },
    );
    cluster.setHealthy(learner.id, false);
    assert.equal(cluster.leaderId, a.id);
  });
});
