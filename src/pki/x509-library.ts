// The only module that loads @peculiar/x509. Since v2 it resolves its algorithm providers through tsyringe,
// which needs the Reflect metadata polyfill installed before the library's first line runs; ESM evaluates
// imports in order, so this side-effect import must stay first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { KeyAlgorithm } from './key-algorithm.js';
import type { KeyPair } from './key-pair.js';

export { x509 };

/** node:crypto's WebCrypto, passed explicitly so the library never falls back to another global. */
export const pkiCrypto = webcrypto;

type ImportAlgorithm = webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;

/** The signature algorithm Go's crypto/x509 picks for a CA key: SHA-256 with RSA, SHA-256/384 with ECDSA. */
function importAlgorithm(algorithm: KeyAlgorithm): {
  key: ImportAlgorithm;
  sign: webcrypto.EcdsaParams | webcrypto.Algorithm;
} {
  switch (algorithm) {
    case 'RSA-2048':
    case 'RSA-3072':
    case 'RSA-4096':
      return {
        key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        sign: { name: 'RSASSA-PKCS1-v1_5' },
      };
    case 'ECDSA-P256':
      return { key: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } };
    case 'ECDSA-P384':
      return { key: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } };
  }
}

const signingKeys = new WeakMap<KeyPair, Promise<webcrypto.CryptoKey>>();

/** The WebCrypto signing key and algorithm for a CA key pair; the import is done once per key pair. */
export async function signerFor(keyPair: KeyPair): Promise<{
  signingKey: webcrypto.CryptoKey;
  signingAlgorithm: webcrypto.EcdsaParams | webcrypto.Algorithm;
}> {
  const { key, sign } = importAlgorithm(keyPair.algorithm);
  let signingKey = signingKeys.get(keyPair);
  if (!signingKey) {
    const pkcs8 = keyPair.privateKey.export({ type: 'pkcs8', format: 'der' });
    signingKey = pkiCrypto.subtle.importKey('pkcs8', pkcs8, key, false, ['sign']);
    signingKeys.set(keyPair, signingKey);
  }
  return { signingKey: await signingKey, signingAlgorithm: sign };
}
