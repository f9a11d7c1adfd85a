import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { InvalidKubeconfigError } from '../../pki/index.js';
import { loadRestConfig } from './rest-config.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function kubeconfig(opts: {
  current?: string;
  clusters?: Record<string, Record<string, unknown>>;
  users?: Record<string, Record<string, unknown>>;
  contexts?: Record<string, Record<string, unknown>>;
}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': opts.current ?? '',
    clusters: Object.entries(opts.clusters ?? {}).map(([name, cluster]) => ({ name, cluster })),
    users: Object.entries(opts.users ?? {}).map(([name, user]) => ({ name, user })),
    contexts: Object.entries(opts.contexts ?? {}).map(([name, context]) => ({ name, context })),
  });
}

describe('loadRestConfig', () => {
  it('reads the current context with inline data, and file references relative to the kubeconfig', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'restcfg-'));
    await mkdir(path.join(dir, 'certs'));
    await writeFile(path.join(dir, 'certs', 'ca.crt'), 'CA-FROM-FILE');
    await writeFile(path.join(dir, 'certs', 'client.key'), 'KEY-FROM-FILE');
    const file = path.join(dir, 'config');
    await writeFile(
      file,
      kubeconfig({
        current: 'inline',
        clusters: {
          a: {
            server: 'https://a.example:6443',
            'certificate-authority-data': b64('CA-INLINE'),
            'tls-server-name': 'kube',
          },
          b: { server: 'https://b.example:6443', 'certificate-authority': 'certs/ca.crt' },
        },
        users: {
          certs: { 'client-certificate-data': b64('CERT'), 'client-key': 'certs/client.key' },
          tok: { token: 'abc' },
        },
        contexts: {
          inline: { cluster: 'a', user: 'certs', namespace: 'team' },
          files: { cluster: 'b', user: 'tok' },
        },
      }),
    );
    const current = loadRestConfig({ kubeconfigPath: file, env: {} });
    assert.equal(current.server, 'https://a.example:6443');
    assert.equal(current.caPem, 'CA-INLINE');
    assert.equal(current.clientCertificatePem, 'CERT');
    assert.equal(current.clientKeyPem, 'KEY-FROM-FILE');
    assert.equal(current.tlsServerName, 'kube');
    assert.equal(current.namespace, 'team');
    const other = loadRestConfig({ kubeconfigPath: file, context: 'files', env: {} });
    assert.equal(other.caPem, 'CA-FROM-FILE');
    assert.equal(other.token, 'abc');
    assert.equal(other.namespace, 'default');
  });

  it('merges a $KUBECONFIG list: the first file to define a name wins', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'restcfg-'));
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    await writeFile(first, kubeconfig({ current: 'ctx', clusters: { c: { server: 'https://first:1' } } }));
    await writeFile(
      second,
      kubeconfig({
        current: 'ignored',
        clusters: { c: { server: 'https://second:2' } },
        users: { u: { token: 't2' } },
        contexts: { ctx: { cluster: 'c', user: 'u' } },
      }),
    );
    const missing = path.join(dir, 'missing');
    const config = loadRestConfig({ env: { KUBECONFIG: [missing, first, second].join(path.delimiter) } });
    assert.equal(config.server, 'https://first:1');
    assert.equal(config.token, 't2');
  });

  it('uses the in-cluster service account when there is no kubeconfig', async () => {
    const sa = await mkdtemp(path.join(tmpdir(), 'sa-'));
    await writeFile(path.join(sa, 'token'), 'sa-token\n');
    await writeFile(path.join(sa, 'ca.crt'), 'CLUSTER-CA');
    await writeFile(path.join(sa, 'namespace'), 'capi-system');
    const config = loadRestConfig({
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: sa },
      serviceAccountDir: sa,
    });
    assert.equal(config.server, 'https://10.96.0.1:443');
    assert.equal(config.caPem, 'CLUSTER-CA');
    assert.equal(config.tokenFile, path.join(sa, 'token'));
    assert.equal(config.namespace, 'capi-system');
  });

  it('fails with the file and field named', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'restcfg-'));
    const file = path.join(dir, 'config');
    await writeFile(
      file,
      kubeconfig({
        current: 'x',
        clusters: { c: { server: 'https://c:1' } },
        users: { u: { exec: { command: 'aws' } } },
        contexts: { x: { cluster: 'c', user: 'u' } },
      }),
    );
    assert.throws(
      () => loadRestConfig({ kubeconfigPath: file, env: {} }),
      (err) =>
        err instanceof InvalidKubeconfigError &&
        err.message.includes(file) &&
        /exec plugins/.test(err.message),
    );
    assert.throws(
      () => loadRestConfig({ kubeconfigPath: file, context: 'nope', env: {} }),
      /no context named "nope"/,
    );
    assert.throws(() => loadRestConfig({ env: { HOME: dir } }), /no kubeconfig found/);
  });
});
