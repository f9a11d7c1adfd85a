import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getCondition } from '../../controller-runtime/conditions/condition.js';
import { setCondition } from '../../controller-runtime/conditions/setter.js';
import { remoteConnectionProbeCondition } from './remote-connection-probe.js';

const T0 = Date.parse('2025-03-01T10:00:00.400Z');

describe('remoteConnectionProbeCondition', () => {
  it('says "not established yet" before the first success and fewer than 5 failed attempts', () => {
    for (const consecutiveFailures of [0, 4]) {
      assert.deepEqual(remoteConnectionProbeCondition({ consecutiveFailures }, T0), {
        type: 'RemoteConnectionProbe',
        status: 'False',
        reason: 'ProbeFailed',
        message: 'Remote connection not established yet',
      });
    }
  });

  it('keeps the condition the Cluster already has while not established yet (after a controller restart)', () => {
    const current = { status: 'True' as const, reason: 'ProbeSucceeded', message: '' };
    assert.deepEqual(remoteConnectionProbeCondition({ consecutiveFailures: 2 }, T0, 50_000, current), {
      type: 'RemoteConnectionProbe',
      ...current,
    });
  });

  it('is False "probe failed" once 5 attempts failed without any success', () => {
    assert.deepEqual(remoteConnectionProbeCondition({ consecutiveFailures: 5 }, T0), {
      type: 'RemoteConnectionProbe',
      status: 'False',
      reason: 'ProbeFailed',
      message: 'Remote connection probe failed',
    });
  });

  it('is True while the last success is within the grace period, even with failures since', () => {
    const state = { lastProbeSuccessTime: T0, consecutiveFailures: 3 };
    for (const now of [T0, T0 + 50_000]) {
      assert.deepEqual(remoteConnectionProbeCondition(state, now), {
        type: 'RemoteConnectionProbe',
        status: 'True',
        reason: 'ProbeSucceeded',
        message: '',
      });
    }
  });

  it('is False with the time of the last success (RFC 3339, whole seconds) after the grace period', () => {
    const state = { lastProbeSuccessTime: T0, consecutiveFailures: 1 };
    const condition = remoteConnectionProbeCondition(state, T0 + 50_001);
    assert.equal(condition.status, 'False');
    assert.equal(condition.reason, 'ProbeFailed');
    assert.equal(
      condition.message,
      'Remote connection probe failed, probe last succeeded at 2025-03-01T10:00:00Z',
    );
    assert.equal(remoteConnectionProbeCondition(state, T0 + 2_000, 1_000).status, 'False');
  });

  it('sets on a Cluster with setCondition, moving lastTransitionTime only when the status changes', () => {
    const cluster = { kind: 'Cluster', metadata: { name: 'c', generation: 1 } };
    const state = { lastProbeSuccessTime: T0, consecutiveFailures: 0 };
    setCondition(cluster, remoteConnectionProbeCondition(state, T0), { now: () => new Date(T0) });
    const first = getCondition(cluster, 'RemoteConnectionProbe');
    assert.equal(first?.status, 'True');
    setCondition(cluster, remoteConnectionProbeCondition(state, T0 + 60_000), {
      now: () => new Date(T0 + 60_000),
    });
    const second = getCondition(cluster, 'RemoteConnectionProbe');
    assert.equal(second?.status, 'False');
    assert.notEqual(second?.lastTransitionTime, first?.lastTransitionTime);
  });
});
