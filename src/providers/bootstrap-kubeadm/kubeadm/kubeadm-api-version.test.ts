import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isInvalidKubernetesVersion,
  isUnsupportedKubernetesVersion,
  KubeadmAPIVersion,
  kubeadmAPIVersionFor,
} from './index.js';

describe('kubeadmAPIVersionFor', () => {
  it('refuses Kubernetes versions older than v1.22, as upstream does', () => {
    for (const version of ['v1.12.0', '1.14.99', 'v1.21.14']) {
      assert.throws(() => kubeadmAPIVersionFor(version), isUnsupportedKubernetesVersion, version);
    }
  });

  it('writes v1beta3 from v1.22 up to v1.30, counting a pre-release as its release', () => {
    for (const version of ['v1.22.0-alpha.0.734+ba502ee555924a', '1.22.0', 'v1.23.99', 'v1.30.14']) {
      assert.equal(kubeadmAPIVersionFor(version), KubeadmAPIVersion.V1Beta3, version);
    }
  });

  it('writes v1beta4 from v1.31 on, including versions newer than any known mapping', () => {
    for (const version of ['v1.31.0-rc.0', 'v1.31.0', 'v1.33.4', 'v1.34.0', 'v1.34', '99.99.99']) {
      assert.equal(kubeadmAPIVersionFor(version), KubeadmAPIVersion.V1Beta4, version);
    }
  });

  it('refuses a version that is not one with a typed error', () => {
    assert.throws(() => kubeadmAPIVersionFor('latest'), isInvalidKubernetesVersion);
    assert.throws(() => kubeadmAPIVersionFor(''), isInvalidKubernetesVersion);
  });
});
