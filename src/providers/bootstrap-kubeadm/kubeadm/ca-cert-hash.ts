// The public key pins `kubeadm join` checks the cluster CA against (discovery.bootstrapToken.caCertHashes):
// `sha256:` and the lowercase hex SHA-256 of the certificate's DER SubjectPublicKeyInfo, as kubeadm's pubkeypin
// package computes them. Pinning the key, not the certificate, keeps the pin valid when the CA is re-signed.
import { createHash, X509Certificate } from 'node:crypto';
import { InvalidPemError } from '../../../pki/index.js';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The pin of one certificate. */
export function caCertHash(certificate: X509Certificate): string {
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/**
 * One pin per certificate in a PEM bundle (the `<cluster>-ca` Secret's tls.crt), in order, as upstream
 * fills `caCertHashes` when the user gave none. Throws `InvalidPemError` when the text holds no certificate
 * or a block does not parse.
 */
export function caCertHashes(pem: string): string[] {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new InvalidPemError('certificate', 'no CERTIFICATE block');
  return blocks.map((block) => {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch (err) {
      throw new InvalidPemError('certificate', 'CERTIFICATE block does not parse', { cause: err });
    }
    return caCertHash(certificate);
  });
}
