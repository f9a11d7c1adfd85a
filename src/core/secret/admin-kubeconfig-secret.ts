import type { Client, Reader } from '../../controller-runtime/client/client.js';
import {
  hasOwnerReference,
  isControlledBy,
  type OwnerObject,
} from '../../controller-runtime/helpers/owner-references.js';
import {
  CERTIFICATE_VALIDITY_MS,
  CertificateAuthority,
  createAdminKubeconfig,
  type KeyAlgorithm,
  parseCertificatePem,
  parseKubeconfig,
  stringifyKubeconfig,
} from '../../pki/index.js';
import {
  clusterCASecretName,
  kubeconfigSecretName,
  SecretDataKey,
  SecretPurpose,
} from '../api/v1beta2/well-known.js';
import {
  adoptClusterSecret,
  type ClusterKey,
  type ClusterSecret,
  createOrReadSecret,
  getSecret,
  isGeneratedSecret,
  newClusterSecret,
  secretOwnerReference,
  secretText,
} from './cluster-secret.js';
import {
  InvalidClusterSecretError,
  isMissingClusterSecret,
  MissingClusterSecretError,
  type SecretLocation,
  UnmanagedSecretError,
} from './cluster-secret-errors.js';

/**
 * Upstream's `ClientCertificateRenewalDuration` (half of `DefaultCertDuration`, one year): a kubeconfig whose
 * client certificate expires sooner than this is regenerated.
 */
export const KUBECONFIG_ROTATION_THRESHOLD_MS = CERTIFICATE_VALIDITY_MS / 2;

/** How long upstream waits for `<cluster>-ca` before trying the kubeconfig again (core and KCP alike). */
export const CLUSTER_CA_REQUEUE_MS = 30_000;

/** `Cluster.spec.controlPlaneEndpoint`. */
export interface ControlPlaneEndpoint {
  host: string;
  port: number;
}

/** `https://host:port`, with an IPv6 host in brackets (Go's `net.JoinHostPort`, as upstream builds it). */
export function endpointUrl(endpoint: ControlPlaneEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `https://${host}:${endpoint.port}`;
}

export interface AdminKubeconfigSecretOptions {
  cluster: ClusterKey;
  endpoint: ControlPlaneEndpoint;
  /** The KubeadmControlPlane (controller owner), or the Cluster when core writes the Secret. */
  owner: OwnerObject;
  /**
   * `true` (default): the owner is the Secret's controller, as KubeadmControlPlane sets it. `false`: a plain
   * owner reference, as core's Cluster controller sets it.
   */
  controller?: boolean;
  /** Key algorithm of the client certificate; the cluster CA's unless set (KCP passes `encryptionAlgorithm`). */
  algorithm?: KeyAlgorithm;
  /** Where Secrets are read (an uncached reader); the client unless set. */
  reader?: Reader;
  /** The clock, for tests. */
  now?: Date;
  signal?: AbortSignal;
}

const locationOf = (secret: ClusterSecret, key?: string): SecretLocation => ({
  namespace: secret.metadata.namespace ?? '',
  name: secret.metadata.name ?? '',
  ...(key ? { key } : {}),
});

/**
 * An admin kubeconfig for `server` (client certificate `kubernetes-admin`/`system:masters` for one year) from
 * `<cluster>-ca`, as YAML. Throws `MissingClusterSecretError` when the CA Secret does not exist and
 * `InvalidClusterSecretError` when it cannot sign (no `tls.key`: the CA is kept outside the cluster).
 */
