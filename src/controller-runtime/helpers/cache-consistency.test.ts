import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, TypeRef } from '../api/object.js';
import { CacheConsistency } from './cache-consistency.js';

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
