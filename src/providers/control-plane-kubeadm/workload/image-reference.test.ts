import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baseNameOf,
  parseImageReference,
  repositoryOf,
  semverToImageTag,
  withImageRepository,
  withImageTag,
} from './image-reference.js';
import { isImageReferenceError } from './workload-errors.js';

describe('image references', () => {
  it('splits registry path, name, tag and digest', () => {
    const ref = parseImageReference('registry.k8s.io/coredns/coredns:v1.12.0');
    assert.deepEqual(ref, { name: 'registry.k8s.io/coredns/coredns', tag: 'v1.12.0' });
    assert.equal(repositoryOf(ref), 'registry.k8s.io/coredns');
    assert.equal(baseNameOf(ref), 'coredns');
    assert.deepEqual(parseImageReference('localhost:5000/kube-proxy:v1.33.0@sha256:' + 'a'.repeat(64)), {
      name: 'localhost:5000/kube-proxy',
      tag: 'v1.33.0',
      digest: 'sha256:' + 'a'.repeat(64),
    });
    assert.deepEqual(parseImageReference('kube-proxy'), { name: 'kube-proxy' });
  });

  it('refuses what is not an image reference', () => {
    for (const bad of ['', 'Registry/UPPER:v1', 'repo:tag with space', 'repo@sha256:short']) {
      assert.throws(() => parseImageReference(bad), isImageReferenceError, bad);
    }
  });

  it('retags with the version made tag-safe, but not an image pinned by digest', () => {
    assert.equal(semverToImageTag('v1.34.0+build.1'), 'v1.34.0_build.1');
    assert.equal(
      withImageTag('registry.k8s.io/kube-proxy:v1.33.0', 'v1.34.0'),
      'registry.k8s.io/kube-proxy:v1.34.0',
    );
    assert.equal(
      withImageTag('registry.k8s.io/kube-proxy', 'v1.34.0+abc'),
      'registry.k8s.io/kube-proxy:v1.34.0_abc',
    );
    assert.throws(
      () => withImageTag('registry.k8s.io/kube-proxy@sha256:' + 'b'.repeat(64), 'v1.34.0'),
      (err: unknown) => isImageReferenceError(err) && /digest/.test(err.message),
    );
  });

  it('moves an image to another repository, keeping its name and tag', () => {
    assert.equal(
      withImageRepository('registry.k8s.io/kube-proxy:v1.34.0', 'mirror.example.com:5000/k8s/'),
      'mirror.example.com:5000/k8s/kube-proxy:v1.34.0',
    );
    assert.throws(() => withImageRepository('registry.k8s.io/kube-proxy', 'x.io'), isImageReferenceError);
  });
});
