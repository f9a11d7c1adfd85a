import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KeyPair } from './key-pair.js';
import { InvalidPemError, UnsupportedKeyError } from './pki-errors.js';
import { openssl, type Scratch, scratch } from './test-helpers.js';

describe('KeyPair', () => {
  let tmp: Scratch;
  before(async () => {
    tmp = await scratch();
  });
  after(async () => {
    await tmp.dispose();
  });

  /** `openssl pkey -text` on a key, as an independent reading of what we wrote. */
  async function opensslText(pem: string): Promise<string> {
    const result = await openssl(['pkey', '-noout', '-text', '-in', await tmp.write('key.pem', pem)]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  }

  // RSA-3072 and RSA-4096 are generated and checked the same way by the CertificateAuthority tests.
  for (const [algorithm, label, text] of [
    ['RSA-2048', 'RSA PRIVATE KEY', /Private-Key: \(2048 bit, 2 primes\)/],
    ['ECDSA-P256', 'EC PRIVATE KEY', /NIST CURVE: P-256/],
    ['ECDSA-P384', 'EC PRIVATE KEY', /NIST CURVE: P-384/],
  ] as const) {
    it(`writes ${algorithm} private keys as kubeadm does (${label}) and public keys as PKIX`, async (t) => {
      const start = performance.now();
      // RSA-2048 is what kubeadm generates when encryptionAlgorithm is unset, and the default here.
      const pair = algorithm === 'RSA-2048' ? await KeyPair.generate() : await KeyPair.generate(algorithm);
      t.diagnostic(`${algorithm} key generation: ${Math.round(performance.now() - start)} ms`);
      assert.equal(pair.algorithm, algorithm);
      assert.match(pair.privateKeyPem, new RegExp(`^-----BEGIN ${label}-----\n`));
      assert.match(await opensslText(pair.privateKeyPem), text);
      assert.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
      const pub = await openssl([
        'pkey',
        '-pubin',
        '-noout',
        '-in',
        await tmp.write('pub.pem', pair.publicKeyPem),
      ]);
      assert.equal(pub.code, 0, pub.stderr);
      // PKCS#8 is offered too, and every form reads back to the same key.
      const pkcs8 = pair.exportPrivateKeyPem('pkcs8');
      assert.match(pkcs8, /^-----BEGIN PRIVATE KEY-----\n/);
      assert.equal(KeyPair.fromPrivateKeyPem(pkcs8).publicKeyPem, pair.publicKeyPem);
      assert.equal(KeyPair.fromPrivateKeyPem(pair.privateKeyPem).publicKeyPem, pair.publicKeyPem);
    });
  }

  it('reads keys in the forms openssl writes them', async () => {
    const rsaPkcs8 = (await openssl(['genrsa', '2048'])).stdout;
    const rsaPkcs1 = (await openssl(['rsa', '-traditional'], rsaPkcs8)).stdout;
    const ecPkcs8 = (await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']))
      .stdout;
    const ecSec1 = (await openssl(['ecparam', '-name', 'secp384r1', '-genkey'])).stdout;
    const forms: [string, string, RegExp][] = [
      [rsaPkcs8, 'RSA-2048', /^-----BEGIN PRIVATE KEY-----/],
      [rsaPkcs1, 'RSA-2048', /^-----BEGIN RSA PRIVATE KEY-----/],
      [ecPkcs8, 'ECDSA-P256', /^-----BEGIN PRIVATE KEY-----/],
      // `ecparam -genkey` puts an EC PARAMETERS block before the SEC1 key.
      [ecSec1, 'ECDSA-P384', /^-----BEGIN EC PARAMETERS-----[\s\S]*-----BEGIN EC PRIVATE KEY-----/],
    ];
    for (const [pem, algorithm, shape] of forms) {
      assert.match(pem, shape);
      const pair = KeyPair.fromPrivateKeyPem(pem);
      assert.equal(pair.algorithm, algorithm);
      // The public key we derive is the one openssl derives.
      const pub = await openssl(['pkey', '-pubout', '-in', await tmp.write('in.pem', pem)]);
      assert.equal(pair.publicKeyPem, pub.stdout);
    }
    // A PKCS#8 RSA key is written back in kubeadm's PKCS#1 form.
    assert.equal(KeyPair.fromPrivateKeyPem(rsaPkcs8).privateKeyPem, rsaPkcs1);
    assert.throws(() => KeyPair.fromPrivateKeyPem(rsaPkcs8).exportPrivateKeyPem('sec1'), UnsupportedKeyError);
  });

  it('refuses keys outside kubeadm’s encryption algorithms', () => {
    const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']): string =>
      key.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.throws(
      () => KeyPair.fromPrivateKeyPem(pem(generateKeyPairSync('ed25519').privateKey)),
      UnsupportedKeyError,
    );
    assert.throws(
      () => KeyPair.fromPrivateKeyPem(pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)),
      /2048, 3072 or 4096 bits, got 1024/,
    );
    assert.throws(
      () => KeyPair.fromPrivateKeyPem(pem(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey)),
      /P-256 or P-384, got secp521r1/,
    );
    assert.throws(
      () => new KeyPair(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
      /public key/,
    );
  });

  it('refuses encrypted keys instead of prompting for a passphrase', async () => {
    const pkcs8 = await openssl([
      ...'genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256'.split(' '),
      ...['-aes256', '-pass', 'pass:x'],
    ]);
    assert.match(pkcs8.stdout, /ENCRYPTED PRIVATE KEY/);
    assert.throws(() => KeyPair.fromPrivateKeyPem(pkcs8.stdout), UnsupportedKeyError);
    const plain = await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']);
    const legacy = await openssl(['ec', '-aes128', '-passout', 'pass:x'], plain.stdout);
    assert.match(legacy.stdout, /Proc-Type: 4,ENCRYPTED/);
    assert.throws(() => KeyPair.fromPrivateKeyPem(legacy.stdout), UnsupportedKeyError);
  });

  it('says what it found when the text holds no private key', async () => {
    assert.throws(() => KeyPair.fromPrivateKeyPem('not pem at all'), /found no PEM block/);
    const pair = await KeyPair.generate('ECDSA-P256');
    assert.throws(() => KeyPair.fromPrivateKeyPem(pair.publicKeyPem), /found PUBLIC KEY/);
    // Break the DER header (the first base64 characters of the body).
    const corrupt = pair.privateKeyPem.replace(/\n[A-Za-z0-9+/]{8}/, '\nAAAAAAAA');
    assert.throws(() => KeyPair.fromPrivateKeyPem(corrupt), InvalidPemError);
  });

  it('will not write an ECDSA key as PKCS#1', async () => {
    const ec = await KeyPair.generate('ECDSA-P256');
    assert.throws(() => ec.exportPrivateKeyPem('pkcs1'), UnsupportedKeyError);
  });
});
