import type { Kubeconfig } from './kubeconfig.js';
import { InvalidKubeconfigError } from './pki-errors.js';

/** One context of a kubeconfig with its cluster and user looked up and the `*-data` fields decoded. */
export interface ResolvedKubeconfig {
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  /** `default` when the context names none, as kubectl assumes. */
  namespace: string;
  caCertificatePem?: string;
  clientCertificatePem?: string;
  clientKeyPem?: string;
  token?: string;
  tlsServerName?: string;
  insecureSkipTlsVerify: boolean;
}

/**
 * What a client needs to connect with the current context (or `contextName`). Only inline credentials are
 * read: file paths (`certificate-authority`, `client-key`), exec plugins and auth providers are not followed.
 */
export function resolveKubeconfig(kubeconfig: Kubeconfig, contextName?: string): ResolvedKubeconfig {
  const name = contextName ?? kubeconfig['current-context'];
  if (!name) throw new InvalidKubeconfigError('current-context', 'is empty and no context was named');
  const context = kubeconfig.contexts.find((c) => c.name === name)?.context;
  if (!context) throw new InvalidKubeconfigError('contexts', `no context named "${name}"`);
  const cluster = kubeconfig.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new InvalidKubeconfigError('clusters', `no cluster named "${context.cluster}"`);
  if (typeof cluster.server !== 'string' || !cluster.server) {
    throw new InvalidKubeconfigError(`clusters[${context.cluster}].server`, 'must not be empty');
  }
  const user = kubeconfig.users.find((u) => u.name === context.user)?.user;
  if (!user) throw new InvalidKubeconfigError('users', `no user named "${context.user}"`);
  const decode = (value: string | undefined): string | undefined =>
    value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
  return {
    contextName: name,
    clusterName: context.cluster,
    userName: context.user,
    server: cluster.server,
    namespace: context.namespace || 'default',
    caCertificatePem: decode(cluster['certificate-authority-data']),
    clientCertificatePem: decode(user['client-certificate-data']),
    clientKeyPem: decode(user['client-key-data']),
    token: user.token || undefined,
    tlsServerName: cluster['tls-server-name'] || undefined,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}
