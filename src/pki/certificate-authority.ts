import { createPublicKey, type KeyObject, randomBytes, type X509Certificate } from 'node:crypto';
import { isDnsName, normalizeCertificateRequest } from './certificate-request.js';
import type { CertificateRequest } from './certificate-request.js';
import { parseCertificatePem } from './certificate-pem.js';
import { type KeyAlgorithm, keyAlgorithmOf } from './key-algorithm.js';
import { KeyPair } from './key-pair.js';
import { encodePem } from './pem.js';
import { InvalidPemError, KeyMismatchError, NotCertificateAuthorityError } from './pki-errors.js';
import { pkiCrypto, signerFor, x509 } from './x509-library.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** kubeadm's `CACertificateValidityPeriod`: ten years. */
export const CA_CERTIFICATE_VALIDITY_MS = 10 * 365 * DAY_MS;
/** kubeadm's `CertificateValidityPeriod` for every leaf: one year. */
export const CERTIFICATE_VALIDITY_MS = 365 * DAY_MS;
/** kubeadm's `CertificateBackdate`: notBefore lies this far in the past so small clock skew is tolerated. */
export const CERTIFICATE_BACKDATE_MS = 5 * 60 * 1000;

export interface CertificateAuthorityOptions {
  /** Subject CN; `kubernetes` (the cluster CA). kubeadm uses `etcd-ca` and `front-proxy-ca` for the others. */
  commonName?: string;
  organizations?: readonly string[];
  /** Algorithm of a fresh key; `RSA-2048` like kubeadm. Ignored when `keyPair` is given. */
  keyAlgorithm?: KeyAlgorithm;
  /** Use this key instead of generating one. */
  keyPair?: KeyPair;
  /** Ten years unless set. */
  validityMs?: number;
  /** The clock, for tests. */
  now?: Date;
}

export interface IssueCertificateOptions extends CertificateRequest {
  /** Algorithm of the fresh leaf key; defaults to the CA's own algorithm (kubeadm uses one for all). */
  keyAlgorithm?: KeyAlgorithm;
  /** Certify this key instead of generating one. */
  keyPair?: KeyPair;
}

export interface SignCertificateOptions extends CertificateRequest {
  /** The subject's public key (PEM `PUBLIC KEY`/`RSA PUBLIC KEY`, or a KeyObject), as from a CSR. */
  publicKey: string | KeyObject;
}

export interface SignedCertificate {
  certificatePem: string;
  certificate: X509Certificate;
}

export interface IssuedCertificate extends SignedCertificate {
  keyPair: KeyPair;
  /** `keyPair.privateKeyPem`: PKCS#1 for RSA, SEC1 for ECDSA. */
  privateKeyPem: string;
}

/** The two halves kubeadm keeps in `ca.crt`/`ca.key` and Cluster API in the `<cluster>-ca` Secret. */
export interface CertificateAuthorityPem {
  certificatePem: string;
  privateKeyPem: string;
}

/**
 * A CA: its certificate and key, and the means to sign leaves with it. Certificates come out as kubeadm's
 * pkiutil makes them: random serials, SHA-256 signatures (SHA-384 for P-384 keys), critical basic
 * constraints and key usage, subject and authority key identifiers.
 */
export class CertificateAuthority {
  readonly certificate: X509Certificate;
  readonly certificatePem: string;
  readonly keyPair: KeyPair;
  readonly #parsed: x509.X509Certificate;

  private constructor(certificatePem: string, certificate: X509Certificate, keyPair: KeyPair) {
    this.certificatePem = certificatePem;
    this.certificate = certificate;
    this.keyPair = keyPair;
    this.#parsed = new x509.X509Certificate(certificate.raw);
  }

