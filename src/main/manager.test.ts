import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { Registry } from 'prom-client';
import { startEmbeddedApiServer, type EmbeddedApiServer } from '../apiserver/embedded/embedded-api-server.js';
import type { KubeObject } from '../controller-runtime/api/object.js';
import { KubeClient } from '../controller-runtime/client/kube-client.js';
import { silentLogger } from '../controller-runtime/log/logger.js';
import { CertificateAuthority } from '../pki/index.js';
import { clusterApiCrds } from './crds.js';
import { installCrds } from './install-crds.js';
import { LEADER_ELECTION_ID, parseBindAddress, runManager } from './manager.js';

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function httpStatus(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

/** The certificate a TLS server presents, checked against `caPem` (the handshake fails otherwise). */
function servedCertificate(url: string, caPem: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: caPem, servername: 'localhost' }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('parseBindAddress', () => {
  it('reads controller-runtime bind addresses', () => {
    assert.deepEqual(parseBindAddress(':8080'), { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(parseBindAddress('127.0.0.1:9440'), { host: '127.0.0.1', port: 9440 });
    assert.deepEqual(parseBindAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.equal(parseBindAddress('0'), false);
    assert.throws(() => parseBindAddress('8080'), /invalid bind address "8080"/);
  });
});

describe('runManager against an API server', () => {
  let dir: string;
  let server: EmbeddedApiServer;
  let client: KubeClient;
  let caPem: string;
  let leafFingerprint: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'capi-manager-'));
    server = await startEmbeddedApiServer({ dataDir: dir, host: '127.0.0.1', port: 0, inMemory: true });
    client = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
    await installCrds(client, clusterApiCrds());
    const ca = await CertificateAuthority.create({ commonName: 'webhook-ca', keyAlgorithm: 'ECDSA-P256' });
    const leaf = await ca.issue({ commonName: 'localhost', dnsNames: ['localhost'], usages: ['server'] });
    caPem = ca.certificatePem;
    leafFingerprint = leaf.certificate.fingerprint256;
    await writeFile(path.join(dir, 'tls.crt'), leaf.certificatePem);
    await writeFile(path.join(dir, 'tls.key'), leaf.privateKeyPem);
  });

  after(async () => {
    client.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('wins the lease, reconciles, serves webhooks, metrics and probes, and stops on its signal', async () => {
    const stop = new AbortController();
    const running = await runManager({
      kubeconfigPath: server.paths.kubeconfig,
      webhookHost: '127.0.0.1',
      webhookPort: 0,
      certDir: dir,
      metricsBindAddress: '127.0.0.1:0',
      healthProbeBindAddress: '127.0.0.1:0',
      leaderElectionNamespace: 'kube-system',
      signal: stop.signal,
      logger: silentLogger(),
      env: {},
    });
    try {
      assert.equal(await servedCertificate(running.webhookUrl, caPem), leafFingerprint);
      assert.equal(await httpStatus(`${running.probeUrl!}/healthz`), 200);
      await eventually('readyz 200', async () =>
        (await httpStatus(`${running.probeUrl!}/readyz`)) === 200 ? true : undefined,
      );
      const lease = await eventually('the leader lease', async () => {
        const l = await client.get<KubeObject & { spec?: { holderIdentity?: string } }>(
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
          { namespace: 'kube-system', name: LEADER_ELECTION_ID },
        );
        return l.spec?.holderIdentity ? l : undefined;
      });
      assert.equal(lease.spec?.holderIdentity, running.manager.identity);

      // Core and the dev provider both run: the Cluster controller adopts the DevCluster, which then gets
      // the dev provider's finalizer.
      await client.create({
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'Cluster',
        metadata: { name: 'c1', namespace: 'default' },
        spec: {
          infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name: 'c1' },
        },
      });
      await client.create({
        apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
        kind: 'DevCluster',
        metadata: { name: 'c1', namespace: 'default' },
        spec: { backend: { inMemory: {} } },
      });
      const finalizers = await eventually('the DevCluster finalizer', async () => {
        const dc = await client.get(
          { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2', kind: 'DevCluster' },
          { namespace: 'default', name: 'c1' },
        );
        return dc.metadata.finalizers?.length ? dc.metadata.finalizers : undefined;
      });
      assert.deepEqual(finalizers, ['dockercluster.infrastructure.cluster.x-k8s.io']);
      const metrics = await (await fetch(`${running.metricsUrl!}/metrics`)).text();
      assert.match(metrics, /controller_runtime_reconcile_total\{controller="devcluster"/i);
    } finally {
      // Let the controllers finish with the cluster before the manager stops.
      await client
        .delete({
          apiVersion: 'cluster.x-k8s.io/v1beta2',
          kind: 'Cluster',
          metadata: { name: 'c1', namespace: 'default' },
        })
        .catch(() => undefined);
      stop.abort();
      await running.done;
    }
    // Released on a clean shutdown, so a standby takes over at once; the probe port is closed.
    const released = await client.get<KubeObject & { spec?: { holderIdentity?: string } }>(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
      { namespace: 'kube-system', name: LEADER_ELECTION_ID },
    );
    assert.ok(!released.spec?.holderIdentity, 'the lease is released');
    await assert.rejects(httpStatus(`${running.probeUrl!}/healthz`));
  });

  it('fails at start when the certificate directory has no serving certificate', async () => {
    await assert.rejects(
      runManager({
        kubeconfigPath: server.paths.kubeconfig,
        webhookPort: 0,
        certDir: path.join(dir, 'missing'),
        metricsBindAddress: '0',
        healthProbeBindAddress: '0',
        leaderElect: false,
        logger: silentLogger(),
        registry: new Registry(),
      }),
      /ENOENT.*tls\.(crt|key)/,
    );
  });
});
