import { isIP } from 'node:net';
import { InvalidCertificateRequestError } from './pki-errors.js';

/** `server` → extKeyUsage serverAuth (`openssl -purpose sslserver`), `client` → clientAuth. */
export type CertificateUsage = 'server' | 'client';

/** What a leaf certificate says about its holder; the CA decides everything else. */
export interface CertificateRequest {
  /** Subject CN: the user name for client certificates (`kubernetes-admin`, `system:node:<name>`). */
  commonName: string;
  /** Subject O, one RDN each: the groups for client certificates (`system:masters`). */
  organizations?: readonly string[];
  /** DNS SANs; a leading `*.` wildcard label is allowed. Duplicates are dropped, as kubeadm does. */
  dnsNames?: readonly string[];
  /** IP SANs, IPv4 or IPv6 (no zone). */
  ipAddresses?: readonly string[];
  /** At least one; kubeadm refuses a certificate without an extended key usage. */
  usages: readonly CertificateUsage[];
  /** Lifetime from now; defaults to a year (kubeadm's `CertificateValidityPeriod`). */
  validityMs?: number;
  /** The clock, for tests; defaults to the current time. */
  now?: Date;
}

/** A request checked and normalized: SANs deduplicated, IPv6 addresses in canonical (compressed) form. */
export interface NormalizedCertificateRequest {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: CertificateUsage[];
  validityMs: number;
}

// RFC 1123 labels, case-insensitive (DNS is; Go's hostname matching is), optionally behind one `*.` label.
const dnsName = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

/**
 * Throws `InvalidCertificateRequestError` naming the first bad field. `defaultValidityMs` fills in a missing
 * `validityMs`.
 */
export function normalizeCertificateRequest(
  request: CertificateRequest,
  defaultValidityMs: number,
): NormalizedCertificateRequest {
  if (typeof request.commonName !== 'string' || request.commonName.trim() === '') {
    throw new InvalidCertificateRequestError('commonName', 'must not be empty');
  }
  const organizations = [...(request.organizations ?? [])];
  organizations.forEach((o, i) => {
    if (typeof o !== 'string' || o === '') {
      throw new InvalidCertificateRequestError(`organizations[${i}]`, 'must not be empty');
    }
  });
  const dnsNames = (request.dnsNames ?? []).map((name, i) => {
    if (!isDnsName(name, { wildcard: true })) {
      throw new InvalidCertificateRequestError(`dnsNames[${i}]`, `"${String(name)}" is not a DNS name`);
    }
    return name;
  });
  const ipAddresses = (request.ipAddresses ?? []).map((ip, i) => {
    const canonical = canonicalIp(ip);
    if (!canonical) {
      throw new InvalidCertificateRequestError(`ipAddresses[${i}]`, `"${String(ip)}" is not an IP address`);
    }
    return canonical;
  });
  const usages = [...new Set(request.usages ?? [])];
  if (usages.length === 0) {
    throw new InvalidCertificateRequestError('usages', 'at least one of server, client is required');
  }
  usages.forEach((u, i) => {
    if (u !== 'server' && u !== 'client') {
      throw new InvalidCertificateRequestError(`usages[${i}]`, `"${String(u)}" is not server or client`);
    }
  });
  return {
    commonName: request.commonName,
    organizations,
    dnsNames: [...new Set(dnsNames)],
    ipAddresses: [...new Set(ipAddresses)],
    usages,
    validityMs: validityOrDefault(request.validityMs, defaultValidityMs),
  };
}

/** An RFC 1123 host name (case-insensitive), optionally with one leading `*.` label. */
export function isDnsName(name: unknown, options: { wildcard?: boolean } = {}): name is string {
  if (typeof name !== 'string' || name.length > 253) return false;
  if (!dnsName.test(name)) return false;
  return options.wildcard === true || !name.startsWith('*.');
}

/** `::0:1` → `::1`; undefined for anything that is not a plain IPv4/IPv6 address. */
export function canonicalIp(ip: unknown): string | undefined {
  if (typeof ip !== 'string') return undefined;
  switch (isIP(ip)) {
    case 4:
      return ip;
    case 6:
      if (ip.includes('%')) return undefined;
      // The WHATWG URL parser serializes IPv6 hosts in RFC 5952 canonical form.
      return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    default:
      return undefined;
  }
}

function validityOrDefault(validityMs: number | undefined, fallback: number): number {
  if (validityMs === undefined) return fallback;
  if (typeof validityMs !== 'number' || !Number.isFinite(validityMs) || validityMs <= 0) {
    throw new InvalidCertificateRequestError(
      'validityMs',
      `must be a positive number of milliseconds, got ${String(validityMs)}`,
    );
  }
  return validityMs;
}
