import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/controller-runtime/log/logger.js';
import { LEADER_ELECTION_ID, runManager } from '../../src/main/manager.js';
import { CertificateAuthority } from '../../src/pki/index.js';
import { clusterApiCrds } from '../../src/main/crds.js';
import { installCrds } from '../../src/main/install-crds.js';
import { startTestApiServer, type TestApiServer } from '../controller-runtime/helpers/api-server.js';

interface Pem {
  certificatePem: string;
  privateKeyPem: string;
}

/** GET over HTTPS, trusting `caPem` for the server, optionally presenting a client certificate. */
function httpsGet(
  url: string,
  options: { ca: string; client?: Pem; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        ca: options.ca,
        ...(options.client ? { cert: options.client.certificatePem, key: options.client.privateKeyPem } : {}),
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

describe('capi manager serves the dashboard', () => {
  let api: TestApiServer;
  let dir: string;
  let serverCa: CertificateAuthority;
  let clientCa: CertificateAuthority;
  let clientCert: Pem;
  let strangerCert: Pem;

  before(async () => {
    api = await startTestApiServer();
    await installCrds(api.client, clusterApiCrds());
    dir = await mkdtemp(path.join(tmpdir(), 'capi-dashboard-manager-'));
    serverCa = await CertificateAuthority.create({ commonName: 'serving-ca', keyAlgorithm: 'ECDSA-P256' });
    const serving = await serverCa.issue({
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usages: ['server'],
    });
    await writeFile(path.join(dir, 'tls.crt'), serving.certificatePem);
    await writeFile(path.join(dir, 'tls.key'), serving.privateKeyPem);
    clientCa = await CertificateAuthority.create({
      commonName: 'dashboard-users',
      keyAlgorithm: 'ECDSA-P256',
    });
    await writeFile(path.join(dir, 'client-ca.crt'), clientCa.certificatePem);
    clientCert = await clientCa.issue({ commonName: 'alice', usages: ['client'] });
    const stranger = await CertificateAuthority.create({
      commonName: 'elsewhere',
      keyAlgorithm: 'ECDSA-P256',
    });
    strangerCert = await stranger.issue({ commonName: 'mallory', usages: ['client'] });
    await writeFile(path.join(dir, 'token'), 'operator-chosen-token\n');
  });
  after(async () => {
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('over HTTPS: a client certificate of the client CA gets in, a stranger does not; the token works; no lease needed', async () => {
    // Another replica holds the lease for an hour: this one never leads, and serves the dashboard anyway.
    const microTime = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    await api.client.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: LEADER_ELECTION_ID, namespace: 'kube-system' },
      spec: {
        holderIdentity: 'the-other-replica',
        leaseDurationSeconds: 3600,
        acquireTime: microTime,
        renewTime: microTime,
      },
    });
    const running = await runManager({
      kubeconfigPath: api.kubeconfigPath,
      webhookHost: '127.0.0.1',
      webhookPort: 0,
      certDir: dir,
      metricsBindAddress: '0',
      healthProbeBindAddress: '0',
      dashboardAddress: '127.0.0.1:0',
      dashboardCertDir: dir,
      dashboardClientCaFile: path.join(dir, 'client-ca.crt'),
      dashboardTokenFile: path.join(dir, 'token'),
      leaderElectionNamespace: 'kube-system',
      logger: silentLogger(),
      registry: new Registry(),
      env: {},
    });
    try {
      const dashboard = running.dashboard!;
      assert.match(dashboard.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal(dashboard.generatedToken, false);
      assert.equal(dashboard.urlWithToken, `${dashboard.url}?token=operator-chosen-token`);
      assert.equal(running.manager.isLeader, false);

      const ca = serverCa.certificatePem;
      const withCert = await httpsGet(dashboard.url, { ca, client: clientCert });
      assert.equal(withCert.status, 200);
      assert.match(withCert.body, /<table id="fleet">/);
      assert.equal((await httpsGet(`${dashboard.url}events`, { ca, client: strangerCert })).status, 401);
      assert.equal((await httpsGet(dashboard.url, { ca })).status, 401);
      const bearer = { Authorization: 'Bearer operator-chosen-token' };
      assert.equal((await httpsGet(dashboard.url, { ca, headers: bearer })).status, 200);
      const stranger = await httpsGet(dashboard.url, { ca, client: strangerCert, headers: bearer });
      assert.equal(stranger.status, 200, 'a certificate the CA did not sign does not spoil a good token');
    } finally {
      await running.stop();
    }
  });

  it('takes the token from CAPI_DASHBOARD_TOKEN, or makes one; off unless --dashboard-address is given', async () => {
    const common = {
      kubeconfigPath: api.kubeconfigPath,
      webhookHost: '127.0.0.1',
      webhookPort: 0,
      certDir: dir,
      metricsBindAddress: '0',
      healthProbeBindAddress: '0',
      leaderElect: false,
      logger: silentLogger(),
    };
    const fromEnv = await runManager({
      ...common,
      registry: new Registry(),
      dashboardAddress: '127.0.0.1:0',
      env: { CAPI_DASHBOARD_TOKEN: 'from-the-environment' },
    });
    try {
      const url = fromEnv.dashboard!.url;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal(fromEnv.dashboard!.generatedToken, false);
      const ok = await fetch(url, { headers: { Authorization: 'Bearer from-the-environment' } });
      assert.equal(ok.status, 200);
      assert.equal((await fetch(url)).status, 401);
    } finally {
      await fromEnv.stop();
    }

    const generated = await runManager({
      ...common,
      registry: new Registry(),
      dashboardAddress: '127.0.0.1:0',
      env: {},
    });
    try {
      assert.equal(generated.dashboard!.generatedToken, true);
      const redirect = await fetch(generated.dashboard!.urlWithToken, { redirect: 'manual' });
      assert.equal(redirect.status, 303);
    } finally {
      await generated.stop();
    }

    const off = await runManager({ ...common, registry: new Registry(), env: {} });
    try {
      assert.equal(off.dashboard, undefined);
    } finally {
      await off.stop();
    }

    await assert.rejects(
      runManager({
        ...common,
        registry: new Registry(),
        env: {},
        dashboardAddress: '127.0.0.1:0',
        dashboardClientCaFile: path.join(dir, 'client-ca.crt'),
      }),
      /--dashboard-client-ca-file needs --dashboard-cert-dir/,
    );
  });
});