async function issueAdminKubeconfig(
  reader: Reader,
  options: {
    cluster: ClusterKey;
    server: string;
    algorithm?: KeyAlgorithm;
    now?: Date;
    signal?: AbortSignal;
  },
): Promise<string> {
  const { namespace, name } = options.cluster;
  const location = { namespace, name: clusterCASecretName(name) };
  const caSecret = await getSecret(reader, namespace, location.name, options.signal);
  if (!caSecret) {
    throw new MissingClusterSecretError(
      location,
      'not found; the admin kubeconfig is issued by the cluster CA',
    );
  }
  const certificatePem = secretText(caSecret, SecretDataKey.TLSCrt);
  const privateKeyPem = secretText(caSecret, SecretDataKey.TLSKey);
  if (!certificatePem?.trim()) {
    throw new InvalidClusterSecretError({ ...location, key: SecretDataKey.TLSCrt }, 'is missing or empty');
  }
  if (!privateKeyPem?.trim()) {
    throw new InvalidClusterSecretError(
      { ...location, key: SecretDataKey.TLSKey },
      'is missing, so no kubeconfig can be issued; with the CA key outside the cluster (external CA mode), ' +
        `supply ${kubeconfigSecretName(name)} yourself`,
    );
  }
  let ca: CertificateAuthority;
  try {
    parseCertificatePem(certificatePem);
  } catch (err) {
    throw new InvalidClusterSecretError(
      { ...location, key: SecretDataKey.TLSCrt },
      `does not hold a PEM certificate: ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    ca = CertificateAuthority.fromPem({ certificatePem, privateKeyPem });
  } catch (err) {
    throw new InvalidClusterSecretError(
      { ...location, key: SecretDataKey.TLSKey },
      `cannot sign with this CA: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const kubeconfig = await createAdminKubeconfig({
    ca,
    clusterName: name,
    server: options.server,
    ...(options.algorithm ? { keyAlgorithm: options.algorithm } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return stringifyKubeconfig(kubeconfig);
}

/**
 * Creates `<cluster>-kubeconfig` (upstream's `kubeconfig.CreateSecretWithOwner`): key `value`, type
 * `cluster.x-k8s.io/secret`, the cluster-name label, owned by `owner`. If another writer created it first,
 * theirs is returned. Throws `MissingClusterSecretError` while `<cluster>-ca` does not exist.
 */
export async function createAdminKubeconfigSecret(
  client: Client,
  options: AdminKubeconfigSecretOptions,
): Promise<ClusterSecret> {
  const reader = options.reader ?? client;
  const value = await issueAdminKubeconfig(reader, { ...options, server: endpointUrl(options.endpoint) });
  const secret = newClusterSecret({
    cluster: options.cluster,
    name: kubeconfigSecretName(options.cluster.name),
    data: { [SecretDataKey.Value]: value },
    owner: secretOwnerReference(options.owner, options.controller ?? true),
  });
  return (await createOrReadSecret(client, reader, secret, options.signal)).secret;
}

/**
 * Upstream's `NeedsClientCertRotation`: whether any user's client certificate in the kubeconfig expires
 * within `thresholdMs` of `now` (half a year by default). Throws `InvalidClusterSecretError` (key `value`)
 * for a Secret without a kubeconfig or a user without a client certificate.
 */
export function kubeconfigNeedsRotation(
  secret: ClusterSecret,
  now: Date = new Date(),
  thresholdMs: number = KUBECONFIG_ROTATION_THRESHOLD_MS,
): boolean {
  const location = locationOf(secret, SecretDataKey.Value);
  const text = secretText(secret, SecretDataKey.Value);
  if (!text) throw new InvalidClusterSecretError(location, 'is missing or empty');
  const kubeconfig = guardKubeconfig(location, () => parseKubeconfig(text));
  for (const { name, user } of kubeconfig.users) {
    const data = user['client-certificate-data'];
    if (!data) throw new InvalidClusterSecretError(location, `user "${name}" has no client-certificate-data`);
    const certificate = guardKubeconfig(location, () =>
      parseCertificatePem(Buffer.from(data, 'base64').toString('utf8')),
    );
    if (new Date(certificate.validTo).getTime() - now.getTime() < thresholdMs) return true;
  }
  return false;
}

const KUBECONFIG_SUFFIX = `-${SecretPurpose.Kubeconfig}`;

/**
 * Upstream's `RegenerateSecret`: a fresh client certificate from `<cluster>-ca` for the server the current
 * kubeconfig names under the cluster's entry, written back with an update guarded by the Secret's
 * resourceVersion. Refuses (`UnmanagedSecretError`) a Secret Cluster API did not generate.
 */
export async function regenerateAdminKubeconfigSecret(
  client: Client,
  secret: ClusterSecret,
  options: Pick<AdminKubeconfigSecretOptions, 'algorithm' | 'reader' | 'now' | 'signal'> = {},
): Promise<ClusterSecret> {
  const location = locationOf(secret);
  if (!isGeneratedSecret(secret)) {
    throw new UnmanagedSecretError(
      location,
      `has type ${JSON.stringify(secret.type ?? '')}: supplied by the user, so never regenerated`,
    );
  }
  if (!location.name.endsWith(KUBECONFIG_SUFFIX) || location.name === KUBECONFIG_SUFFIX) {
    throw new InvalidClusterSecretError(location, `is not named <cluster>${KUBECONFIG_SUFFIX}`);
  }
  const clusterName = location.name.slice(0, -KUBECONFIG_SUFFIX.length);
  const valueLocation = locationOf(secret, SecretDataKey.Value);
  const text = secretText(secret, SecretDataKey.Value);
  if (!text) throw new InvalidClusterSecretError(valueLocation, 'is missing or empty');
  const current = guardKubeconfig(valueLocation, () => parseKubeconfig(text));
  const server = current.clusters.find((c) => c.name === clusterName)?.cluster.server;
  if (!server) {
    throw new InvalidClusterSecretError(
      valueLocation,
      `has no cluster entry "${clusterName}" with a server to issue the new kubeconfig for`,
    );
  }
  const value = await issueAdminKubeconfig(options.reader ?? client, {
    ...options,
    cluster: { namespace: location.namespace, name: clusterName },
    server,
  });
  return client.update(
    { ...secret, data: { ...secret.data, [SecretDataKey.Value]: Buffer.from(value).toString('base64') } },
    { signal: options.signal },
  );
}

export type AdminKubeconfigSecretResult =
  | { action: 'Created' | 'Rotated' | 'Unchanged'; secret: ClusterSecret }
  /** `<cluster>-ca` does not exist yet; try again after `requeueAfterMs` (upstream: 30 s). */
  | { action: 'WaitingForClusterCA'; requeueAfterMs: number };

/**
 * One reconcile of `<cluster>-kubeconfig`. Creates it when missing (or reports that the cluster CA is not
 * there yet). With `rotate` (KubeadmControlPlane's behaviour): a generated Secret is adopted by a
 * controller owner, and regenerated when its client certificate expires within half a year — only when the
 * Secret is generated (`cluster.x-k8s.io/secret`) and owned by `owner`; a user-supplied kubeconfig is
 * never touched. Without `rotate` (core's Cluster controller, as upstream) an existing Secret is left alone.
 */
export async function reconcileAdminKubeconfigSecret(
  client: Client,
  options: AdminKubeconfigSecretOptions & { rotate?: boolean },
): Promise<AdminKubeconfigSecretResult> {
  const reader = options.reader ?? client;
  const { namespace, name } = options.cluster;
  let secret = await getSecret(reader, namespace, kubeconfigSecretName(name), options.signal);
  if (!secret) {
    try {
      return { action: 'Created', secret: await createAdminKubeconfigSecret(client, options) };
    } catch (err) {
      if (isMissingClusterSecret(err))
        return { action: 'WaitingForClusterCA', requeueAfterMs: CLUSTER_CA_REQUEUE_MS };
      throw err;
    }
  }
  if (!options.rotate || !isGeneratedSecret(secret)) return { action: 'Unchanged', secret };
  const controller = options.controller ?? true;
  if (controller) secret = await adoptClusterSecret(client, secret, options.owner, options.signal);
  const owned = controller ? isControlledBy(secret, options.owner) : hasOwnerReference(secret, options.owner);
  if (!owned || !kubeconfigNeedsRotation(secret, options.now)) return { action: 'Unchanged', secret };
  return { action: 'Rotated', secret: await regenerateAdminKubeconfigSecret(client, secret, options) };
}

function guardKubeconfig<T>(location: SecretLocation, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new InvalidClusterSecretError(
      location,
      `does not hold a usable kubeconfig: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
