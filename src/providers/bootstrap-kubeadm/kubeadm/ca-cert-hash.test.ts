import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { CertificateAuthority, isPkiError } from '../../../pki/index.js';
import { run } from '../../../pki/test-helpers.js';
import { caCertHash, caCertHashes } from './index.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The pin as kubeadm's documentation computes it with openssl. */
async function opensslPin(certificatePem: string): Promise<string> {
  const result = await run(
    'sh',
    ['-c', 'openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum'],
    { input: certificatePem },
  );
  assert.equal(result.code, 0, result.stderr);
  return `sha256:${result.stdout.split(/\s/)[0]}`;
}

describe('caCertHashes', () => {
  it(
    'pins the SubjectPublicKeyInfo exactly as `openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256sum`',
    { skip: hasOpenssl ? false : 'openssl not found on PATH' },
    async () => {
      const rsa = await CertificateAuthority.create();
      const ecdsa = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
      const [rsaPin, ecdsaPin] = caCertHashes(rsa.certificatePem + ecdsa.certificatePem);
      assert.equal(rsaPin, await opensslPin(rsa.certificatePem));
      assert.equal(ecdsaPin, await opensslPin(ecdsa.certificatePem));
      assert.match(rsaPin ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.equal(caCertHash(rsa.certificate), rsaPin);
    },
  );

  it('refuses text without a certificate', () => {
    assert.throws(() => caCertHashes('not a certificate'), isPkiError);
    assert.throws(
      () => caCertHashes('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
      isPkiError,
    );
  });
});
