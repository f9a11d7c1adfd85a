import type { KeyObject } from 'node:crypto';
import { UnsupportedKeyError } from './pki-errors.js';

/** The values of kubeadm's `ClusterConfiguration.encryptionAlgorithm` (v1beta4), spelled the same. */
export const KEY_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384'] as const;

export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** kubeadm's default when `encryptionAlgorithm` is unset. */
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'RSA-2048';

export function isKeyAlgorithm(value: unknown): value is KeyAlgorithm {
  return typeof value === 'string' && (KEY_ALGORITHMS as readonly string[]).includes(value);
}

/** `RSA-2048` → rsa/2048, `ECDSA-P384` → ec/P-384: the parameters node:crypto generates from. */
export type KeyAlgorithmParameters =
  { type: 'rsa'; modulusLength: 2048 | 3072 | 4096 } | { type: 'ec'; namedCurve: 'P-256' | 'P-384' };

export function keyAlgorithmParameters(algorithm: KeyAlgorithm): KeyAlgorithmParameters {
  switch (algorithm) {
    case 'RSA-2048':
      return { type: 'rsa', modulusLength: 2048 };
    case 'RSA-3072':
      return { type: 'rsa', modulusLength: 3072 };
    case 'RSA-4096':
      return { type: 'rsa', modulusLength: 4096 };
    case 'ECDSA-P256':
      return { type: 'ec', namedCurve: 'P-256' };
    case 'ECDSA-P384':
      return { type: 'ec', namedCurve: 'P-384' };
  }
}

// OpenSSL names the NIST curves by their ANSI/SECG names in key details.
const curveAlgorithms: Record<string, KeyAlgorithm> = {
  prime256v1: 'ECDSA-P256',
  'P-256': 'ECDSA-P256',
  secp384r1: 'ECDSA-P384',
  'P-384': 'ECDSA-P384',
};

/** Which supported algorithm a (public or private) key is; throws `UnsupportedKeyError` otherwise. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const algorithm = `RSA-${details.modulusLength ?? 0}`;
    if (isKeyAlgorithm(algorithm)) return algorithm;
    throw new UnsupportedKeyError(`RSA keys must be 2048, 3072 or 4096 bits, got ${details.modulusLength}`);
  }
  if (key.asymmetricKeyType === 'ec') {
    const algorithm = curveAlgorithms[details.namedCurve ?? ''];
    if (algorithm) return algorithm;
    throw new UnsupportedKeyError(`EC keys must use P-256 or P-384, got ${details.namedCurve}`);
  }
  throw new UnsupportedKeyError(`key type ${key.asymmetricKeyType ?? key.type}; expected RSA or ECDSA`);
}
