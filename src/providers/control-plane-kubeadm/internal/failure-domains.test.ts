import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  failureDomainWithMostMachines,
  nextFailureDomainForScaleUp,
  pickFewest,
  pickMost,
} from './failure-domains.js';
import { cluster, controlPlane, DAY, kcp, machine } from './test-helpers.js';

const FDS = ['fd1', 'fd2', 'fd3'].map((name) => ({ name, controlPlane: true }));
/** Keeps the failure domains in the Cluster's order (no shuffling), so ties are predictable. */
const noShuffle = () => 0.999;

describe('pickFewest', () => {
  it('places a new Machine in the failure domain with the fewest up-to-date Machines', () => {
    const all = [machine('a', { fd: 'fd1' }), machine('b', { fd: 'fd2' }), machine('c', { fd: 'fd1' })];
    assert.equal(pickFewest(FDS, all, all, noShuffle), 'fd3');
  });

  it('breaks ties by the fewest Machines overall (outdated ones count there)', () => {
    // Each domain has one up-to-date Machine; fd2 also has an outdated one.
    const upToDate = [machine('a', { fd: 'fd1' }), machine('b', { fd: 'fd2' }), machine('c', { fd: 'fd3' })];
    const all = [...upToDate, machine('old', { fd: 'fd2' }), machine('old2', { fd: 'fd1' })];
    assert.equal(pickFewest(FDS, all, upToDate, noShuffle), 'fd3');
  });

  it('picks among equal domains at random', () => {
    const seen = new Set<string>();
    for (const r of [0, 0.4, 0.7, 0.99]) seen.add(pickFewest(FDS, [], [], () => r));
    assert.ok(seen.size > 1, `always ${[...seen].join()}`);
  });

  it('ignores Machines in unknown failure domains and gives "" without domains', () => {
    assert.equal(pickFewest(FDS.slice(0, 1), [machine('a', { fd: 'gone' })], [], noShuffle), 'fd1');
    assert.equal(pickFewest([], [machine('a')], []), '');
  });
});

describe('pickMost', () => {
  it('deletes from the domain with the most eligible Machines, ties by most Machines overall', () => {
    const eligible = [machine('a', { fd: 'fd1' }), machine('b', { fd: 'fd2' })];
    const all = [...eligible, machine('c', { fd: 'fd2' })];
    assert.equal(pickMost(FDS, all, eligible, noShuffle), 'fd2');
  });

  it('gives "" when no known domain holds an eligible Machine', () => {
    assert.equal(pickMost(FDS, [machine('a', { fd: 'fd1' })], [], noShuffle), '');
  });
});

describe('control plane failure domains', () => {
  it('only uses the Cluster failure domains that accept control plane Machines', () => {
    const c = cluster({ failureDomains: ['fd1', 'fd2'] });
    c.status!.failureDomains![1]!.controlPlane = false;
    const cp = controlPlane({ cluster: c, machines: [machine('a', { fd: 'fd1' })] });
    assert.deepEqual(
      cp.failureDomains().map((fd) => fd.name),
      ['fd1'],
    );
    assert.equal(nextFailureDomainForScaleUp(cp), 'fd1');
  });

  it('during a rollout, spreads the new up-to-date Machines first', () => {
    // m1..m3 are outdated (version), n1 is the first up-to-date replacement in fd1.
    const k = kcp({ spec: { version: 'v1.34.0' } });
    const cp = controlPlane({
      kcp: k,
      cluster: cluster({ failureDomains: ['fd1', 'fd2', 'fd3'] }),
      machines: [
        machine('m1', { fd: 'fd1' }),
        machine('m2', { fd: 'fd2' }),
        machine('m3', { fd: 'fd3' }),
        machine('n1', { fd: 'fd1', version: 'v1.34.0' }),
      ],
    });
    const picks = new Set([0, 0.5, 0.99].map((r) => nextFailureDomainForScaleUp(cp, () => r)));
    assert.ok(!picks.has('fd1'), [...picks].join());
  });

  it('removes Machines outside the control plane failure domains first, oldest first', () => {
    const cp = controlPlane({
      cluster: cluster({ failureDomains: ['fd1', 'fd2'] }),
      machines: [
        machine('a', { fd: 'fd1' }),
        machine('b', { fd: 'fd1' }),
        machine('stray-new', { fd: 'retired', age: DAY }),
        machine('stray-old', { fd: '', age: 2 * DAY }),
      ],
    });
    assert.equal(failureDomainWithMostMachines(cp, cp.machines, noShuffle), '');
  });
});
