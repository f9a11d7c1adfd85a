import type { CertificateAuthority } from './certificate-authority.js';
import type { KeyAlgorithm } from './key-algorithm.js';
import { buildKubeconfig, type Kubeconfig } from './kubeconfig.js';

export interface AdminKubeconfigOptions {
  /** Signs the client certificate and is the trust root written into the kubeconfig. */
  ca: CertificateAuthority;
  clusterName: string;
  /** `https://host:port` of the API server. */
  server: string;
  /** `kubernetes-admin`, as Cluster API's `kubeconfig.New`. */
  commonName?: string;
  /** `system:masters`, as Cluster API's `kubeconfig.New` (kubeadm's own admin.conf now uses `kubeadm:cluster-admins`). */
  organizations?: readonly string[];
  /** Client key algorithm; the CA's unless set. */
  keyAlgorithm?: KeyAlgorithm;
  /** One year unless set. */
  validityMs?: number;
  namespace?: string;
  now?: Date;
}

/**
 * Issues an admin client certificate and wraps it in a kubeconfig named like Cluster API's
 * `<cluster>-kubeconfig` Secret: cluster `<name>`, user `<name>-admin`, context `<name>-admin@<name>`.
 * The CA is used both to sign the client certificate and as `certificate-authority-data`, which holds when
 * one CA signs the serving and client certificates (kubeadm's cluster CA, the embedded API server's CA).
 */
export async function createAdminKubeconfig(options: AdminKubeconfigOptions): Promise<Kubeconfig> {
  const client = await options.ca.issue({
    commonName: options.commonName ?? 'kubernetes-admin',
    organizations: options.organizations ?? ['system:masters'],
    usages: ['client'],
    keyAlgorithm: options.keyAlgorithm,
    validityMs: options.validityMs,
    now: options.now,
  });
  return buildKubeconfig({
    clusterName: options.clusterName,
    server: options.server,
    caCertificatePem: options.ca.certificatePem,
    credentials: { clientCertificatePem: client.certificatePem, clientKeyPem: client.privateKeyPem },
    namespace: options.namespace,
  });
}
