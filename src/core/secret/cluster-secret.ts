import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import type { Client, Reader } from '../../controller-runtime/client/client.js';
import { isAlreadyExists, isNotFound } from '../../controller-runtime/client/errors.js';
import {
  getControllerOf,
  type OwnerObject,
  type OwnerReference,
  ownerReferenceFor,
} from '../../controller-runtime/helpers/owner-references.js';
import { parseApiVersion } from '../../controller-runtime/api/object.js';
import { CLUSTER_SECRET_TYPE, Label } from '../api/v1beta2/well-known.js';

export const SecretType: TypeRef = { apiVersion: 'v1', kind: 'Secret' };

/** A core/v1 Secret as this folder reads and writes it (`data` values are base64). */
export interface ClusterSecret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** The Cluster a Secret belongs to: its namespace and name (`<name>-<purpose>` names the Secret). */
export interface ClusterKey {
  namespace: string;
  name: string;
}

/**
 * Whether Cluster API generated the Secret. Upstream writes every Secret it generates with type
 * `cluster.x-k8s.io/secret`; anything else (Opaque, `kubernetes.io/tls`) was supplied by the user and is used
 * as it is: never adopted, rotated or rewritten.
 */
export function isGeneratedSecret(secret: ClusterSecret): boolean {
  return secret.type === CLUSTER_SECRET_TYPE;
}

/** The UTF-8 text under `key`, or undefined when the key is absent. */
export function secretText(secret: ClusterSecret, key: string): string | undefined {
  const value = secret.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/**
 * An owner reference to `owner`: with `controller`, upstream's `metav1.NewControllerRef` (controller and
 * blockOwnerDeletion set); without, the plain reference core's Cluster controller puts on the kubeconfig.
 */
export function secretOwnerReference(owner: OwnerObject, controller: boolean): OwnerReference {
  return controller
    ? ownerReferenceFor(owner, { controller: true, blockOwnerDeletion: true })
    : ownerReferenceFor(owner);
}

/** A Secret as Cluster API generates it: type `cluster.x-k8s.io/secret`, the cluster-name label, one owner. */
export function newClusterSecret(options: {
  cluster: ClusterKey;
  name: string;
  /** Plain text per key; stored base64. */
  data: Record<string, string>;
  owner: OwnerReference;
}): ClusterSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: CLUSTER_SECRET_TYPE,
    metadata: {
      name: options.name,
      namespace: options.cluster.namespace,
      labels: { [Label.ClusterName]: options.cluster.name },
      ownerReferences: [options.owner],
    },
    data: Object.fromEntries(
      Object.entries(options.data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
    ),
  };
}

/** The Secret, or undefined when it does not exist. */
export async function getSecret(
  reader: Reader,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<ClusterSecret | undefined> {
  try {
    return await reader.get<ClusterSecret>(SecretType, { namespace, name }, { signal });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Creates `secret`; when another writer (a second leader, a concurrent reconcile) created it first, reads
 * theirs back and returns it with `created: false`, so both converge on one Secret. If the read does not see
 * it either (a stale cache), the AlreadyExists error stands and the caller retries.
 */
export async function createOrReadSecret(
  client: Client,
  reader: Reader,
  secret: ClusterSecret,
  signal?: AbortSignal,
): Promise<{ secret: ClusterSecret; created: boolean }> {
  try {
    return { secret: await client.create(secret, { signal }), created: true };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await getSecret(reader, secret.metadata.namespace!, secret.metadata.name!, signal);
    if (!existing) throw err;
    return { secret: existing, created: false };
  }
}

const groupOf = (ref: { apiVersion: string }): string => parseApiVersion(ref.apiVersion).group;
const sameObject = (a: OwnerReference, b: OwnerReference): boolean =>
  groupOf(a) === groupOf(b) && a.kind === b.kind && a.name === b.name;
const sameReference = (a: OwnerReference, b: OwnerReference): boolean =>
  a.apiVersion === b.apiVersion &&
  a.kind === b.kind &&
  a.name === b.name &&
  a.uid === b.uid &&
  (a.controller ?? false) === (b.controller ?? false) &&
  (a.blockOwnerDeletion ?? false) === (b.blockOwnerDeletion ?? false);

/**
 * Makes `owner` the controller of a Secret Cluster API generated, as KubeadmControlPlane does with the
 * certificates and kubeconfig it finds (a KubeadmConfig of a first control plane Machine may have made them):
 * a generated Secret loses its current controller and gets `owner`; a user-supplied one is left alone, except
 * that a controller reference of the owner's own kind is refreshed (apiVersion, uid). Patches only on change,
 * guarded by resourceVersion; returns the Secret as it now is.
 */
export async function adoptClusterSecret(
  client: Client,
  secret: ClusterSecret,
  owner: OwnerObject,
  signal?: AbortSignal,
): Promise<ClusterSecret> {
  const desired = secretOwnerReference(owner, true);
  const current = secret.metadata.ownerReferences ?? [];
  const controller = getControllerOf(secret);
  let next: OwnerReference[];
  if (isGeneratedSecret(secret)) {
    // The owner takes the controller's place (or its own old reference's); other owners stay where they are.
    next = [];
    for (const r of current) {
      if (r !== controller && !sameObject(r, desired)) next.push(r);
      else if (!next.includes(desired)) next.push(desired);
    }
    if (!next.includes(desired)) next.push(desired);
  } else if (controller && controller.kind === desired.kind && groupOf(controller) === groupOf(desired)) {
    next = current.map((r) => (r === controller ? desired : r));
  } else {
    return secret;
  }
  if (next.length === current.length && next.every((r, i) => sameReference(r, current[i]!))) return secret;
  return client.patch(
    secret,
    {
      type: 'merge',
      data: { metadata: { resourceVersion: secret.metadata.resourceVersion, ownerReferences: next } },
    },
    { signal },
  );
}