  /**
   * A new self-signed CA (client-go's `NewSelfSignedCACert` as kubeadm calls it): basicConstraints CA:TRUE
   * and keyUsage digitalSignature, keyEncipherment, keyCertSign, both critical; DNS SAN = the CN.
   */
  static async create(options: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
    const commonName = options.commonName ?? 'kubernetes';
    // The CA is checked as a request would be; its usage is not used (CAs carry no extKeyUsage).
    const { organizations, validityMs } = normalizeCertificateRequest(
      {
        commonName,
        organizations: options.organizations,
        usages: ['server'],
        validityMs: options.validityMs,
      },
      CA_CERTIFICATE_VALIDITY_MS,
    );
    const keyPair = options.keyPair ?? (await KeyPair.generate(options.keyAlgorithm));
    const now = options.now ?? new Date();
    const name = subjectName(commonName, organizations);
    const spki = keyPair.publicKeyDer;
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment |
          x509.KeyUsageFlags.keyCertSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(spki, false, pkiCrypto),
    ];
    if (isDnsName(commonName)) {
      extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: commonName }]));
    }
    const signed = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerialNumber(),
        subject: name,
        issuer: name,
        notBefore: new Date(now.getTime() - CERTIFICATE_BACKDATE_MS),
        notAfter: new Date(now.getTime() + validityMs),
        publicKey: spki,
        ...(await signerFor(keyPair)),
        extensions,
      },
      pkiCrypto,
    );
    const certificatePem = encodePem('CERTIFICATE', new Uint8Array(signed.rawData));
    return new CertificateAuthority(certificatePem, parseCertificatePem(certificatePem), keyPair);
  }

  /**
   * Loads an existing CA (kubeadm's `ca.crt`/`ca.key`, a `<cluster>-ca` Secret). Throws
   * `NotCertificateAuthorityError` when the certificate is not a CA and `KeyMismatchError` when the key is not
   * the certificate's.
   */
  static fromPem(pem: CertificateAuthorityPem): CertificateAuthority {
    const certificate = parseCertificatePem(pem.certificatePem);
    if (!certificate.ca) throw new NotCertificateAuthorityError(certificate.subject.replace(/\n/g, ', '));
    const keyPair = KeyPair.fromPrivateKeyPem(pem.privateKeyPem);
    if (!certificate.checkPrivateKey(keyPair.privateKey)) {
      throw new KeyMismatchError('the CA private key does not match the CA certificate');
    }
    return new CertificateAuthority(encodePem('CERTIFICATE', certificate.raw), certificate, keyPair);
  }

  /** The CA key as kubeadm writes it (PKCS#1 for RSA, SEC1 for ECDSA). */
  get privateKeyPem(): string {
    return this.keyPair.privateKeyPem;
  }

  toPem(): CertificateAuthorityPem {
    return { certificatePem: this.certificatePem, privateKeyPem: this.privateKeyPem };
  }

  /** A fresh key pair and a certificate for it (kubeadm's `NewCertAndKey`). */
  async issue(options: IssueCertificateOptions): Promise<IssuedCertificate> {
    normalizeCertificateRequest(options, CERTIFICATE_VALIDITY_MS); // fail before spending time on a key
    const keyPair =
      options.keyPair ?? (await KeyPair.generate(options.keyAlgorithm ?? this.keyPair.algorithm));
    const signed = await this.#sign(options, keyPair.publicKey);
    return { ...signed, keyPair, privateKeyPem: keyPair.privateKeyPem };
  }

  /** A certificate for a key the caller holds (CSR-like flows); only the public key is needed. */
  async sign(options: SignCertificateOptions): Promise<SignedCertificate> {
    normalizeCertificateRequest(options, CERTIFICATE_VALIDITY_MS);
    return this.#sign(options, toPublicKey(options.publicKey));
  }

  async #sign(options: CertificateRequest, publicKey: KeyObject): Promise<SignedCertificate> {
    const request = normalizeCertificateRequest(options, CERTIFICATE_VALIDITY_MS);
    const now = options.now ?? new Date();
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const rsa = keyAlgorithmOf(publicKey).startsWith('RSA');
    // keyEncipherment only means something for RSA key transport; Go and kubeadm leave it off ECDSA leaves.
    const keyUsage = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
    const extendedKeyUsages = request.usages.map((u) =>
      u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    );
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(keyUsage, true),
      new x509.ExtendedKeyUsageExtension(extendedKeyUsages, false),
      await x509.SubjectKeyIdentifierExtension.create(spki, false, pkiCrypto),
      await this.#authorityKeyIdentifier(),
    ];
    const altNames: x509.JsonGeneralName[] = [
      ...request.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...request.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ];
    if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames, false));
    const signed = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerialNumber(),
        subject: subjectName(request.commonName, request.organizations),
        // The CA's subject bytes as they are, so chain building (which compares raw names) links the two.
        issuer: this.#parsed.subjectName,
        notBefore: new Date(now.getTime() - CERTIFICATE_BACKDATE_MS),
        notAfter: new Date(now.getTime() + request.validityMs),
        publicKey: spki,
        ...(await signerFor(this.keyPair)),
        extensions,
      },
      pkiCrypto,
    );
    const certificatePem = encodePem('CERTIFICATE', new Uint8Array(signed.rawData));
    return { certificatePem, certificate: parseCertificatePem(certificatePem) };
  }

  async #authorityKeyIdentifier(): Promise<x509.AuthorityKeyIdentifierExtension> {
    const ski = this.#parsed.getExtension(x509.SubjectKeyIdentifierExtension);
    // A CA brought from elsewhere may lack a subject key identifier; derive it the RFC 5280 way then.
    return ski
      ? new x509.AuthorityKeyIdentifierExtension(ski.keyId, false)
      : x509.AuthorityKeyIdentifierExtension.create(this.keyPair.publicKeyDer, false, pkiCrypto);
  }
}

/** O before CN, one RDN per organization (Go orders them so; each O is its own RDN as `openssl -subj` does). */
function subjectName(commonName: string, organizations: readonly string[]): x509.Name {
  return new x509.Name([...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }]);
}

/**
 * 126 random bits in a 16-octet positive INTEGER (RFC 5280 allows 20): the top bits are fixed at 01 so the
 * encoding needs no leading zero and every serial prints as 32 hex digits. kubeadm draws 63 random bits.
 */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function toPublicKey(input: string | KeyObject): KeyObject {
  let key: KeyObject;
  if (typeof input === 'string') {
    try {
      key = createPublicKey(input);
    } catch (err) {
      throw new InvalidPemError('public key', 'does not decode', { cause: err });
    }
  } else {
    key = input.type === 'private' ? createPublicKey(input) : input;
  }
  keyAlgorithmOf(key);
  return key;
}
