import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClient } from '../../../controller-runtime/helpers/testing/fake-client.js';
import { ensureKubeadmPermissions, KUBELET_API_ADMIN_CLUSTER_ROLE_BINDING } from './kubeadm-rbac.js';

const CRB = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' };

describe('ensureKubeadmPermissions', () => {
  it("creates kubeadm 1.37's kubelet API binding for targets below 1.38, and leaves an existing one", async () => {
    const fake = new FakeClient();
    assert.deepEqual(await ensureKubeadmPermissions(fake, 'v1.37.0-rc.1'), { changed: true });
    const crb = fake.peek(CRB, { name: KUBELET_API_ADMIN_CLUSTER_ROLE_BINDING });
    assert.deepEqual(crb?.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'system:kubelet-api-admin',
    });
    assert.deepEqual(crb?.subjects, [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kube-apiserver-kubelet-client' },
    ]);
    fake.clearRequests();
    assert.deepEqual(await ensureKubeadmPermissions(fake, 'v1.37.0'), { changed: false });
    assert.deepEqual(fake.writes(), []);
  });

  it('creates nothing from 1.38 on', async () => {
    const fake = new FakeClient();
    assert.deepEqual(await ensureKubeadmPermissions(fake, 'v1.38.0-alpha.0'), { changed: false });
    assert.deepEqual(fake.requests, []);
  });
});
