import type { KeyObject } from 'node:crypto';
import { type CertificateInput, toCertificate } from './certificate-pem.js';
import { KeyPair } from './key-pair.js';

/**
 * True when `issuer` signed `certificate`: the issuer name matches, the issuer may sign certificates (CA,
 * keyCertSign), the key identifiers agree, and the signature verifies with the issuer's key. Validity dates
 * are not checked; compare `inspectCertificate(...).notAfter` for that.
 */
export function isIssuedBy(certificate: CertificateInput, issuer: CertificateInput): boolean {
  const leaf = toCertificate(certificate);
  const ca = toCertificate(issuer);
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

/**
 * True when `key` belongs to `certificate`. A private key (PEM of any supported form, KeyObject or
 * KeyPair) is checked by OpenSSL; a public KeyObject by comparing SubjectPublicKeyInfo bytes.
 */
export function keyMatchesCertificate(
  key: string | KeyObject | KeyPair,
  certificate: CertificateInput,
): boolean {
  const cert = toCertificate(certificate);
  if (typeof key === 'string') return cert.checkPrivateKey(KeyPair.fromPrivateKeyPem(key).privateKey);
  if (key instanceof KeyPair) return cert.checkPrivateKey(key.privateKey);
  if (key.type === 'private') return cert.checkPrivateKey(key);
  const spki = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });
  return spki(key).equals(spki(cert.publicKey));
}
