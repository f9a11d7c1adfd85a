// `capi webhooks serve` as a real management cluster would call it: AdmissionReview v1 over HTTPS.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../src/cli/program.js';
import type { AdmissionReview } from '../../src/controller-runtime/webhook/webhook-server.js';
import { CertificateAuthority } from '../../src/pki/index.js';
import { startTestApiServer, type TestApiServer } from '../controller-runtime/helpers/api-server.js';

describe('capi webhooks serve / manifests', () => {
  let api: TestApiServer;
  let certDir: string;
  let ca: CertificateAuthority;
  const stop = new AbortController();
  let running: Promise<number>;
  let url = '';
  let out = '';

  const review = async (
    urlPath: string,
    request: AdmissionReview['request'],
  ): Promise<AdmissionReview['response']> => {
    const target = new URL(urlPath, url);
    const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });
    const text = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        target,
        { method: 'POST', ca: ca.certificatePem, headers: { 'Content-Type': 'application/json' } },
        (res) => {
          let data = '';
          res.on('data', (c: Buffer) => (data += c.toString()));
          res.on('end', () => resolve(data));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    return (JSON.parse(text) as AdmissionReview).response;
  };

  before(async () => {
    api = await startTestApiServer();
    certDir = await mkdtemp(path.join(tmpdir(), 'capi-webhook-certs-'));
    ca = await CertificateAuthority.create({ commonName: 'webhook-ca' });
    const cert = await ca.issue({
      commonName: 'capi-webhook-service',
      ipAddresses: ['127.0.0.1'],
      usages: ['server'],
    });
    await writeFile(path.join(certDir, 'tls.crt'), cert.certificatePem);
    await writeFile(path.join(certDir, 'tls.key'), cert.privateKeyPem, { mode: 0o600 });
    await writeFile(path.join(certDir, 'ca.crt'), ca.certificatePem);
    running = runCli(
      [
        'webhooks',
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--cert-dir',
        certDir,
        '--kubeconfig',
        api.kubeconfigPath,
      ],
      { stdout: (t) => (out += t), stderr: (t) => (out += t), signal: stop.signal },
    );
    for (let i = 0; i < 400 && !url; i++) {
      url = /serving at (https:\/\/\S+)/.exec(out)?.[1] ?? '';
      if (!url) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(url, `no serving line: ${out}`);
  });
  after(async () => {
    stop.abort();
    assert.equal(await running, 0, out);
    await api?.stop();
    await rm(certDir, { recursive: true, force: true });
  });

  it('defaults a Machine with a JSON patch and refuses an even KubeadmControlPlane with 422', async () => {
    const machine = {
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Machine',
      metadata: { name: 'm', namespace: 'default' },
      spec: {
        clusterName: 'c1',
        version: '1.33.0',
        bootstrap: { dataSecretName: 's' },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: 'm' },
      },
    };
    const mutated = await review('/mutate-cluster-x-k8s-io-v1beta2-machine', {
      uid: '1',
      operation: 'CREATE',
      object: machine,
    });
    assert.equal(mutated?.allowed, true);
    const patch = JSON.parse(Buffer.from(mutated?.patch ?? '', 'base64').toString()) as {
      path: string;
      value: unknown;
    }[];
    assert.ok(
      patch.some((p) => p.path === '/spec/version' && p.value === 'v1.33.0'),
      JSON.stringify(patch),
    );
    assert.ok(
      patch.some((p) => p.path.startsWith('/metadata/labels')),
      JSON.stringify(patch),
    );

    const kcp = {
      apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
      kind: 'KubeadmControlPlane',
      metadata: { name: 'cp', namespace: 'default' },
      spec: {
        replicas: 2,
        version: 'v1.33.0',
        machineTemplate: {
          spec: {
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: 't',
            },
          },
        },
        kubeadmConfigSpec: { format: 'cloud-config' },
      },
    };
    const denied = await review('/validate-controlplane-cluster-x-k8s-io-v1beta2-kubeadmcontrolplane', {
      uid: '2',
      operation: 'CREATE',
      name: 'cp',
      object: kcp,
    });
    assert.equal(denied?.allowed, false);
    assert.equal(denied?.status?.code, 422);
    assert.ok(
      denied?.status?.details?.causes?.some((c) => c.field === 'spec.replicas'),
      JSON.stringify(denied?.status),
    );
  });

  it('prints webhook configurations for those paths', async () => {
    let yaml = '';
    const code = await runCli(
      [
        'webhooks',
        'manifests',
        '--ca-file',
        path.join(certDir, 'ca.crt'),
        '--service-namespace',
        'capi-system',
        '--service-name',
        'capi-webhook-service',
      ],
      { stdout: (t) => (yaml += t), stderr: (t) => (yaml += t) },
    );
    assert.equal(code, 0, yaml);
    const docs = parseAllDocuments(yaml).map(
      (d) =>
        d.toJS() as {
          kind: string;
          webhooks: { name: string; clientConfig: { service: { path: string } } }[];
        },
    );
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    );
    const names = docs[1]?.webhooks.map((w) => w.name) ?? [];
    assert.ok(
      names.includes('validation.kubeadmcontrolplane.controlplane.cluster.x-k8s.io'),
      names.join(', '),
    );
    assert.ok(names.includes('validation.machine.cluster.x-k8s.io'));
    assert.ok(
      docs[0]?.webhooks.some(
        (w) => w.clientConfig.service.path === '/mutate-cluster-x-k8s-io-v1beta2-machine',
      ),
    );
    let err = '';
    assert.equal(
      await runCli(['webhooks', 'manifests', '--ca-file', path.join(certDir, 'ca.crt')], {
        stdout: () => undefined,
        stderr: (t) => (err += t),
      }),
      1,
    );
    assert.match(err, /either a service .* or a url/);
  });
});
