import type { CertificateUsage } from './certificate-request.js';
import { canonicalIp } from './certificate-request.js';
import { type CertificateInput, toCertificate } from './certificate-pem.js';
import { type KeyAlgorithm, keyAlgorithmOf } from './key-algorithm.js';
import { x509 } from './x509-library.js';

/** What `openssl x509 -noout -text` would tell a person about a certificate, as data. */
export interface CertificateInfo {
  /** Subject CN (empty when there is none). */
  commonName: string;
  /** Subject O values, in order; for client certificates these are the Kubernetes groups. */
  organizations: string[];
  issuerCommonName: string;
  /** Upper-case hex without separators, as node:crypto prints it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  dnsNames: string[];
  /** Canonical text form (`::1`, not `0:0:0:0:0:0:0:1`). */
  ipAddresses: string[];
  /** From extKeyUsage: serverAuth → `server`, clientAuth → `client`. */
  usages: CertificateUsage[];
  /** Undefined for a key outside kubeadm's algorithms. */
  keyAlgorithm: KeyAlgorithm | undefined;
  /** SHA-256 fingerprint, colon-separated upper-case hex. */
  fingerprint256: string;
}

/** Reads a certificate (PEM or parsed); throws `InvalidPemError` for text that holds no certificate. */
export function inspectCertificate(input: CertificateInput): CertificateInfo {
  const certificate = toCertificate(input);
  // node:crypto gives validity, CA flag and serial; the names come from a structured parse because node's
  // subject and SAN strings are escaped text that multi-valued or unusual names make ambiguous.
  const parsed = new x509.X509Certificate(certificate.raw);
  const names = parsed.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const extendedKeyUsages = parsed.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  const usages: CertificateUsage[] = [];
  if (extendedKeyUsages.includes(x509.ExtendedKeyUsage.serverAuth)) usages.push('server');
  if (extendedKeyUsages.includes(x509.ExtendedKeyUsage.clientAuth)) usages.push('client');
  let keyAlgorithm: KeyAlgorithm | undefined;
  try {
    keyAlgorithm = keyAlgorithmOf(certificate.publicKey);
  } catch {
    keyAlgorithm = undefined;
  }
  return {
    commonName: parsed.subjectName.getField('CN')[0] ?? '',
    organizations: parsed.subjectName.getField('O'),
    issuerCommonName: parsed.issuerName.getField('CN')[0] ?? '',
    serialNumber: certificate.serialNumber.toUpperCase(),
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
    isCA: certificate.ca,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => canonicalIp(n.value) ?? n.value),
    usages,
    keyAlgorithm,
    fingerprint256: certificate.fingerprint256,
  };
}
