import { X509Certificate } from 'node:crypto';
import { parsePemBlocks } from './pem.js';
import { InvalidPemError } from './pki-errors.js';

/** A certificate as PEM text or already parsed. */
export type CertificateInput = string | X509Certificate;

/**
 * The first `CERTIFICATE` block of `pem` (the leaf, when `pem` is a chain, as kubeadm reads it).
 * Throws `InvalidPemError` when there is none or it does not parse.
 */
export function parseCertificatePem(pem: string): X509Certificate {
  const block = parsePemBlocks(pem).find((b) => b.label === 'CERTIFICATE');
  if (!block) throw new InvalidPemError('certificate', 'no CERTIFICATE block');
  try {
    return new X509Certificate(block.der);
  } catch (err) {
    throw new InvalidPemError('certificate', 'CERTIFICATE block does not parse', { cause: err });
  }
}

export function toCertificate(input: CertificateInput): X509Certificate {
  return typeof input === 'string' ? parseCertificatePem(input) : input;
}
