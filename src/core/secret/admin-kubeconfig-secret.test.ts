import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { FakeClient } from '../../controller-runtime/helpers/testing/fake-client.js';
import {
  CertificateAuthority,
  inspectCertificate,
  isIssuedBy,
  parseKubeconfig,
  resolveKubeconfig,
} from '../../pki/index.js';
import {
  kubectlGetVersion,
  openssl,
  type Scratch,
  scratch,
  startTlsServer,
  type TlsServer,
  VERSION_BODY,
} from '../../pki/test-helpers.js';
import {
  createAdminKubeconfigSecret,
  endpointUrl,
  KUBECONFIG_ROTATION_THRESHOLD_MS,
  kubeconfigNeedsRotation,
  reconcileAdminKubeconfigSecret,
  regenerateAdminKubeconfigSecret,
} from './admin-kubeconfig-secret.js';
import { ClusterCertificates } from './cluster-certificates.js';
import { type ClusterSecret, SecretType, secretText } from './cluster-secret.js';
import {
  type ClusterSecretError,
  isInvalidClusterSecret,
  isUnmanagedSecret,
} from './cluster-secret-errors.js';

const NS = 'ns';
const CLUSTER = { namespace: NS, name: 'c1' };
const DAY_MS = 24 * 60 * 60 * 1000;
const ENDPOINT = { host: 'c1.example.com', port: 6443 };
const KCP = {
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlane',
  metadata: { name: 'c1-cp', namespace: NS, uid: 'uid-kcp' },
};
const CLUSTER_OBJECT = {
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Cluster',
  metadata: { name: 'c1', namespace: NS, uid: 'uid-cluster' },
};
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const daysAgo = (days: number): Date => new Date(Date.now() - days * DAY_MS);

/** A fake API holding the cluster CA (and the rest of the set) as KCP generates it. */
async function withClusterCa(): Promise<{ fake: FakeClient; ca: CertificateAuthority }> {
  const fake = new FakeClient();
  const certs = await ClusterCertificates.lookupOrGenerate(fake, {
    cluster: CLUSTER,
    owner: KCP,
    algorithm: 'ECDSA-P256',
  });
  return { fake, ca: certs.certificateAuthority('ca') };
}

function kubeconfigOf(secret: ClusterSecret): ReturnType<typeof resolveKubeconfig> {
  return resolveKubeconfig(parseKubeconfig(secretText(secret, 'value')!));
}

