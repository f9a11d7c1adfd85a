import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { silentLogger } from '../../../controller-runtime/log/logger.js';
import { FakeClient } from '../../../controller-runtime/helpers/testing/fake-client.js';
import { ControlPlaneInitLock, lockHolder } from './control-plane-init-lock.js';

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const MACHINE = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine' };
const cluster = { metadata: { namespace: 'ns', name: 'c1', uid: 'cluster-uid' } };
const log = silentLogger();

const machine = (name: string): KubeObject => ({ ...MACHINE, metadata: { namespace: 'ns', name } });
const lockMap = (fake: FakeClient) =>
  fake.get<KubeObject & { data?: Record<string, string> }>(CONFIG_MAP, { namespace: 'ns', name: 'c1-lock' });

describe('control plane init lock', () => {
  it('is a <cluster>-lock ConfigMap naming its holder, owned by the Cluster; one holder at a time', async () => {
    const fake = new FakeClient();
    await fake.create(machine('cp-0'));
    await fake.create(machine('cp-1'));
    const lock = new ControlPlaneInitLock(fake);

    assert.equal(await lock.lock(cluster, 'cp-0', log), true);
    const cm = await lockMap(fake);
    assert.deepEqual(cm.data, { 'lock-information': '{"machineName":"cp-0"}' });
    assert.equal(lockHolder(cm), 'cp-0');
    assert.deepEqual(cm.metadata.labels, { 'cluster.x-k8s.io/cluster-name': 'c1' });
    assert.deepEqual(cm.metadata.ownerReferences, [
      { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', name: 'c1', uid: 'cluster-uid' },
    ]);

    // The holder keeps it; another Machine waits.
    assert.equal(await lock.lock(cluster, 'cp-0', log), true);
    assert.equal(await lock.lock(cluster, 'cp-1', log), false);
    assert.equal(lockHolder(await lockMap(fake)), 'cp-0');

    // Released (the control plane is initialized, or the holder's rendering failed): the next one gets it.
    assert.equal(await lock.unlock(cluster, log), true);
    assert.equal(await lock.unlock(cluster, log), true);
    assert.equal(await lock.lock(cluster, 'cp-1', log), true);
    assert.equal(lockHolder(await lockMap(fake)), 'cp-1');
  });

  it('frees a lock whose holder Machine is gone, so another control plane Machine can initialize', async () => {
    const fake = new FakeClient();
    await fake.create(machine('cp-1'));
    const lock = new ControlPlaneInitLock(fake);
    assert.equal(await lock.lock(cluster, 'cp-0', log), true); // cp-0 took it, then was deleted.

    // The first try notices and releases the lock; the next takes it.
    assert.equal(await lock.lock(cluster, 'cp-1', log), false);
    await assert.rejects(lockMap(fake), { name: 'NotFoundError' });
    assert.equal(await lock.lock(cluster, 'cp-1', log), true);
  });

  it('does not remove a lock another Machine took after it was read', async () => {
    const fake = new FakeClient();
    const lock = new ControlPlaneInitLock(fake);
    assert.equal(await lock.lock(cluster, 'cp-0', log), true);
    // Between the read and the delete, the lock is replaced by a fresh one (new uid).
    const remove = fake.addReactor((request, f) => {
      if (request.verb !== 'delete') return;
      f.seed({
        ...CONFIG_MAP,
        metadata: { namespace: 'ns', name: 'c1-lock' },
        data: { 'lock-information': '{"machineName":"cp-2"}' },
      });
    });
    assert.equal(await lock.unlock(cluster, log), false);
    remove();
    assert.equal(lockHolder(await lockMap(fake)), 'cp-2');
  });
});
