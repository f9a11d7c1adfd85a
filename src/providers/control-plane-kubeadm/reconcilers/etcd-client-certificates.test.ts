import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClient } from '../../../controller-runtime/helpers/testing/fake-client.js';
import { CertificateAuthority } from '../../../pki/index.js';
import { openssl, type Scratch, scratch } from '../../../pki/test-helpers.js';
import { ETCD_CLIENT_COMMON_NAME, EtcdClientCertificates } from './etcd-client-certificates.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const CLUSTER = { namespace: 'ns', name: 'c1', uid: 'uid-1' };

describe('EtcdClientCertificates', () => {
  let tmp: Scratch;
  before(async () => {
    tmp = await scratch();
  });
  after(async () => {
    await tmp.dispose();
  });

  it('issues a client certificate from <cluster>-etcd that openssl verifies against the etcd CA, and reuses it', async () => {
    const ca = await CertificateAuthority.create({ commonName: 'kubernetes', keyAlgorithm: 'ECDSA-P256' });
    const fake = new FakeClient();
    fake.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'c1-etcd', namespace: 'ns' },
      data: { 'tls.crt': b64(ca.certificatePem), 'tls.key': b64(ca.keyPair.privateKeyPem) },
    });
    const certificates = new EtcdClientCertificates({ reader: fake });
    const tls = await certificates.forCluster(CLUSTER, 'ECDSA-P256');
    const caFile = await tmp.write('etcd-ca.crt', tls.caPem);
    const certFile = await tmp.write('etcd-client.crt', tls.certPem);
    const verified = await openssl(['verify', '-purpose', 'sslclient', '-CAfile', caFile, certFile]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /: OK/);
    const subject = await openssl(['x509', '-noout', '-subject', '-in', certFile]);
    assert.match(subject.stdout, new RegExp(`CN ?= ?${ETCD_CLIENT_COMMON_NAME.replace(/\./g, '\\.')}`));
    // The key belongs to the certificate.
    const keyFile = await tmp.write('etcd-client.key', tls.keyPem);
    const fromKey = await openssl(['pkey', '-in', keyFile, '-pubout']);
    const fromCert = await openssl(['x509', '-noout', '-pubkey', '-in', certFile]);
    assert.equal(fromKey.stdout, fromCert.stdout);

    assert.equal((await certificates.forCluster(CLUSTER, 'ECDSA-P256')).certPem, tls.certPem, 'cached');
  });
});