describe('admin kubeconfig Secret', () => {
  it('is written as upstream writes <cluster>-kubeconfig: key value, type, label, owner, names', async () => {
    const { fake, ca } = await withClusterCa();
    const secret = await createAdminKubeconfigSecret(fake, {
      cluster: CLUSTER,
      endpoint: ENDPOINT,
      owner: KCP,
    });
    assert.equal(secret.metadata.name, 'c1-kubeconfig');
    assert.equal(secret.type, 'cluster.x-k8s.io/secret');
    assert.deepEqual(secret.metadata.labels, { 'cluster.x-k8s.io/cluster-name': 'c1' });
    assert.deepEqual(secret.metadata.ownerReferences, [
      { ...refOf(KCP), controller: true, blockOwnerDeletion: true },
    ]);
    assert.deepEqual(Object.keys(secret.data ?? {}), ['value']);
    const kubeconfig = parseKubeconfig(secretText(secret, 'value')!);
    assert.deepEqual(
      [kubeconfig.clusters[0]?.name, kubeconfig.users[0]?.name, kubeconfig['current-context']],
      ['c1', 'c1-admin', 'c1-admin@c1'],
    );
    const resolved = kubeconfigOf(secret);
    assert.equal(resolved.server, 'https://c1.example.com:6443');
    assert.equal(resolved.caCertificatePem, ca.certificatePem);
    const client = inspectCertificate(resolved.clientCertificatePem!);
    assert.equal(client.commonName, 'kubernetes-admin');
    assert.deepEqual(client.organizations, ['system:masters']);
    assert.deepEqual(client.usages, ['client']);
    assert.equal(client.keyAlgorithm, 'ECDSA-P256', "the CA's algorithm unless one is given");
    const days = (client.notAfter.getTime() - client.notBefore.getTime()) / DAY_MS;
    assert.ok(Math.abs(days - 365) < 0.01, `one year, got ${days} days`);

    // Core's Cluster controller: a plain owner reference, as upstream's kubeconfig.CreateSecret.
    const { fake: other } = await withClusterCa();
    const plain = await createAdminKubeconfigSecret(other, {
      cluster: CLUSTER,
      endpoint: ENDPOINT,
      owner: CLUSTER_OBJECT,
      controller: false,
      algorithm: 'RSA-2048',
    });
    assert.deepEqual(plain.metadata.ownerReferences, [refOf(CLUSTER_OBJECT)]);
    assert.equal(inspectCertificate(kubeconfigOf(plain).clientCertificatePem!).keyAlgorithm, 'RSA-2048');
  });

  it('brackets IPv6 endpoints', () => {
    assert.equal(endpointUrl({ host: '10.0.0.1', port: 6443 }), 'https://10.0.0.1:6443');
    assert.equal(endpointUrl({ host: 'fd00::1', port: 443 }), 'https://[fd00::1]:443');
  });

  it('waits for the cluster CA, and refuses a CA without its key (external CA mode)', async () => {
    const fake = new FakeClient();
    const waiting = await reconcileAdminKubeconfigSecret(fake, {
      cluster: CLUSTER,
      endpoint: ENDPOINT,
      owner: KCP,
    });
    assert.deepEqual(waiting, { action: 'WaitingForClusterCA', requeueAfterMs: 30_000 });
    assert.deepEqual(fake.writes(), []);

    const ca = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    fake.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: 'c1-ca', namespace: NS },
      data: { 'tls.crt': b64(ca.certificatePem) },
    });
    await assert.rejects(
      reconcileAdminKubeconfigSecret(fake, { cluster: CLUSTER, endpoint: ENDPOINT, owner: KCP }),
      (err) => {
        const e = err as ClusterSecretError;
        return isInvalidClusterSecret(err) && e.secretName === 'c1-ca' && e.key === 'tls.key';
      },
    );
    assert.deepEqual(fake.writes(), []);
  });

  it('needs rotation when the client certificate expires within half a year', async () => {
    const { fake } = await withClusterCa();
    assert.equal(KUBECONFIG_ROTATION_THRESHOLD_MS, 182.5 * DAY_MS);
    const fresh = await createAdminKubeconfigSecret(fake, {
      cluster: CLUSTER,
      endpoint: ENDPOINT,
      owner: KCP,
    });
    assert.equal(kubeconfigNeedsRotation(fresh), false);
    const at = async (issuedDaysAgo: number): Promise<boolean> => {
      const f = (await withClusterCa()).fake;
      const s = await createAdminKubeconfigSecret(f, {
        cluster: CLUSTER,
        endpoint: ENDPOINT,
        owner: KCP,
        now: daysAgo(issuedDaysAgo),
      });
      return kubeconfigNeedsRotation(s);
    };
    assert.equal(await at(182), false, '183 days left');
    assert.equal(await at(183), true, '182 days left');
    assert.equal(kubeconfigNeedsRotation(fresh, new Date(Date.now() + 200 * DAY_MS)), true);

    const tokenOnly: ClusterSecret = {
      ...fresh,
      data: {
        value: b64(
          'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\ncurrent-context: ""\nusers:\n- name: u\n  user:\n    token: t\n',
        ),
      },
    };
    assert.throws(
      () => kubeconfigNeedsRotation(tokenOnly),
      (err) => isInvalidClusterSecret(err) && (err as ClusterSecretError).key === 'value',
    );
  });

  it('rotates only generated Secrets the owner controls, keeping the server', async () => {
    const { fake, ca } = await withClusterCa();
    const options = { cluster: CLUSTER, endpoint: ENDPOINT, owner: KCP, rotate: true } as const;
    const old = await createAdminKubeconfigSecret(fake, { ...options, now: daysAgo(300) });
    const oldCert = kubeconfigOf(old).clientCertificatePem;

    // Without rotate (core's Cluster controller, as upstream) an existing Secret is left alone.
    fake.clearRequests();
    assert.equal(
      (await reconcileAdminKubeconfigSecret(fake, { ...options, rotate: false })).action,
      'Unchanged',
    );
    assert.deepEqual(fake.writes(), []);

    // The endpoint changing does not move the server: rotation reuses the one in the kubeconfig.
    const rotated = await reconcileAdminKubeconfigSecret(fake, {
      ...options,
      endpoint: { host: 'x', port: 1 },
    });
    assert.equal(rotated.action, 'Rotated');
    const secret = (rotated as { secret: ClusterSecret }).secret;
    const resolved = kubeconfigOf(secret);
    assert.notEqual(resolved.clientCertificatePem, oldCert);
    assert.equal(resolved.server, 'https://c1.example.com:6443');
    assert.equal(kubeconfigNeedsRotation(secret), false);
    assert.ok(isIssuedBy(resolved.clientCertificatePem!, ca.certificatePem));
    assert.deepEqual(fake.requestsOf('update').length, 1);
    assert.equal((await reconcileAdminKubeconfigSecret(fake, options)).action, 'Unchanged');

    // A generated Secret controlled by someone else is adopted first (KCP's adoptKubeconfigSecret), then rotated.
    const stale = await createAdminKubeconfigSecret((await withClusterCa()).fake, {
      ...options,
      now: daysAgo(300),
    });
    const adopting = (await withClusterCa()).fake;
    adopting.seed({
      ...stale,
      metadata: {
        name: 'c1-kubeconfig',
        namespace: NS,
        ownerReferences: [{ ...refOf(CLUSTER_OBJECT), controller: true }],
      },
    });
    const adopted = await reconcileAdminKubeconfigSecret(adopting, options);
    assert.equal(adopted.action, 'Rotated');
    assert.deepEqual(
      (adopted as { secret: ClusterSecret }).secret.metadata.ownerReferences?.map((r) => [
        r.kind,
        r.controller,
      ]),
      [['KubeadmControlPlane', true]],
    );
  });

  it('never rotates or adopts a user-provided kubeconfig Secret', async () => {
    const { fake } = await withClusterCa();
    const generated = await createAdminKubeconfigSecret((await withClusterCa()).fake, {
      cluster: CLUSTER,
      endpoint: ENDPOINT,
      owner: KCP,
      now: daysAgo(360),
    });
    const user = fake.seed<ClusterSecret>({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: 'c1-kubeconfig',
        namespace: NS,
        ownerReferences: [{ ...refOf(KCP), controller: true }],
      },
      data: generated.data,
    });
    assert.equal(kubeconfigNeedsRotation(user), true, 'it is about to expire');
    fake.clearRequests();
    const result = await reconcileAdminKubeconfigSecret(fake, {
      cluster: CLUSTER,
      endpoint: ENDPOINT,
      owner: KCP,
      rotate: true,
    });
    assert.equal(result.action, 'Unchanged');
    assert.deepEqual(fake.writes(), []);
    assert.deepEqual(fake.peek(SecretType, { namespace: NS, name: 'c1-kubeconfig' }), user);
    await assert.rejects(regenerateAdminKubeconfigSecret(fake, user), (err) => {
      const e = err as ClusterSecretError;
      return isUnmanagedSecret(err) && e.secretName === 'c1-kubeconfig';
    });
  });

  it('returns the Secret another writer created first', async () => {
    const { fake } = await withClusterCa();
    const theirs = await createAdminKubeconfigSecret((await withClusterCa()).fake, {
      cluster: CLUSTER,
      endpoint: ENDPOINT,
      owner: KCP,
    });
    fake.addReactor((request, f) => {
      if (
        request.verb === 'create' &&
        request.key?.name === 'c1-kubeconfig' &&
        !f.peek(SecretType, request.key)
      )
        f.seed(theirs);
    });
    const result = await reconcileAdminKubeconfigSecret(fake, {
      cluster: CLUSTER,
      endpoint: ENDPOINT,
      owner: KCP,
    });
    assert.equal(result.action, 'Created');
    assert.equal(
      secretText((result as { secret: ClusterSecret }).secret, 'value'),
      secretText(theirs, 'value'),
    );
  });
});

