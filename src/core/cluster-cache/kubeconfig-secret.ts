import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import type { RestConfig } from '../../controller-runtime/client/rest-config.js';
import { InvalidKubeconfigError, parseKubeconfig, resolveKubeconfig } from '../../pki/index.js';
import { kubeconfigSecretName, SecretDataKey } from '../api/v1beta2/well-known.js';
import type { ClusterKey } from './cluster-key.js';

const SECRET = { apiVersion: 'v1', kind: 'Secret' } as const;

/** The kubeconfig Secret exists but holds nothing usable under `value`. */
export class KubeconfigSecretError extends Error {
  override readonly name = 'KubeconfigSecretError';
}

/**
 * Reads `<cluster>-kubeconfig` (namespace of the Cluster, key `value`), as upstream's `kubeconfig.FromSecret`,
 * and turns it into a RestConfig. A missing Secret surfaces as the client's `NotFoundError`.
 */
export async function restConfigFromKubeconfigSecret(
  client: Reader,
  cluster: ClusterKey,
  signal?: AbortSignal,
): Promise<RestConfig> {
  const name = kubeconfigSecretName(cluster.name);
  const secret = await client.get<KubeObject & { data?: Record<string, string> }>(
    SECRET,
    { namespace: cluster.namespace, name },
    { signal },
  );
  const value = secret.data?.[SecretDataKey.Value];
  if (!value) {
    throw new KubeconfigSecretError(
      `Secret ${cluster.namespace}/${name} has no "${SecretDataKey.Value}" key with a kubeconfig`,
    );
  }
  return restConfigFromKubeconfigText(
    Buffer.from(value, 'base64').toString('utf8'),
    `Secret ${cluster.namespace}/${name}`,
  );
}

/**
 * The current context of a kubeconfig held in memory. Only inline credentials count (a Secret's kubeconfig
 * cannot point at files of this process); exec plugins and auth providers are refused, as `loadRestConfig`
 * refuses them, instead of connecting without credentials.
 */
export function restConfigFromKubeconfigText(text: string, source: string): RestConfig {
  const kubeconfig = parseKubeconfig(text);
  const resolved = resolveKubeconfig(kubeconfig);
  const user = kubeconfig.users.find((u) => u.name === resolved.userName)?.user as
    Record<string, unknown> | undefined;
  if (user?.exec || user?.['auth-provider']) {
    throw new InvalidKubeconfigError(
      `${source}: users[${resolved.userName}]`,
      'exec plugins and auth providers are not supported; use a client certificate or a token',
    );
  }
  if (!/^https?:\/\//.test(resolved.server)) {
    throw new InvalidKubeconfigError(
      `${source}: clusters[${resolved.clusterName}].server`,
      'must be an http(s) URL',
    );
  }
  return {
    server: resolved.server,
    caPem: resolved.caCertificatePem,
    clientCertificatePem: resolved.clientCertificatePem,
    clientKeyPem: resolved.clientKeyPem,
    token: resolved.token,
    tlsServerName: resolved.tlsServerName,
    insecureSkipTlsVerify: resolved.insecureSkipTlsVerify,
    namespace: resolved.namespace,
    source,
  };
}
