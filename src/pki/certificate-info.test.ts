import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority, type IssuedCertificate } from './certificate-authority.js';
import { isIssuedBy, keyMatchesCertificate } from './certificate-checks.js';
import { inspectCertificate } from './certificate-info.js';
import { KeyPair } from './key-pair.js';
import { InvalidPemError } from './pki-errors.js';
import { openssl, type Scratch, scratch } from './test-helpers.js';

describe('inspectCertificate, isIssuedBy, keyMatchesCertificate', () => {
  let tmp: Scratch;
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let leaf: IssuedCertificate;
  before(async () => {
    tmp = await scratch();
    ca = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    // Same subject (CN=kubernetes), different key: only signatures and key identifiers tell them apart.
    otherCa = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    leaf = await ca.issue({
      commonName: 'system:node:worker-0',
      organizations: ['system:nodes'],
      dnsNames: ['worker-0'],
      ipAddresses: ['192.168.1.10'],
      usages: ['server', 'client'],
    });
  });
  after(async () => {
    await tmp.dispose();
  });

  it('reads a certificate made by openssl as openssl itself reads it', async () => {
    const made = await openssl([
      ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 30'.split(' '),
      ...[
        '-subj',
        '/O=team-a/O=team-b/CN=probe',
        '-keyout',
        `${tmp.dir}/probe.key`,
        '-out',
        `${tmp.dir}/probe.crt`,
      ],
      ...['-addext', 'subjectAltName=DNS:probe.example,IP:10.0.0.1,IP:2001:db8:0:0::1'],
      ...['-addext', 'extendedKeyUsage=serverAuth,clientAuth'],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const pem = await readFile(`${tmp.dir}/probe.crt`, 'utf8');
    const info = inspectCertificate(pem);
    const facts = await openssl([
      ...'x509 -noout -serial -startdate -enddate -fingerprint -sha256 -in'.split(' '),
      `${tmp.dir}/probe.crt`,
    ]);
    const fact = (key: string): string => new RegExp(`^${key}=(.*)$`, 'm').exec(facts.stdout)![1]!;
    assert.equal(info.serialNumber, fact('serial'));
    assert.equal(info.notBefore.getTime(), new Date(fact('notBefore')).getTime());
    assert.equal(info.notAfter.getTime(), new Date(fact('notAfter')).getTime());
    assert.equal(info.fingerprint256, fact('sha256 Fingerprint'));
    assert.equal(info.notAfter.getTime() - info.notBefore.getTime(), 30 * 24 * 3600 * 1000);
    assert.deepEqual(
      {
        ...info,
        serialNumber: undefined,
        notBefore: undefined,
        notAfter: undefined,
        fingerprint256: undefined,
      },
      {
        commonName: 'probe',
        organizations: ['team-a', 'team-b'],
        issuerCommonName: 'probe',
        serialNumber: undefined,
        notBefore: undefined,
        notAfter: undefined,
        isCA: true, // openssl's default v3_ca section
        dnsNames: ['probe.example'],
        ipAddresses: ['10.0.0.1', '2001:db8::1'],
        usages: ['server', 'client'],
        keyAlgorithm: 'ECDSA-P384',
        fingerprint256: undefined,
      },
    );
  });

  it('reads what the CA issued', () => {
    const info = inspectCertificate(leaf.certificate);
    assert.equal(info.commonName, 'system:node:worker-0');
    assert.deepEqual(info.organizations, ['system:nodes']);
    assert.equal(info.issuerCommonName, 'kubernetes');
    assert.equal(info.isCA, false);
    assert.deepEqual(info.dnsNames, ['worker-0']);
    assert.deepEqual(info.ipAddresses, ['192.168.1.10']);
    assert.deepEqual(info.usages, ['server', 'client']);
    assert.equal(info.keyAlgorithm, 'ECDSA-P256');
    // A chain reads as its first certificate, the leaf.
    assert.equal(
      inspectCertificate(leaf.certificatePem + ca.certificatePem).commonName,
      'system:node:worker-0',
    );
  });

  it('refuses text without a certificate', () => {
    assert.throws(() => inspectCertificate('hello'), InvalidPemError);
    assert.throws(() => inspectCertificate(leaf.privateKeyPem), /no CERTIFICATE block/);
  });

  it('tells the issuing CA from another CA with the same name', () => {
    assert.equal(isIssuedBy(leaf.certificatePem, ca.certificatePem), true);
    assert.equal(isIssuedBy(leaf.certificate, otherCa.certificate), false);
    assert.equal(isIssuedBy(ca.certificatePem, ca.certificatePem), true); // self-signed
    assert.equal(isIssuedBy(otherCa.certificatePem, ca.certificatePem), false);
    assert.equal(isIssuedBy(ca.certificatePem, leaf.certificatePem), false); // a leaf signs nothing
  });

  it('matches keys to certificates in every form it accepts', async () => {
    assert.equal(keyMatchesCertificate(leaf.privateKeyPem, leaf.certificatePem), true);
    assert.equal(keyMatchesCertificate(leaf.keyPair.exportPrivateKeyPem('pkcs8'), leaf.certificatePem), true);
    assert.equal(keyMatchesCertificate(leaf.keyPair, leaf.certificate), true);
    assert.equal(keyMatchesCertificate(leaf.keyPair.privateKey, leaf.certificate), true);
    assert.equal(keyMatchesCertificate(leaf.keyPair.publicKey, leaf.certificate), true);
    assert.equal(keyMatchesCertificate(ca.keyPair, leaf.certificate), false);
    assert.equal(keyMatchesCertificate(ca.keyPair.publicKey, leaf.certificate), false);
    const rsa = KeyPair.fromPrivateKeyPem((await openssl(['genrsa', '2048'])).stdout);
    assert.equal(keyMatchesCertificate(rsa, leaf.certificate), false);
  });
});
