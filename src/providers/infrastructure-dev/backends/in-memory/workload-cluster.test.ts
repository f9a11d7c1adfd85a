import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkloadCluster } from './workload-cluster.js';

const cluster = (): WorkloadCluster =>
  new WorkloadCluster({
    key: 'ns/c',
    listener: { host: '127.0.0.1', port: 1, close: () => Promise.resolve() },
  });

describe('in-memory workload cluster: machine addresses', () => {
  it('gives each machine its own address, the same one on every call', () => {
    const wl = cluster();
    const a = wl.hostIpFor('a');
    const b = wl.hostIpFor('b');
    assert.notEqual(a, b);
    assert.equal(wl.hostIpFor('a'), a);
    assert.match(a, /^10\.0\.\d+\.\d+$/);
  });

  it('lets machines keep the addresses they advertised before a restart, whatever order they come back in', () => {
    const before = cluster();
    const cp = before.hostIpFor('cp');
    const worker = before.hostIpFor('worker');

    const after = cluster();
    assert.equal(after.hostIpFor('worker', worker), worker);
    assert.equal(after.hostIpFor('cp', cp), cp);
    const fresh = after.hostIpFor('new');
    assert.ok(![cp, worker].includes(fresh), `a new machine gets an address nobody holds, not ${fresh}`);
  });

  it('does not hand out an address twice: a claimed one taken meanwhile, or one outside the node network, gets a new one', () => {
    const wl = cluster();
    const first = wl.hostIpFor('first');
    const other = wl.hostIpFor('other', first);
    assert.notEqual(other, first);
    const outside = wl.hostIpFor('outside', '192.168.1.7');
    assert.ok(![first, other].includes(outside));
    assert.match(outside, /^10\.0\./);
  });

  it('continues after the highest restored address, skipping the ones restored below it', () => {
    const wl = cluster();
    assert.equal(wl.hostIpFor('x', '10.0.1.5'), '10.0.1.5');
    assert.equal(wl.hostIpFor('y'), '10.0.1.6');
    assert.equal(wl.hostIpFor('z', '10.0.0.11'), '10.0.0.11');
    assert.equal(wl.hostIpFor('w'), '10.0.1.7');
  });
});
