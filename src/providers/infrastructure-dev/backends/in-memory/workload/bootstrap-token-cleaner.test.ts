import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BootstrapTokenCleaner } from './bootstrap-token-cleaner.js';
import { scope, useTestCluster, waitFor } from './test-support.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('BootstrapTokenCleaner', () => {
  const cluster = useTestCluster((server) => {
    const cleaner = new BootstrapTokenCleaner(server.registry, server.catalog);
    cleaner.start();
    return cleaner;
  });

  const token = (id: string, expiresInMs: number, type = 'bootstrap.kubernetes.io/token') => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type,
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    data: {
      'token-id': b64(id),
      'token-secret': b64('0123456789abcdef'),
      expiration: b64(new Date(Date.now() + expiresInMs).toISOString().replace(/\.\d{3}Z$/, 'Z')),
      'usage-bootstrap-authentication': b64('true'),
    },
  });

  it('deletes an expired token, keeps one whose expiration was pushed out, and ignores other Secrets', async () => {
    const secrets = cluster.def('', 'v1', 'secrets');
    const registry = cluster.registry;
    const exists = (name: string) => !!registry.tryGet(secrets, 'kube-system', name);
    await registry.create(secrets, 'kube-system', token('aaaaaa', 1000), scope);
    await registry.create(secrets, 'kube-system', token('bbbbbb', 1000), scope);
    await registry.create(secrets, 'kube-system', token('cccccc', -1000, 'Opaque'), scope);
    // CABPK refreshes bbbbbb before it expires.
    const stored = registry.get(secrets, 'kube-system', 'bootstrap-token-bbbbbb');
    const refreshed = token('bbbbbb', 60_000);
    await registry.update(
      secrets,
      'kube-system',
      'bootstrap-token-bbbbbb',
      {
        ...refreshed,
        metadata: { ...refreshed.metadata, resourceVersion: stored.metadata!.resourceVersion },
      },
      scope,
    );
    await waitFor('the expired token deleted', () => !exists('bootstrap-token-aaaaaa'));
    assert.equal(exists('bootstrap-token-bbbbbb'), true, 'the refreshed token stays');
    assert.equal(exists('bootstrap-token-cccccc'), true, 'not a bootstrap token');
  });
});
