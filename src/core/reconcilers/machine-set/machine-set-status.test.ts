import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { CacheConsistency } from './cache-consistency.js';
import { aggregateStaleMachines } from '../stale-machines.js';
import { versionsFromMachines } from './machine-set-status.js';

const NOW = Date.parse('2026-01-10T12:00:00Z');

function machine(
  name: string,
  o: { created?: number; version?: string; kubelet?: string; deletingSinceMin?: number } = {},
): Stored<Machine> {
  return {
    metadata: {
      name,
      creationTimestamp: new Date(o.created ?? NOW).toISOString(),
      ...(o.deletingSinceMin !== undefined
        ? { deletionTimestamp: new Date(NOW - o.deletingSinceMin * 60_000).toISOString() }
        : {}),
    },
    spec: {
      clusterName: 'c',
      bootstrap: {},
      infrastructureRef: { apiGroup: 'x', kind: 'X', name },
      ...(o.version ? { version: o.version } : {}),
    },
    ...(o.kubelet ? { status: { nodeInfo: { kubeletVersion: o.kubelet } } } : {}),
  } as Stored<Machine>;
}

describe('MachineSet status pieces', () => {
  it('counts versions, the kubelet version winning over spec.version, oldest version first', () => {
    assert.deepEqual(
      versionsFromMachines([
        machine('a', { version: 'v1.34.0' }),
        machine('b', { version: 'v1.34.0', kubelet: 'v1.33.2' }),
        machine('c', { version: 'v1.33.2' }),
        machine('d'),
      ]),
      [
        { version: 'v1.33.2', replicas: 2 },
        { version: 'v1.34.0', replicas: 1 },
      ],
    );
    assert.deepEqual(versionsFromMachines([]), []);
  });

  it('names Machines deleting for more than 15 minutes', () => {
    assert.equal(aggregateStaleMachines([machine('a', { deletingSinceMin: 5 })], NOW), '');
    assert.equal(
      aggregateStaleMachines([machine('a', { deletingSinceMin: 20 })], NOW),
      'Machine a is in deletion since more than 15m',
    );
    assert.equal(
      aggregateStaleMachines(
        ['e', 'd', 'c', 'b', 'a'].map((n) => machine(n, { deletingSinceMin: 16 })),
        NOW,
      ),
      'Machines a, b, c, ... (2 more) are in deletion since more than 15m',
    );
  });
});

describe('cache consistency', () => {
  const MACHINE: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine' };

  it('holds reconciles until the informer has seen what the owner wrote or deleted', () => {
    let synced = '10';
    const cached = new Map<string, KubeObject>();
    const c = new CacheConsistency({
      lastSyncedVersion: () => synced,
      cached: (_t, ns, name) => cached.get(`${ns}/${name}`),
    });
    assert.deepEqual(c.stale('ns/ms'), []);
    c.wroteAt('ns/ms', 'uid-1', MACHINE, '12');
    assert.deepEqual(c.stale('ns/ms'), ['Machine']);
    synced = '12';
    assert.deepEqual(c.stale('ns/ms'), []);

    cached.set('ns/m1', { metadata: { name: 'm1' } });
    c.deleted('ns/ms', 'uid-1', MACHINE, 'ns', 'm1');
    assert.deepEqual(c.stale('ns/ms'), ['Machine']);
    cached.set('ns/m1', { metadata: { name: 'm1', deletionTimestamp: '2026-01-01T00:00:00Z' } });
    assert.deepEqual(c.stale('ns/ms'), []);

    // A MachineSet recreated under the same name starts afresh.
    c.wroteAt('ns/ms', 'uid-1', MACHINE, '50');
    c.wroteAt('ns/ms', 'uid-2', MACHINE, '13');
    synced = '13';
    assert.deepEqual(c.stale('ns/ms'), []);
  });
});
