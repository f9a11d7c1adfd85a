// The client certificate KCP presents to etcd members (upstream `Management.GetWorkloadCluster` with its
// `ClientCertCache`): issued from the cluster's etcd CA (`<cluster>-etcd`) and cached per cluster for a day,
// so a reconcile does not pay for a key pair; with external etcd (no CA key in the Secret) the API server's
// own `<cluster>-apiserver-etcd-client` certificate is used instead.
import type { Reader } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import { CertificateAuthority, type KeyAlgorithm } from '../../../pki/index.js';
import { type ClusterSecret, secretText } from '../../../core/secret/index.js';
import type { EtcdTls } from '../etcd/etcd-client.js';

const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const DAY_MS = 24 * 60 * 60_000;
/** Upstream issues the etcd client certificate for ten years; the cache's one-day lifetime renews it long before. */
const CLIENT_CERTIFICATE_VALIDITY_MS = 10 * 365 * DAY_MS;
/** Upstream's common name of the etcd client certificate. */
export const ETCD_CLIENT_COMMON_NAME = 'cluster-api.x-k8s.io';

/** The Secret KCP needs is missing or unusable; the message names it. */
export class EtcdClientCertificateError extends Error {
  override readonly name = 'EtcdClientCertificateError';
}

export interface EtcdClientCertificatesOptions {
  /** Reads Secrets (an uncached reader: managers do not cache Secrets). */
  reader: Reader;
  /** How long an issued certificate is reused; upstream: 24 hours. */
  ttlMs?: number;
  now?: () => number;
}

interface Entry {
  tls: EtcdTls;
  expiresAt: number;
}

export class EtcdClientCertificates {
  readonly #o: EtcdClientCertificatesOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(options: EtcdClientCertificatesOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The TLS material for the cluster's etcd members. The cache key includes the Cluster's UID (a Cluster
   * recreated under the same name gets new CAs) and the key algorithm. Assumes the etcd CA is not rotated
   * during a Cluster's life, as upstream does.
   */
  async forCluster(
    cluster: { namespace: string; name: string; uid: string },
    algorithm: KeyAlgorithm,
    signal?: AbortSignal,
  ): Promise<EtcdTls> {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    const key = `${cluster.namespace}/${cluster.name}/${cluster.uid}/${algorithm}`;
    const cached = this.#entries.get(key);
    if (cached) return cached.tls;

    const ca = await this.#secret(cluster, `${cluster.name}-etcd`, signal);
    const caPem = secretText(ca, 'tls.crt');
    if (!caPem?.trim())
      throw new EtcdClientCertificateError(
        `etcd tls crt does not exist for cluster ${cluster.namespace}/${cluster.name}`,
      );
    const caKeyPem = secretText(ca, 'tls.key');
    let tls: EtcdTls;
    if (caKeyPem?.trim()) {
      const issued = await CertificateAuthority.fromPem({
        certificatePem: caPem,
        privateKeyPem: caKeyPem,
      }).issue({
        commonName: ETCD_CLIENT_COMMON_NAME,
        usages: ['client'],
        validityMs: CLIENT_CERTIFICATE_VALIDITY_MS,
        keyAlgorithm: algorithm,
      });
      tls = { caPem, certPem: issued.certificatePem, keyPem: issued.privateKeyPem };
    } else {
      // External etcd: only the API server's client certificate is known to that etcd.
      const client = await this.#secret(cluster, `${cluster.name}-apiserver-etcd-client`, signal);
      const certPem = secretText(client, 'tls.crt');
      const keyPem = secretText(client, 'tls.key');
      if (!certPem?.trim() || !keyPem?.trim())
        throw new EtcdClientCertificateError(
          `etcd tls ${certPem?.trim() ? 'key' : 'crt'} does not exist for cluster ${cluster.namespace}/${cluster.name}`,
        );
      tls = { caPem, certPem, keyPem };
    }
    this.#entries.set(key, { tls, expiresAt: now + (this.#o.ttlMs ?? DAY_MS) });
    return tls;
  }

  async #secret(
    cluster: { namespace: string; name: string },
    name: string,
    signal: AbortSignal | undefined,
  ): Promise<ClusterSecret> {
    try {
      return await this.#o.reader.get<ClusterSecret>(
        SECRET,
        { namespace: cluster.namespace, name },
        signal ? { signal } : undefined,
      );
    } catch (err) {
      if (isNotFound(err))
        throw new EtcdClientCertificateError(
          `failed to get secret; etcd ${cluster.namespace}/${name}: not found`,
        );
      throw err;
    }
  }
}
