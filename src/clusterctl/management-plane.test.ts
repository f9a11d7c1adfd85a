import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ManagementPlaneUnreachableError } from './errors.js';
import { connectManagementPlane, findManagementPlane } from './management-plane.js';

/** A kubeconfig pointing at `server`, with a namespace on its context. */
function kubeconfig(dir: string, name: string, server: string, namespace = 'default'): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: ${server}, insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u, namespace: ${namespace} } }]
current-context: x
`,
  );
  return file;
}

/** A data directory as `capi up` leaves it; `running` writes a store lock held by this (live) process. */
function dataDir(root: string, running: boolean): string {
  const dir = path.join(root, running ? 'running' : 'stopped');
  mkdirSync(path.join(dir, 'store'), { recursive: true });
  kubeconfig(dir, 'kubeconfig', running ? 'https://127.0.0.1:7001' : 'https://127.0.0.1:7002');
  if (running) writeFileSync(path.join(dir, 'store', 'LOCK'), `${process.pid}\n`);
  return dir;
}

describe('finding the management plane', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'capi-mp-'));
  const home = path.join(root, 'home');
  mkdirSync(path.join(home, '.kube'), { recursive: true });
  kubeconfig(path.join(home, '.kube'), 'config', 'https://home.example:6443', 'team-a');
  const flag = kubeconfig(root, 'flag', 'https://flag.example:6443');
  const fromEnv = kubeconfig(root, 'env', 'https://env.example:6443');
  const running = dataDir(root, true);
  const stopped = dataDir(root, false);

  it('takes --kubeconfig first, then $KUBECONFIG', () => {
    const env = { HOME: home, KUBECONFIG: fromEnv };
    assert.equal(
      findManagementPlane({ kubeconfig: flag, dataDir: running, env }).config.server,
      'https://flag.example:6443',
    );
    const found = findManagementPlane({ dataDir: running, env });
    assert.equal(found.config.server, 'https://env.example:6443');
    assert.match(found.source, /^\$KUBECONFIG /);
  });

  it('then the kubeconfig of a capi up that is running on the data directory', () => {
    const found = findManagementPlane({ dataDir: running, env: { HOME: home } });
    assert.equal(found.config.server, 'https://127.0.0.1:7001');
    assert.equal(found.source, `capi up (${path.join(running, 'kubeconfig')})`);
    // $CAPI_HOME names the data directory when --data-dir does not.
    assert.equal(
      findManagementPlane({ env: { HOME: home, CAPI_HOME: running } }).config.server,
      'https://127.0.0.1:7001',
    );
  });

  it('skips a data directory no process serves, falling back to ~/.kube/config and its namespace', () => {
    const found = findManagementPlane({ dataDir: stopped, env: { HOME: home } });
    assert.equal(found.config.server, 'https://home.example:6443');
    assert.equal(found.config.namespace, 'team-a');
  });

  it('fails with one line naming the server and where its kubeconfig came from when nothing answers', async () => {
    const dead = kubeconfig(root, 'dead', 'https://127.0.0.1:9');
    await assert.rejects(
      connectManagementPlane({ kubeconfig: dead, env: { HOME: home } }),
      (err: unknown) => {
        assert.ok(err instanceof ManagementPlaneUnreachableError);
        assert.match(
          err.message,
          new RegExp(
            `^cannot reach the management plane at https://127.0.0.1:9 \\(kubeconfig: --kubeconfig ${dead}\\): .*ECONNREFUSED.* — is it running\\? \\(start one with: capi up\\)$`,
          ),
        );
        assert.doesNotMatch(err.message, /\n/);
        return true;
      },
    );
  });
});
