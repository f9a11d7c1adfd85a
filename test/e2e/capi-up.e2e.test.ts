import assert from 'node:assert/strict';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startCapiUp } from './helpers/capi-process.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';

const KUBECTL = findKubectl('kubectl.1.32') ?? findKubectl('kubectl');

describe('capi up', { skip: KUBECTL ? false : 'no kubectl on this machine' }, () => {
  it('starts, serves kubectl, stops on SIGTERM and keeps every object and resourceVersion across restarts', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-up-'));
    const first = await startCapiUp(dataDir);
    assert.match(first.readyLine, /^capi management plane ready at https:\/\/127\.0\.0\.1:\d+ in \d+\.\d\ds/);
    assert.equal(first.kubeconfig, path.join(dataDir, 'kubeconfig'));
    // Credentials are owner-only.
    assert.equal((await stat(first.kubeconfig)).mode & 0o077, 0);
    assert.equal((await stat(path.join(dataDir, 'pki', 'ca.key'))).mode & 0o077, 0);

    const k = await Kubectl.create(KUBECTL!, first.kubeconfig);
    const namespaces = await k.ok(['get', 'namespaces', '-o', 'name']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      assert.match(namespaces, new RegExp(`^namespace/${ns}$`, 'm'));
    // kube-apiserver's own Service, as on every cluster.
    assert.equal(
      await k.ok([
        'get',
        'service',
        'kubernetes',
        '-n',
        'default',
        '-o',
        'jsonpath={.spec.clusterIP} {.spec.ports[0].port}',
      ]),
      '10.96.0.1 443',
    );
    await k.ok(['create', 'configmap', 'keep-me', '--from-literal=answer=42']);
    const rv = await k.ok(['get', 'cm', 'keep-me', '-o', 'jsonpath={.metadata.resourceVersion}']);
    const uid = await k.ok(['get', 'cm', 'keep-me', '-o', 'jsonpath={.metadata.uid}']);

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());
    // No Node.js warnings on the user's terminal (a listener count past the default limit warned once).
    assert.doesNotMatch(first.output(), /Warning:/);
    assert.match(first.output(), /capi: stopping/);

    const second = await startCapiUp(dataDir);
    try {
      const k2 = await Kubectl.create(KUBECTL!, second.kubeconfig);
      assert.equal(
        await k2.ok([
          'get',
          'cm',
          'keep-me',
          '-o',
          'jsonpath={.data.answer}/{.metadata.resourceVersion}/{.metadata.uid}',
        ]),
        `42/${rv}/${uid}`,
      );
      await k2.ok(['create', 'configmap', 'after-restart', '--from-literal=a=b']);
      const rv2 = Number(
        await k2.ok(['get', 'cm', 'after-restart', '-o', 'jsonpath={.metadata.resourceVersion}']),
      );
      assert.ok(rv2 > Number(rv), `resourceVersion went backwards: ${rv2} <= ${rv}`);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('refuses a second server on the same data directory with a clear error', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-up-lock-'));
    const first = await startCapiUp(dataDir);
    try {
      await assert.rejects(startCapiUp(dataDir, [], 15_000), /exited \(1\)[\s\S]*locked|in use/i);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });
});
