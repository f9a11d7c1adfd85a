// The cluster certificates a control plane machine needs before `kubeadm init` or `kubeadm join` (upstream's
// secret.Certificates.AsFiles): kubeadm finds the CAs on disk and signs its own serving and client certificates
// from them, so every control plane node shares the same CAs and service account key.
import type { ClusterConfiguration } from '../api/index.js';
import type { CloudInitFile } from './file-resolution.js';

/** Where kubeadm keeps certificates unless `clusterConfiguration.certificatesDir` says otherwise. */
export const DEFAULT_CERTIFICATES_DIR = '/etc/kubernetes/pki';

/** A certificate (or, for the service account, a public key) and its private key, PEM-encoded. */
export interface CertificateKeyPairPem {
  cert: string;
  key?: string;
}

/** The cluster's key pairs, as the `<cluster>-ca|-etcd|-proxy|-sa|-apiserver-etcd-client` Secrets hold them. */
export interface ClusterCertificatePems {
  clusterCA?: CertificateKeyPairPem;
  /** With external etcd, only the CA certificate, written where `etcd.external.caFile` points. */
  etcdCA?: CertificateKeyPairPem;
  frontProxyCA?: CertificateKeyPairPem;
  /** `cert` is the service account public key (sa.pub), `key` its private key (sa.key). */
  serviceAccount?: CertificateKeyPairPem;
  /** External etcd only: the API server's etcd client certificate, written to `certFile`/`keyFile`. */
  apiServerEtcdClient?: CertificateKeyPairPem;
}

const OWNER = 'root:root';

function pairFiles(
  pair: CertificateKeyPairPem | undefined,
  certPath: string,
  keyPath?: string,
): CloudInitFile[] {
  const files: CloudInitFile[] = [];
  if (pair?.cert) files.push({ path: certPath, owner: OWNER, permissions: '0640', content: pair.cert });
  if (pair?.key && keyPath)
    files.push({ path: keyPath, owner: OWNER, permissions: '0600', content: pair.key });
  return files;
}

/**
 * The certificate files of a control plane machine, in upstream's order: cluster CA, etcd CA, front proxy
 * CA, service account key, and with external etcd the API server's etcd client certificate. Certificates are
 * world-unreadable (0640), keys owner-only (0600), all owned by root.
 */
export function certificateFiles(
  certificates: ClusterCertificatePems,
  clusterConfiguration?: ClusterConfiguration,
): CloudInitFile[] {
  const dir = (clusterConfiguration?.certificatesDir || DEFAULT_CERTIFICATES_DIR).replace(/\/+$/, '');
  const external = clusterConfiguration?.etcd?.external;
  const externalEtcd = external !== undefined && Object.values(external).some((v) => v !== undefined);
  return [
    ...pairFiles(certificates.clusterCA, `${dir}/ca.crt`, `${dir}/ca.key`),
    ...(externalEtcd
      ? pairFiles(certificates.etcdCA, external.caFile)
      : pairFiles(certificates.etcdCA, `${dir}/etcd/ca.crt`, `${dir}/etcd/ca.key`)),
    ...pairFiles(certificates.frontProxyCA, `${dir}/front-proxy-ca.crt`, `${dir}/front-proxy-ca.key`),
    ...pairFiles(certificates.serviceAccount, `${dir}/sa.pub`, `${dir}/sa.key`),
    ...(externalEtcd ? pairFiles(certificates.apiServerEtcdClient, external.certFile, external.keyFile) : []),
  ];
}
