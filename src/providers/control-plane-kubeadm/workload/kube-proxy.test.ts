import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { FakeClient } from '../../../controller-runtime/helpers/testing/fake-client.js';
import { KubeadmControlPlaneAnnotation } from '../api/index.js';
import { updateKubeProxyImage } from './kube-proxy.js';
import { kcp, kubeProxyDaemonSet } from './test-helpers.js';
import { isImageReferenceError } from './workload-errors.js';

const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet' };
const KEY = { namespace: 'kube-system', name: 'kube-proxy' };

function image(fake: FakeClient): string | undefined {
  const ds = fake.peek<KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } }>(
    DAEMON_SET,
    KEY,
  );
  return ds?.spec.template.spec.containers[0]?.image;
}

describe('updateKubeProxyImage', () => {
  it('retags the kube-proxy image to the KCP version, keeping its registry, once', async () => {
    const fake = new FakeClient();
    fake.seed(kubeProxyDaemonSet('registry.k8s.io/kube-proxy:v1.33.0'));
    assert.deepEqual(await updateKubeProxyImage(fake, kcp('v1.34.1')), { changed: true });
    assert.equal(image(fake), 'registry.k8s.io/kube-proxy:v1.34.1');
    fake.clearRequests();
    assert.deepEqual(await updateKubeProxyImage(fake, kcp('v1.34.1')), { changed: false });
    assert.deepEqual(fake.writes(), []);
  });

  it("moves it to the KCP's imageRepository and makes build metadata tag-safe", async () => {
    const fake = new FakeClient();
    fake.seed(kubeProxyDaemonSet('registry.k8s.io/kube-proxy:v1.33.0'));
    await updateKubeProxyImage(
      fake,
      kcp('v1.34.1+vendor.2', { clusterConfiguration: { imageRepository: 'mirror.example.com/k8s' } }),
    );
    assert.equal(image(fake), 'mirror.example.com/k8s/kube-proxy:v1.34.1_vendor.2');
  });

  it('leaves kube-proxy alone with the skip annotation, without a DaemonSet, and refuses a digest', async () => {
    const fake = new FakeClient();
    const skip = { [KubeadmControlPlaneAnnotation.SkipKubeProxy]: '' };
    assert.deepEqual(await updateKubeProxyImage(fake, kcp('v1.34.1')), { changed: false });
    fake.seed(kubeProxyDaemonSet('registry.k8s.io/kube-proxy:v1.33.0'));
    assert.deepEqual(await updateKubeProxyImage(fake, kcp('v1.34.1', undefined, skip)), { changed: false });
    assert.equal(image(fake), 'registry.k8s.io/kube-proxy:v1.33.0');
    fake.seed(kubeProxyDaemonSet(`registry.k8s.io/kube-proxy@sha256:${'c'.repeat(64)}`));
    await assert.rejects(updateKubeProxyImage(fake, kcp('v1.34.1')), isImageReferenceError);
  });
});
