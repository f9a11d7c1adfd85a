import { createHash, createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import type { Client, Reader } from '../../controller-runtime/client/client.js';
import type { OwnerObject } from '../../controller-runtime/helpers/owner-references.js';
import {
  CertificateAuthority,
  DEFAULT_KEY_ALGORITHM,
  isKeyAlgorithm,
  type KeyAlgorithm,
  KeyPair,
  keyMatchesCertificate,
  parseCertificatePem,
} from '../../pki/index.js';
import { SecretDataKey, SecretPurpose, secretName } from '../api/v1beta2/well-known.js';
import {
  adoptClusterSecret,
  type ClusterKey,
  type ClusterSecret,
  createOrReadSecret,
  getSecret,
  newClusterSecret,
  secretOwnerReference,
  secretText,
} from './cluster-secret.js';
import {
  InvalidClusterSecretError,
  MissingClusterSecretError,
  type SecretLocation,
} from './cluster-secret-errors.js';

/** The certificate Secrets of a cluster: `<cluster>-ca`, `-etcd`, `-proxy`, `-sa`, `-apiserver-etcd-client`. */
export type CertificatePurpose = Exclude<SecretPurpose, typeof SecretPurpose.Kubeconfig>;
/** The three certificate authorities. */
export type CAPurpose =
  typeof SecretPurpose.ClusterCA | typeof SecretPurpose.EtcdCA | typeof SecretPurpose.FrontProxyCA;

const CA_PURPOSES: readonly CertificatePurpose[] = [
  SecretPurpose.ClusterCA,
  SecretPurpose.EtcdCA,
  SecretPurpose.FrontProxyCA,
];

const DAY_MS = 24 * 60 * 60 * 1000;
/** Upstream's `DefaultCACertificatesExpiryDays` (kubeadm's CA validity): ten years. */
export const DEFAULT_CA_VALIDITY_DAYS = 3650;
/** The subject CN upstream gives every CA it generates: cluster, etcd and front-proxy alike. */
export const GENERATED_CA_COMMON_NAME = 'kubernetes';

const purposeLabel: Record<CertificatePurpose, string> = {
  ca: 'cluster CA',
  etcd: 'etcd CA',
  proxy: 'front-proxy CA',
  sa: 'service-account key pair',
  'apiserver-etcd-client': 'API server etcd client certificate',
};

/** One certificate Secret of the set: what was found (or generated) under its name. */
export interface ClusterCertificate {
  readonly purpose: CertificatePurpose;
  /** `<cluster>-<purpose>`. */
  readonly secretName: string;
  /**
   * Supplied by the user and never generated: with external etcd, the etcd CA and the API server's etcd client
   * certificate. Lookup fails when one is missing; its `tls.key` is optional.
   */
  readonly external: boolean;
  /** The Secret as read or created; undefined when it does not exist (lookup only). */
  readonly secret: ClusterSecret | undefined;
  /** Whether this call created the Secret. */
  readonly generated: boolean;
  /** `tls.crt`: a certificate PEM, or for `sa` the public key PEM (kubeadm's `sa.pub`). */
  readonly certificatePem: string | undefined;
  /**
   * `tls.key`; undefined when the Secret holds none — a CA whose key is kept outside the cluster (kubeadm's
   * external CA mode) or an external etcd client key placed on the machines otherwise.
   */
  readonly privateKeyPem: string | undefined;
}

export interface ClusterCertificatesOptions {
  cluster: ClusterKey;
  /**
   * kubeadm's `clusterConfiguration.etcd.external` is set: the etcd CA (`tls.key` optional) and
   * `<cluster>-apiserver-etcd-client` must be supplied by the user, as upstream's set has them.
   */
  externalEtcd?: boolean;
  signal?: AbortSignal;
}

export interface GenerateClusterCertificatesOptions extends ClusterCertificatesOptions {
  /** The KubeadmControlPlane or KubeadmConfig: controller owner of every Secret this call creates. */
  owner: OwnerObject;
  /** kubeadm's `encryptionAlgorithm` for every generated key; `RSA-2048` unless set. */
  algorithm?: KeyAlgorithm;
  /** kubeadm's `caCertificateValidityPeriodDays`; 3650 unless set (0 counts as unset, as upstream). */
  caValidityDays?: number;
  /** Where Secrets are read (an uncached reader: managers do not cache Secrets); `client` unless set. */
  reader?: Reader;
  /** The clock, for tests. */
  now?: Date;
}

/** What of kubeadm's ClusterConfiguration decides the set and how it is generated (structurally typed). */
export interface CertificateSettingsSource {
  encryptionAlgorithm?: string;
  caCertificateValidityPeriodDays?: number;
  etcd?: { external?: unknown };
}

/**
 * `algorithm`, `caValidityDays` and `externalEtcd` from a KubeadmConfigSpec's `clusterConfiguration`, as
 * upstream's `NewCertificatesForInitialControlPlane` reads them. Throws `TypeError` for an algorithm outside
 * kubeadm's set (the API schema already refuses those).
 */
export function certificateSettingsFrom(
  clusterConfiguration: CertificateSettingsSource | undefined,
): Pick<GenerateClusterCertificatesOptions, 'algorithm' | 'caValidityDays' | 'externalEtcd'> {
  const algorithm = clusterConfiguration?.encryptionAlgorithm || undefined;
  if (algorithm !== undefined && !isKeyAlgorithm(algorithm)) {
    throw new TypeError(`encryptionAlgorithm ${JSON.stringify(algorithm)} is not one of kubeadm's`);
  }
  return {
    ...(algorithm ? { algorithm } : {}),
    ...(clusterConfiguration?.caCertificateValidityPeriodDays
      ? { caValidityDays: clusterConfiguration.caCertificateValidityPeriodDays }
      : {}),
    externalEtcd: clusterConfiguration?.etcd?.external !== undefined,
  };
}

interface Slot {
  purpose: CertificatePurpose;
  external: boolean;
}

/** Upstream's set for a control plane: three CAs and the SA key pair; external etcd swaps in user material. */
function slotsFor(externalEtcd: boolean): Slot[] {
  return [
    { purpose: SecretPurpose.ClusterCA, external: false },
    { purpose: SecretPurpose.EtcdCA, external: externalEtcd },
    { purpose: SecretPurpose.FrontProxyCA, external: false },
    { purpose: SecretPurpose.ServiceAccount, external: false },
    ...(externalEtcd ? [{ purpose: SecretPurpose.APIServerEtcdClient, external: true }] : []),
  ];
}

/**
 * A cluster's certificate Secrets, as upstream's `util/secret` Certificates: looked up by name, the missing
 * ones generated and created with the caller as controller owner. Secrets that exist are used as they are —
 * never overwritten — after checking that their data is usable (typed errors name the Secret and key).
 */
export class ClusterCertificates {
  readonly cluster: ClusterKey;
  readonly externalEtcd: boolean;
  readonly #certificates: ClusterCertificate[];

  private constructor(cluster: ClusterKey, externalEtcd: boolean, certificates: ClusterCertificate[]) {
    this.cluster = cluster;
    this.externalEtcd = externalEtcd;
    this.#certificates = certificates;
  }

  /**
   * Reads the set without generating anything (what a joining machine, or a control plane that is already
   * initialized, does). Missing Secrets are reported by `missing()`; a missing external one throws
   * `MissingClusterSecretError`; unusable data throws `InvalidClusterSecretError`.
   */
  static async lookup(reader: Reader, options: ClusterCertificatesOptions): Promise<ClusterCertificates> {
    const externalEtcd = options.externalEtcd ?? false;
    const slots = slotsFor(externalEtcd);
    const { namespace, name } = options.cluster;
    const secrets = await Promise.all(
      slots.map((s) => getSecret(reader, namespace, secretName(name, s.purpose), options.signal)),
    );
    const certificates = slots.map((slot, i) => {
      const secret = secrets[i];
      const location = { namespace, name: secretName(name, slot.purpose) };
      if (secret) return readCertificate(slot, secret);
      if (slot.external) {
        throw new MissingClusterSecretError(
          location,
          `not found; with external etcd the ${purposeLabel[slot.purpose]} is supplied by the user`,
        );
      }
      const missing: ClusterCertificate = {
        ...slot,
        secretName: location.name,
        secret: undefined,
        generated: false,
        certificatePem: undefined,
        privateKeyPem: undefined,
      };
      return missing;
    });
    return new ClusterCertificates(options.cluster, externalEtcd, certificates);
  }

  /**
   * `lookup`, then generates what is missing (never the external ones) and creates each as a
   * `cluster.x-k8s.io/secret` labelled with the cluster name and controlled by `owner`. A Secret another
   * writer created meanwhile is read back and used instead of the one generated here.
   */
  static async lookupOrGenerate(
    client: Client,
    options: GenerateClusterCertificatesOptions,
  ): Promise<ClusterCertificates> {
    const reader = options.reader ?? client;
    const found = await ClusterCertificates.lookup(reader, options);
    const algorithm = options.algorithm ?? DEFAULT_KEY_ALGORITHM;
    const validityMs = (options.caValidityDays || DEFAULT_CA_VALIDITY_DAYS) * DAY_MS;
    const owner = secretOwnerReference(options.owner, true);
    const certificates = await Promise.all(
      found.#certificates.map(async (c): Promise<ClusterCertificate> => {
        if (c.secret || c.external) return c;
        const material = await generate(c.purpose, algorithm, validityMs, options.now);
        const { secret, created } = await createOrReadSecret(
          client,
          reader,
          newClusterSecret({
            cluster: options.cluster,
            name: c.secretName,
            data: {
              [SecretDataKey.TLSCrt]: material.certificatePem,
              [SecretDataKey.TLSKey]: material.privateKeyPem,
            },
            owner,
          }),
          options.signal,
        );
        return created ? { ...c, secret, generated: true, ...material } : readCertificate(c, secret);
      }),
    );
    return new ClusterCertificates(options.cluster, found.externalEtcd, certificates);
  }

  /** Every certificate of the set, in a fixed order: ca, etcd, proxy, sa, then apiserver-etcd-client. */
  all(): readonly ClusterCertificate[] {
    return this.#certificates;
  }

  get(purpose: CertificatePurpose): ClusterCertificate | undefined {
    return this.#certificates.find((c) => c.purpose === purpose);
  }

  /** Purposes whose Secret does not exist. */
  missing(): CertificatePurpose[] {
    return this.#certificates.filter((c) => !c.secret).map((c) => c.purpose);
  }

  /**
   * Upstream's `EnsureAllExist`, for joining control plane machines: every Secret exists and, except for the
   * external ones, holds its key. Throws `MissingClusterSecretError` or `InvalidClusterSecretError`.
   */
  ensureAllExist(): this {
    for (const c of this.#certificates) {
      const location = this.#location(c.purpose);
      if (!c.secret)
        throw new MissingClusterSecretError(location, `not found; the ${purposeLabel[c.purpose]} is needed`);
      if (!c.privateKeyPem && !c.external) {
        throw new InvalidClusterSecretError(
          { ...location, key: SecretDataKey.TLSKey },
          `is missing; joining control plane machines need the ${purposeLabel[c.purpose]} key`,
        );
      }
    }
    return this;
  }

  /** `tls.crt` of a purpose (for `sa`, the public key PEM); throws `MissingClusterSecretError` when absent. */
  certificatePem(purpose: CertificatePurpose): string {
    return this.#present(purpose).certificatePem!;
  }

  /**
   * `tls.key` of a purpose; throws `MissingClusterSecretError` when the Secret is absent and
   * `InvalidClusterSecretError` when it holds no key (a CA kept outside the cluster).
   */
  privateKeyPem(purpose: CertificatePurpose): string {
    const c = this.#present(purpose);
    if (!c.privateKeyPem) {
      throw new InvalidClusterSecretError(
        { ...this.#location(purpose), key: SecretDataKey.TLSKey },
        `is missing; the ${purposeLabel[purpose]} key is not in the cluster (external CA mode)`,
      );
    }
    return c.privateKeyPem;
  }

  /** A CA loaded for issuing (kubeconfig client certificates, etcd client certificates); needs its key. */
  certificateAuthority(purpose: CAPurpose): CertificateAuthority {
    return CertificateAuthority.fromPem({
      certificatePem: this.certificatePem(purpose),
      privateKeyPem: this.privateKeyPem(purpose),
    });
  }

  /**
   * `sha256:<hex>` of each certificate's SubjectPublicKeyInfo in a CA's `tls.crt` (upstream's `Hashes`): what
   * kubeadm's join discovery pins as `caCertHashes`.
   */
  caCertificateHashes(purpose: CAPurpose = SecretPurpose.ClusterCA): string[] {
    const pem = this.certificatePem(purpose);
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return blocks.map((block) => {
      const spki = parseCertificatePem(block).publicKey.export({ type: 'spki', format: 'der' });
      return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
    });
  }

  /**
   * Makes `owner` the controller of every Secret of the set Cluster API generated (KubeadmControlPlane's
   * `ensureCertificatesOwnerRef`: Secrets a KubeadmConfig created for a first control plane Machine pass to
   * the control plane); user-supplied Secrets keep their owners. Returns the set with the patched Secrets.
   */
  async adopt(client: Client, owner: OwnerObject, signal?: AbortSignal): Promise<ClusterCertificates> {
    const certificates = await Promise.all(
      this.#certificates.map(async (c) =>
        c.secret ? { ...c, secret: await adoptClusterSecret(client, c.secret, owner, signal) } : c,
      ),
    );
    return new ClusterCertificates(this.cluster, this.externalEtcd, certificates);
  }

  #location(purpose: CertificatePurpose): SecretLocation {
    return { namespace: this.cluster.namespace, name: secretName(this.cluster.name, purpose) };
  }

  #present(purpose: CertificatePurpose): ClusterCertificate {
    const c = this.get(purpose);
    if (!c?.secret) {
      throw new MissingClusterSecretError(
        this.#location(purpose),
        c ? 'not found' : `not part of this cluster's set${this.externalEtcd ? '' : ' (external etcd only)'}`,
      );
    }
    return c;
  }
}

