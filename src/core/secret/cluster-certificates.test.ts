import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OwnerReference } from '../../controller-runtime/helpers/owner-references.js';
import { FakeClient } from '../../controller-runtime/helpers/testing/fake-client.js';
import {
  CertificateAuthority,
  inspectCertificate,
  isIssuedBy,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  KeyPair,
} from '../../pki/index.js';
import { openssl, type Scratch, scratch } from '../../pki/test-helpers.js';
import {
  type CertificatePurpose,
  certificateSettingsFrom,
  ClusterCertificates,
} from './cluster-certificates.js';
import { type ClusterSecret, SecretType } from './cluster-secret.js';
import {
  type ClusterSecretError,
  isInvalidClusterSecret,
  isMissingClusterSecret,
} from './cluster-secret-errors.js';

const NS = 'ns';
const CLUSTER = { namespace: NS, name: 'c1' };
const DAY_MS = 24 * 60 * 60 * 1000;
const KCP = {
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlane',
  metadata: { name: 'c1-cp', namespace: NS, uid: 'uid-kcp' },
};
const KUBEADM_CONFIG = {
  apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmConfig',
  metadata: { name: 'c1-cp-abcde', namespace: NS, uid: 'uid-kc' },
};
const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** A Secret as a user applies it for custom certificates (upstream's docs use kubernetes.io/tls). */
function userSecret(
  purpose: string,
  data: Record<string, string>,
  type = 'kubernetes.io/tls',
): ClusterSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type,
    metadata: { name: `c1-${purpose}`, namespace: NS, labels: { 'cluster.x-k8s.io/cluster-name': 'c1' } },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

const peek = (fake: FakeClient, name: string): ClusterSecret | undefined =>
  fake.peek<ClusterSecret>(SecretType, { namespace: NS, name });

/** Asserts an error is of the expected class and names the Secret and key. */
function assertNames(err: unknown, secretName: string, key: string | undefined): true {
  const e = err as ClusterSecretError;
  assert.equal(e.secretName, secretName);
  assert.equal(e.namespace, NS);
  assert.equal(e.key, key);
  assert.match(e.message, new RegExp(`Secret ${NS}/${secretName}`));
  if (key) assert.match(e.message, new RegExp(`key "${key.replace('.', '\\.')}"`));
  return true;
}

describe('ClusterCertificates', () => {
  it('generates the missing set as cluster.x-k8s.io/secret Secrets controlled by the owner, then finds them', async () => {
    const fake = new FakeClient();
    const first = await ClusterCertificates.lookupOrGenerate(fake, {
      cluster: CLUSTER,
      owner: KCP,
      algorithm: 'ECDSA-P256',
    });
    assert.deepEqual(
      first.all().map((c) => [c.purpose, c.generated, c.external]),
      [
        ['ca', true, false],
        ['etcd', true, false],
        ['proxy', true, false],
        ['sa', true, false],
      ],
    );
    assert.deepEqual(first.missing(), []);
    for (const purpose of ['ca', 'etcd', 'proxy', 'sa']) {
      const secret = peek(fake, `c1-${purpose}`)!;
      assert.equal(secret.type, 'cluster.x-k8s.io/secret');
      assert.deepEqual(secret.metadata.labels, { 'cluster.x-k8s.io/cluster-name': 'c1' });
      assert.deepEqual(secret.metadata.ownerReferences, [
        {
          apiVersion: KCP.apiVersion,
          kind: 'KubeadmControlPlane',
          name: 'c1-cp',
          uid: 'uid-kcp',
          controller: true,
          blockOwnerDeletion: true,
        },
      ] satisfies OwnerReference[]);
      assert.deepEqual(Object.keys(secret.data ?? {}).sort(), ['tls.crt', 'tls.key']);
    }
    // The three CAs are distinct, each with upstream's CN; the SA pair is a bare key pair.
    const cas = (['ca', 'etcd', 'proxy'] as const).map((p) => first.certificateAuthority(p));
    assert.equal(new Set(cas.map((ca) => ca.certificate.fingerprint256)).size, 3);
    for (const ca of cas) assert.equal(inspectCertificate(ca.certificatePem).commonName, 'kubernetes');
    const sa = KeyPair.fromPrivateKeyPem(first.privateKeyPem('sa'));
    assert.equal(sa.publicKeyPem, first.certificatePem('sa'));

    fake.clearRequests();
    const second = await ClusterCertificates.lookupOrGenerate(fake, {
      cluster: CLUSTER,
      owner: KCP,
      algorithm: 'RSA-2048',
    });
    assert.deepEqual(fake.writes(), [], 'an existing set is used as it is');
    for (const purpose of ['ca', 'etcd', 'proxy', 'sa'] as const) {
      assert.equal(second.get(purpose)?.generated, false);
      assert.equal(second.certificatePem(purpose), first.certificatePem(purpose));
      assert.equal(second.privateKeyPem(purpose), first.privateKeyPem(purpose));
    }
  });

  it('lookup alone creates nothing and reports what is missing', async () => {
    const fake = new FakeClient();
    const certs = await ClusterCertificates.lookup(fake, { cluster: CLUSTER });
    assert.deepEqual(certs.missing(), ['ca', 'etcd', 'proxy', 'sa']);
    assert.deepEqual(fake.writes(), []);
    assert.throws(
      () => certs.certificatePem('ca'),
      (err) => isMissingClusterSecret(err) && assertNames(err, 'c1-ca', undefined),
    );
    assert.throws(
      () => certs.ensureAllExist(),
      (err) => isMissingClusterSecret(err) && assertNames(err, 'c1-ca', undefined),
    );
  });

  it('takes algorithm, CA validity and external etcd from a ClusterConfiguration', async () => {
    assert.deepEqual(certificateSettingsFrom(undefined), { externalEtcd: false });
    assert.deepEqual(
      certificateSettingsFrom({
        encryptionAlgorithm: 'ECDSA-P384',
        caCertificateValidityPeriodDays: 730,
        etcd: { external: { endpoints: ['https://etcd:2379'] } },
      }),
      { algorithm: 'ECDSA-P384', caValidityDays: 730, externalEtcd: true },
    );
    assert.throws(() => certificateSettingsFrom({ encryptionAlgorithm: 'RSA-1024' }), TypeError);

    const now = new Date('2027-01-01T00:00:00Z');
    const fake = new FakeClient();
    const certs = await ClusterCertificates.lookupOrGenerate(fake, {
      cluster: CLUSTER,
      owner: KCP,
      now,
      ...certificateSettingsFrom({ encryptionAlgorithm: 'ECDSA-P384', caCertificateValidityPeriodDays: 730 }),
    });
    for (const purpose of ['ca', 'etcd', 'proxy'] as const) {
      const info = inspectCertificate(certs.certificatePem(purpose));
      assert.equal(info.keyAlgorithm, 'ECDSA-P384');
      assert.equal(info.notAfter.getTime(), now.getTime() + 730 * DAY_MS);
    }
    assert.equal(KeyPair.fromPrivateKeyPem(certs.privateKeyPem('sa')).algorithm, 'ECDSA-P384');

    const defaults = await ClusterCertificates.lookupOrGenerate(new FakeClient(), {
      cluster: CLUSTER,
      owner: KCP,
      now,
    });
    const info = inspectCertificate(defaults.certificatePem('ca'));
    assert.equal(info.keyAlgorithm, 'RSA-2048', "kubeadm's default algorithm");
    assert.equal(info.notAfter.getTime(), now.getTime() + 3650 * DAY_MS, "upstream's 3650 days");
  });

  it('uses user-supplied Secrets as they are and generates only the rest', async () => {
    const fake = new FakeClient();
    const userCa = await CertificateAuthority.create({
      commonName: 'Kubernetes API',
      keyAlgorithm: 'ECDSA-P256',
    });
    const stored = fake.seed(
      userSecret('ca', { 'tls.crt': userCa.certificatePem, 'tls.key': userCa.privateKeyPem }),
    );
    const certs = await ClusterCertificates.lookupOrGenerate(fake, {
      cluster: CLUSTER,
      owner: KCP,
      algorithm: 'ECDSA-P256',
    });
    assert.equal(certs.get('ca')?.generated, false);
    assert.equal(certs.certificatePem('ca'), userCa.certificatePem);
    assert.deepEqual(peek(fake, 'c1-ca'), stored, 'the user Secret is not rewritten, relabelled or owned');
    assert.deepEqual(
      fake
        .requestsOf('create')
        .map((r) => r.key?.name)
        .sort(),
      ['c1-etcd', 'c1-proxy', 'c1-sa'],
    );

    // Adoption (KCP's ensureCertificatesOwnerRef): generated Secrets pass to the new controller, the user's stay.
    const byConfig = await ClusterCertificates.lookupOrGenerate(new FakeClient(), {
      cluster: CLUSTER,
      owner: KUBEADM_CONFIG,
      algorithm: 'ECDSA-P256',
    });
    assert.equal(byConfig.get('ca')?.secret?.metadata.ownerReferences?.[0]?.kind, 'KubeadmConfig');
    fake.clearRequests();
    const adopted = await certs.adopt(fake, KUBEADM_CONFIG);
    assert.deepEqual(
      fake
        .requestsOf('patch')
        .map((r) => r.key?.name)
        .sort(),
      ['c1-etcd', 'c1-proxy', 'c1-sa'],
    );
    assert.deepEqual(peek(fake, 'c1-ca'), stored);
    for (const purpose of ['etcd', 'proxy', 'sa'] as const) {
      const refs = adopted.get(purpose)!.secret!.metadata.ownerReferences!;
      assert.deepEqual(
        refs.map((r) => [r.kind, r.controller]),
        [['KubeadmConfig', true]],
      );
    }
    fake.clearRequests();
    await adopted.adopt(fake, KUBEADM_CONFIG);
    assert.deepEqual(fake.writes(), [], 'adopting again changes nothing');
  });

  it('accepts a CA without tls.key (external CA mode) but refuses it where a key is needed', async () => {
    const fake = new FakeClient();
    const userCa = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    fake.seed(userSecret('ca', { 'tls.crt': userCa.certificatePem }, 'Opaque'));
    const certs = await ClusterCertificates.lookupOrGenerate(fake, {
      cluster: CLUSTER,
      owner: KCP,
      algorithm: 'ECDSA-P256',
    });
    assert.equal(certs.get('ca')?.privateKeyPem, undefined);
    assert.equal(certs.certificatePem('ca'), userCa.certificatePem);
    assert.equal(peek(fake, 'c1-ca')?.data?.['tls.key'], undefined, 'no key was invented');
    const keyMissing = (err: unknown): boolean =>
      isInvalidClusterSecret(err) && assertNames(err, 'c1-ca', 'tls.key');
    assert.throws(() => certs.privateKeyPem('ca'), keyMissing);
    assert.throws(() => certs.certificateAuthority('ca'), keyMissing);
    assert.throws(() => certs.ensureAllExist(), keyMissing, 'joining control planes need the CA key');
  });

  it('refuses unusable Secrets with typed errors naming the Secret and key', async () => {
    const ca = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    const other = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    const leaf = await ca.issue({ commonName: 'not-a-ca', usages: ['client'] });
    const sa = await KeyPair.generate('ECDSA-P256');
    const cases: [string, ClusterSecret, string, string][] = [
      ['no tls.crt', userSecret('ca', { 'tls.key': ca.privateKeyPem }), 'c1-ca', 'tls.crt'],
      [
        'empty tls.crt',
        userSecret('etcd', { 'tls.crt': '', 'tls.key': ca.privateKeyPem }),
        'c1-etcd',
        'tls.crt',
      ],
      ['not PEM', userSecret('proxy', { 'tls.crt': 'hello' }), 'c1-proxy', 'tls.crt'],
      [
        'a leaf as a CA',
        userSecret('ca', { 'tls.crt': leaf.certificatePem, 'tls.key': leaf.privateKeyPem }),
        'c1-ca',
        'tls.crt',
      ],
      [
        "another CA's key",
        userSecret('etcd', { 'tls.crt': ca.certificatePem, 'tls.key': other.privateKeyPem }),
        'c1-etcd',
        'tls.key',
      ],
      [
        'a key that is not PEM',
        userSecret('ca', { 'tls.crt': ca.certificatePem, 'tls.key': 'x' }),
        'c1-ca',
        'tls.key',
      ],
      ['SA without tls.key', userSecret('sa', { 'tls.crt': sa.publicKeyPem }), 'c1-sa', 'tls.key'],
      [
        'SA with a foreign key',
        userSecret('sa', { 'tls.crt': sa.publicKeyPem, 'tls.key': other.privateKeyPem }),
        'c1-sa',
        'tls.key',
      ],
      [
        'SA public key not PEM',
        userSecret('sa', { 'tls.crt': 'x', 'tls.key': sa.privateKeyPem }),
        'c1-sa',
        'tls.crt',
      ],
    ];
    for (const [what, secret, name, key] of cases) {
      const fake = new FakeClient();
      fake.seed(secret);
      await assert.rejects(
        ClusterCertificates.lookupOrGenerate(fake, { cluster: CLUSTER, owner: KCP, algorithm: 'ECDSA-P256' }),
        (err) => isInvalidClusterSecret(err) && assertNames(err, name, key),
        what,
      );
      assert.deepEqual(fake.writes(), [], `${what}: nothing generated after a refusal`);
    }
  });

  it('with external etcd requires the user etcd CA and client certificate and never generates them', async () => {
    const fake = new FakeClient();
    const options = { cluster: CLUSTER, owner: KCP, algorithm: 'ECDSA-P256', externalEtcd: true } as const;
    await assert.rejects(
      ClusterCertificates.lookupOrGenerate(fake, options),
      (err) => isMissingClusterSecret(err) && assertNames(err, 'c1-etcd', undefined),
    );
    assert.deepEqual(fake.writes(), []);

    const etcdCa = await CertificateAuthority.create({ commonName: 'ETCD CA', keyAlgorithm: 'ECDSA-P256' });
    const client = await etcdCa.issue({ commonName: 'apiserver-etcd-client', usages: ['client'] });
    fake.seed(userSecret('etcd', { 'tls.crt': etcdCa.certificatePem }, 'Opaque'));
    await assert.rejects(
      ClusterCertificates.lookupOrGenerate(fake, options),
      (err) => isMissingClusterSecret(err) && assertNames(err, 'c1-apiserver-etcd-client', undefined),
    );
    fake.seed(
      userSecret('apiserver-etcd-client', {
        'tls.crt': client.certificatePem,
        'tls.key': client.privateKeyPem,
      }),
    );
    const certs = await ClusterCertificates.lookupOrGenerate(fake, options);
    assert.deepEqual(
      certs.all().map((c) => [c.purpose, c.external, c.generated]),
      [
        ['ca', false, true],
        ['etcd', true, false],
        ['proxy', false, true],
        ['sa', false, true],
        ['apiserver-etcd-client', true, false],
      ],
    );
    assert.equal(certs.certificatePem('apiserver-etcd-client'), client.certificatePem);
    assert.doesNotThrow(() => certs.ensureAllExist(), 'external material may come without a key');
    // Without external etcd the client certificate is not part of the set.
    const local = await ClusterCertificates.lookup(fake, { cluster: CLUSTER });
    assert.equal(local.get('apiserver-etcd-client'), undefined);
    assert.throws(() => local.certificatePem('apiserver-etcd-client'), isMissingClusterSecret);
  });

  it('uses the Secret another writer created first instead of its own', async () => {
    const fake = new FakeClient();
    const theirs = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    fake.addReactor((request, f) => {
      if (request.verb === 'create' && request.key?.name === 'c1-ca' && !f.peek(SecretType, request.key)) {
        f.seed({
          ...userSecret('ca', { 'tls.crt': theirs.certificatePem, 'tls.key': theirs.privateKeyPem }),
          type: 'cluster.x-k8s.io/secret',
        });
      }
    });
    const certs = await ClusterCertificates.lookupOrGenerate(fake, {
      cluster: CLUSTER,
      owner: KCP,
      algorithm: 'ECDSA-P256',
    });
    assert.equal(certs.get('ca')?.generated, false);
    assert.equal(certs.certificatePem('ca'), theirs.certificatePem);
    assert.equal(certs.privateKeyPem('ca'), theirs.privateKeyPem);
    assert.equal(certs.get('etcd')?.generated, true);
  });

  it('hashes the cluster CA public key for join discovery', async () => {
    const certs = await ClusterCertificates.lookupOrGenerate(new FakeClient(), {
      cluster: CLUSTER,
      owner: KCP,
      algorithm: 'ECDSA-P256',
    });
    const [hash] = certs.caCertificateHashes();
    assert.match(hash ?? '', /^sha256:[0-9a-f]{64}$/);
    // openssl computes the same digest of the SubjectPublicKeyInfo.
    const tmp = await scratch();
    try {
      const crt = await tmp.write('ca.crt', certs.certificatePem('ca'));
      const pub = await tmp.write(
        'ca.pub',
        (await openssl(['x509', '-noout', '-pubkey', '-in', crt])).stdout,
      );
      const der = path.join(tmp.dir, 'ca.pub.der');
      const converted = await openssl(['pkey', '-pubin', '-in', pub, '-outform', 'DER', '-out', der]);
      assert.equal(converted.code, 0, converted.stderr);
      const digest = await openssl(['dgst', '-sha256', '-r', der]);
      assert.equal(hash, `sha256:${digest.stdout.split(' ')[0]}`);
    } finally {
      await tmp.dispose();
    }
  });
});

/** The generated set, judged by openssl for every kubeadm algorithm. */
describe('ClusterCertificates judged by openssl', () => {
  let tmp: Scratch;
  before(async () => {
    tmp = await scratch();
  });
  after(async () => {
    await tmp.dispose();
  });

  const keyText: Record<KeyAlgorithm, RegExp> = {
    'RSA-2048': /Private-Key: \(2048 bit/,
    'RSA-3072': /Private-Key: \(3072 bit/,
    'RSA-4096': /Private-Key: \(4096 bit/,
    'ECDSA-P256': /ASN1 OID: prime256v1/,
    'ECDSA-P384': /ASN1 OID: secp384r1/,
  };

  for (const algorithm of KEY_ALGORITHMS) {
    it(`${algorithm}: CAs verify their leaves and no one else's; keys are ${algorithm}`, async () => {
      const certs = await ClusterCertificates.lookupOrGenerate(new FakeClient(), {
        cluster: CLUSTER,
        owner: KCP,
        algorithm,
      });
      const files: Partial<Record<CertificatePurpose, { crt: string; key: string }>> = {};
      for (const c of certs.all()) {
        files[c.purpose] = {
          crt: await tmp.write(`${algorithm}-${c.purpose}.crt`, c.certificatePem!),
          key: await tmp.write(`${algorithm}-${c.purpose}.key`, c.privateKeyPem!),
        };
      }
      for (const purpose of ['ca', 'etcd', 'proxy'] as const) {
        const { crt, key } = files[purpose]!;
        const text = await openssl(['x509', '-noout', '-text', '-in', crt]);
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, /X509v3 Basic Constraints: critical\s+CA:TRUE/);
        assert.match(
          text.stdout,
          /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Certificate Sign/,
        );
        assert.match(text.stdout, /Subject: CN\s?=\s?kubernetes/);
        const dates = await openssl(['x509', '-noout', '-startdate', '-enddate', '-in', crt]);
        const [, start] = /notBefore=(.+)/.exec(dates.stdout) ?? [];
        const [, end] = /notAfter=(.+)/.exec(dates.stdout) ?? [];
        const days = (Date.parse(end!) - Date.parse(start!)) / DAY_MS;
        // 3650 days from now, notBefore backdated five minutes as upstream does.
        assert.ok(Math.abs(days - 3650) < 0.01, `validity ${days} days`);
        const pkey = await openssl(['pkey', '-noout', '-text', '-in', key]);
        assert.equal(pkey.code, 0, pkey.stderr);
        assert.match(pkey.stdout, keyText[algorithm]);

        // A leaf issued by this CA verifies against it and only against it.
        // (An ECDSA leaf key: the CA's signature is what is judged, and RSA-4096 leaf keys cost seconds.)
        const leaf = await certs
          .certificateAuthority(purpose)
          .issue({ commonName: `${purpose}-leaf`, usages: ['client'], keyAlgorithm: 'ECDSA-P256' });
        const leafFile = await tmp.write(`${algorithm}-${purpose}-leaf.crt`, leaf.certificatePem);
        const ok = await openssl(['verify', '-CAfile', crt, leafFile]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /: OK/);
        const stranger = purpose === 'ca' ? files.etcd! : files.ca!;
        const refused = await openssl(['verify', '-CAfile', stranger.crt, leafFile]);
        assert.notEqual(refused.code, 0, `${purpose} leaf must not verify against another CA`);
        assert.ok(isIssuedBy(leaf.certificatePem, certs.certificatePem(purpose)));
      }
      // The SA pair: tls.crt is the public half of tls.key.
      const sa = files.sa!;
      const pub = await openssl(['pkey', '-pubin', '-noout', '-text', '-in', sa.crt]);
      assert.equal(pub.code, 0, pub.stderr);
      const derived = await openssl(['pkey', '-pubout', '-in', sa.key]);
      assert.equal(derived.stdout, certs.certificatePem('sa'));
      const saKey = await openssl(['pkey', '-noout', '-text', '-in', sa.key]);
      assert.match(saKey.stdout, keyText[algorithm]);
    });
  }
});