/** The kubeconfig judged by openssl and by the real kubectl against a server trusting the cluster CA. */
describe('admin kubeconfig Secret judged by openssl and kubectl', () => {
  let tmp: Scratch;
  let fake: FakeClient;
  let ca: CertificateAuthority;
  let server: TlsServer;
  const seen: unknown[] = [];

  before(async () => {
    tmp = await scratch();
    ({ fake, ca } = await withClusterCa());
    const serving = await ca.issue({
      commonName: 'kube-apiserver',
      ipAddresses: ['127.0.0.1'],
      usages: ['server'],
    });
    server = await startTlsServer({
      certificatePem: serving.certificatePem,
      keyPem: serving.privateKeyPem,
      clientCaPem: ca.certificatePem,
      handler: (req: IncomingMessage, res: ServerResponse) => {
        const subject = (req.socket as TLSSocket).getPeerCertificate().subject;
        seen.push({ cn: subject.CN, o: subject.O });
        if (req.url === '/version') res.writeHead(200).end(JSON.stringify(VERSION_BODY));
        else res.writeHead(404).end();
      },
    });
  });
  after(async () => {
    await server.close();
    await tmp.dispose();
  });

  for (const algorithm of ['ECDSA-P256', 'RSA-2048'] as const) {
    it(`${algorithm} client key: openssl verifies the client certificate, kubectl talks to the endpoint`, async () => {
      const secret = await createAdminKubeconfigSecret(fake, {
        cluster: CLUSTER,
        endpoint: { host: '127.0.0.1', port: server.port },
        owner: KCP,
        algorithm,
      });
      await fake.delete(secret);
      const resolved = kubeconfigOf(secret);
      const caFile = await tmp.write('ca.crt', ca.certificatePem);
      const clientFile = await tmp.write(`${algorithm}-client.crt`, resolved.clientCertificatePem!);
      const verified = await openssl(['verify', '-CAfile', caFile, '-purpose', 'sslclient', clientFile]);
      assert.equal(verified.code, 0, verified.stderr);
      const keyFile = await tmp.write(`${algorithm}-client.key`, resolved.clientKeyPem!);
      const pkey = await openssl(['pkey', '-noout', '-text', '-in', keyFile]);
      assert.match(pkey.stdout, algorithm === 'RSA-2048' ? /Private-Key: \(2048 bit/ : /prime256v1/);

      const kubeconfigFile = await tmp.write(`${algorithm}-kubeconfig`, secretText(secret, 'value')!);
      const before = seen.length;
      const kubectl = await kubectlGetVersion(kubeconfigFile, `${tmp.dir}/cache-${algorithm}`);
      assert.equal(kubectl.code, 0, kubectl.stderr);
      assert.deepEqual(JSON.parse(kubectl.stdout), VERSION_BODY);
      assert.deepEqual(seen.slice(before)[0], { cn: 'kubernetes-admin', o: 'system:masters' });
    });
  }
});

function refOf(owner: { apiVersion: string; kind: string; metadata: { name: string; uid: string } }): {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
} {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
  };
}