async function generate(
  purpose: CertificatePurpose,
  algorithm: KeyAlgorithm,
  validityMs: number,
  now: Date | undefined,
): Promise<{ certificatePem: string; privateKeyPem: string }> {
  if (purpose === SecretPurpose.ServiceAccount) {
    const keyPair = await KeyPair.generate(algorithm);
    return { certificatePem: keyPair.publicKeyPem, privateKeyPem: keyPair.privateKeyPem };
  }
  const ca = await CertificateAuthority.create({
    commonName: GENERATED_CA_COMMON_NAME,
    keyAlgorithm: algorithm,
    validityMs,
    ...(now ? { now } : {}),
  });
  return ca.toPem();
}

/** Reads and checks one existing Secret of the set. */
function readCertificate(slot: Slot, secret: ClusterSecret): ClusterCertificate {
  const location = { namespace: secret.metadata.namespace ?? '', name: secret.metadata.name ?? '' };
  const crt = { ...location, key: SecretDataKey.TLSCrt };
  const key = { ...location, key: SecretDataKey.TLSKey };
  const certificatePem = secretText(secret, SecretDataKey.TLSCrt);
  if (!certificatePem?.trim()) throw new InvalidClusterSecretError(crt, 'is missing or empty');
  const keyText = secretText(secret, SecretDataKey.TLSKey);
  const privateKeyPem = keyText?.trim() ? keyText : undefined;

  if (slot.purpose === SecretPurpose.ServiceAccount) {
    const publicKey = guard(crt, 'does not hold a PEM public key', () => createPublicKey(certificatePem));
    if (!privateKeyPem) {
      throw new InvalidClusterSecretError(
        key,
        'is missing; the service-account signing key must be in the Secret',
      );
    }
    const keyPair = guard(key, 'does not hold a supported private key', () =>
      KeyPair.fromPrivateKeyPem(privateKeyPem),
    );
    if (!keyPair.publicKeyDer.equals(spki(publicKey))) {
      throw new InvalidClusterSecretError(key, 'does not belong to the public key in tls.crt');
    }
  } else {
    const certificate: X509Certificate = guard(crt, 'does not hold a PEM certificate', () =>
      parseCertificatePem(certificatePem),
    );
    if (CA_PURPOSES.includes(slot.purpose) && !certificate.ca) {
      throw new InvalidClusterSecretError(
        crt,
        `is not a CA certificate (basicConstraints CA:TRUE), which the ${purposeLabel[slot.purpose]} must be`,
      );
    }
    if (privateKeyPem) {
      const matches = guard(key, 'does not hold a supported private key', () =>
        keyMatchesCertificate(privateKeyPem, certificate),
      );
      if (!matches) throw new InvalidClusterSecretError(key, 'does not belong to the certificate in tls.crt');
    }
  }
  return {
    ...slot,
    secretName: location.name,
    secret,
    generated: false,
    certificatePem,
    privateKeyPem,
  };
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** Runs a parse; a failure becomes an `InvalidClusterSecretError` naming the Secret and key. */
function guard<T>(location: SecretLocation, detail: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const reason = err instanceof Error ? `: ${err.message}` : '';
    throw new InvalidClusterSecretError(location, `${detail}${reason}`, { cause: err });
  }
}
