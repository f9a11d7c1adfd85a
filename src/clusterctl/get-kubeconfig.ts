import type { KubeObject } from '../controller-runtime/api/object.js';
import type { Reader } from '../controller-runtime/client/client.js';
import { isNotFound } from '../controller-runtime/client/errors.js';
import { getCluster } from './cluster-lookup.js';

/**
 * `capi get kubeconfig NAME`: the workload cluster's admin kubeconfig from the `<cluster>-kubeconfig` Secret
 * (key `value`), as `clusterctl get kubeconfig` prints it.
 */
export async function getKubeconfig(
  client: Reader,
  options: { namespace: string; name: string },
): Promise<string> {
  await getCluster(client, options);
  const secretName = `${options.name}-kubeconfig`;
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await client.get(
      { apiVersion: 'v1', kind: 'Secret' },
      { namespace: options.namespace, name: secretName },
    );
  } catch (err) {
    if (isNotFound(err)) {
      throw new KubeconfigNotReadyError(
        `Secret ${options.namespace}/${secretName} does not exist yet: the control plane of cluster "${options.name}" has not been initialised (see: capi describe cluster ${options.name})`,
      );
    }
    throw err;
  }
  const value = secret.data?.value;
  if (!value)
    throw new KubeconfigNotReadyError(`Secret ${options.namespace}/${secretName} has no "value" key`);
  return Buffer.from(value, 'base64').toString('utf8');
}

/** The cluster exists but its kubeconfig Secret does not (yet). */
export class KubeconfigNotReadyError extends Error {
  override readonly name = 'KubeconfigNotReadyError';
}
