import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planControlPlaneOperation } from './scaling-plan.js';
import { cluster, controlPlane, DAY, kcp, machine } from './test-helpers.js';

const FDS = cluster({ failureDomains: ['fd1', 'fd2', 'fd3'] });
const noShuffle = () => 0.999;

describe('planControlPlaneOperation', () => {
  it('creates the first Machine without preflight checks', () => {
    const cp = controlPlane({ cluster: FDS });
    assert.deepEqual(planControlPlaneOperation(cp, noShuffle), { type: 'initialize', failureDomain: 'fd1' });
  });

  it('scales up into the emptiest failure domain', () => {
    const cp = controlPlane({ cluster: FDS, machines: [machine('m1', { fd: 'fd1' })] });
    const op = planControlPlaneOperation(cp, noShuffle);
    assert.equal(op.type, 'scaleUp');
    assert.equal(op.type === 'scaleUp' && op.failureDomain, 'fd2');
    assert.equal(op.type === 'scaleUp' && op.preflight.ok, true);
  });

  it('during an upgrade surges one Machine first, then removes outdated ones', () => {
    const upgrade = kcp({ spec: { version: 'v1.34.0' } });
    const three = [
      machine('m1', { fd: 'fd1', age: 3 * DAY }),
      machine('m2', { fd: 'fd2', age: 2 * DAY }),
      machine('m3', { fd: 'fd3', age: DAY }),
    ];
    const surge = planControlPlaneOperation(
      controlPlane({ kcp: upgrade, cluster: FDS, machines: three }),
      noShuffle,
    );
    assert.equal(surge.type === 'scaleUp' && surge.rollout, true);

    const four = [...three, machine('n1', { fd: 'fd1', version: 'v1.34.0', age: 0 })];
    const down = planControlPlaneOperation(
      controlPlane({ kcp: upgrade, cluster: FDS, machines: four }),
      noShuffle,
    );
    assert.equal(down.type, 'scaleDown');
    if (down.type !== 'scaleDown') return;
    assert.equal(down.rollout, true);
    assert.equal(down.machine.metadata.name, 'm1');
    assert.equal(down.eligibility, 'Outdated');
    assert.equal(down.preflight.ok, true);
  });

  it('with maxSurge 0 removes an outdated Machine before creating its replacement', () => {
    const k = kcp({
      spec: {
        version: 'v1.34.0',
        rollout: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0 } } },
      },
    });
    const op = planControlPlaneOperation(
      controlPlane({
        kcp: k,
        cluster: FDS,
        machines: [machine('m1', { fd: 'fd1' }), machine('m2', { fd: 'fd2' }), machine('m3', { fd: 'fd3' })],
      }),
      noShuffle,
    );
    assert.equal(op.type, 'scaleDown');
  });

  it('scales down to the desired replicas, and does nothing when there', () => {
    const k = kcp({ spec: { replicas: 1 } });
    const op = planControlPlaneOperation(
      controlPlane({ kcp: k, machines: [machine('m1'), machine('m2', { age: 2 * DAY })] }),
    );
    assert.equal(op.type === 'scaleDown' && op.machine.metadata.name, 'm2');
    assert.deepEqual(planControlPlaneOperation(controlPlane({ kcp: k, machines: [machine('m1')] })), {
      type: 'none',
    });
  });

  it('waits for in-place updates before anything else', () => {
    const updating = machine('m1', {
      annotations: { 'in-place-updates.internal.cluster.x-k8s.io/update-in-progress': '' },
    });
    const op = planControlPlaneOperation(controlPlane({ machines: [updating] }));
    assert.equal(op.type, 'waitForInPlaceUpdates');
  });

  it('carries failed preflight checks for the ScalingUp condition', () => {
    const cp = controlPlane({ machines: [machine('m1'), machine('m2', { node: false })] });
    const op = planControlPlaneOperation(cp);
    assert.equal(op.type, 'scaleUp');
    assert.equal(op.type === 'scaleUp' && op.preflight.results.controlPlaneComponentsNotHealthy, true);
  });
});
