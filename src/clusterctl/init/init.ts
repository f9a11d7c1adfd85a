import { type KubeObject, objectKeyOf, typeRefOf } from '../../controller-runtime/api/object.js';
import type { Client } from '../../controller-runtime/client/client.js';
import { isNotFound, isNotFoundOrNoKind } from '../../controller-runtime/client/errors.js';
import { installCrds } from '../../main/install-crds.js';
import { inspectCertificate, isIssuedBy } from '../../pki/index.js';
import {
  ComponentName,
  componentCrds,
  componentsYaml,
  DEFAULT_NAMESPACE,
  PROVIDER_NAME,
  releaseVersion,
  renderComponents,
  type WebhookCertificate,
  webhookServiceDnsNames,
} from './components.js';
import { type Provider, PROVIDER_TYPE } from './provider-inventory.js';

const FIELD_MANAGER = 'capi';
/** clusterctl's `--wait-provider-timeout` default. */
export const DEFAULT_WAIT_TIMEOUT_MS = 300_000;
/** A kept webhook certificate must stay valid at least this long, or init issues a new one. */
const MIN_CERT_REMAINING_MS = 30 * 24 * 3600 * 1000;

export interface InitOptions {
  /** `-n/--target-namespace` (default `capi-system`). */
  namespace?: string;
  /** `--image`: the manager image (default `ghcr.io/capi-ts/capi:v<version>`). */
  image?: string;
  /** The version to record (default this package's). */
  version?: string;
  /** `--wait-providers`: wait until the manager Deployment is available. */
  waitProviders?: boolean;
  /** `--wait-provider-timeout` in milliseconds (default 300 s). */
  waitTimeoutMs?: number;
  /** Progress lines (`installing 19 CRDs`, `waiting for ...`). */
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

/** An installed capi-ts found through its `Provider` inventory entry. */
export interface InstalledProvider {
  namespace: string;
  version: string;
}

export interface InitResult {
  /** False when the cluster was already initialised and nothing was written. */
  installed: boolean;
  /** The version installed now, or found installed. */
  version: string;
  namespace: string;
  /** Objects as `kind/name` or `kind/namespace/name`, by what this run did to them. */
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Whether the manager Deployment became available (only with `waitProviders`). */
  available?: boolean;
  /** One line for the user. */
  message: string;
}

/** Thrown when `--wait-providers` runs out of time. */
export class ProvidersNotReadyError extends Error {
  override readonly name = 'ProvidersNotReadyError';
}

/**
 * The capi-ts inventory entry, wherever it was installed: a `Provider` named `capi-ts` in any namespace.
 * Undefined when clusterctl's inventory CRD is not even installed.
 */
export async function findInstalledProvider(
  client: Client,
  signal?: AbortSignal,
): Promise<InstalledProvider | undefined> {
  try {
    const list = await client.list<Provider>(PROVIDER_TYPE, signal ? { signal } : {});
    const entry = list.items.find((p) => p.providerName === PROVIDER_NAME);
    return entry ? { namespace: entry.metadata.namespace ?? '', version: entry.version ?? '' } : undefined;
  } catch (err) {
    if (isNotFoundOrNoKind(err)) return undefined;
    throw err;
  }
}

const describe = (o: KubeObject): string =>
  [o.kind, o.metadata.namespace, o.metadata.name].filter(Boolean).join('/');

/**
 * `capi init`: turns a cluster into a capi-ts management cluster, as `clusterctl init` does for upstream's
 * providers. When the inventory says capi-ts is installed already it reports that and writes nothing.
 * Otherwise it installs the CRDs (waiting until they are Established), then every other component with
 * server-side apply, so a run after a partial install or `capi init --print | kubectl apply -f -` completes it
 * without changing what is already right. The webhook certificate Secret is kept when it is still good.
 */
export async function initManagementCluster(client: Client, options: InitOptions = {}): Promise<InitResult> {
  const signal = options.signal;
  const progress = options.progress ?? (() => undefined);
  const found = await findInstalledProvider(client, signal);
  if (found) {
    return {
      installed: false,
      version: found.version,
      namespace: found.namespace,
      created: [],
      updated: [],
      unchanged: [],
      message: `already initialised with ${PROVIDER_NAME} ${found.version} (namespace ${found.namespace})`,
    };
  }
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const version = releaseVersion(options.version);
  const webhookCert = await existingWebhookCertificate(client, namespace, signal);
  const objects = await renderComponents({
    namespace,
    version,
    ...(options.image ? { image: options.image } : {}),
    ...(webhookCert ? { webhookCert } : {}),
  });
  const result: InitResult = {
    installed: true,
    version,
    namespace,
    created: [],
    updated: [],
    unchanged: [],
    message: '',
  };

  const crds = componentCrds(version);
  progress(`installing ${crds.length} CRDs`);
  const crdResult = await installCrds(client, crds, {
    fieldManager: FIELD_MANAGER,
    ...(signal ? { signal } : {}),
  });
  for (const key of ['created', 'updated', 'unchanged'] as const)
    result[key].push(...crdResult[key].map((name) => `CustomResourceDefinition/${name}`));

  const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
  progress(`installing ${rest.length} components into namespace ${namespace}`);
  for (const obj of rest) result[await applyOne(client, obj, signal)].push(describe(obj));

  if (options.waitProviders) {
    progress(`waiting for Deployment ${namespace}/${ComponentName.Deployment} to be available`);
    await waitAvailable(
      client,
      namespace,
      options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
      progress,
      signal,
    );
    result.available = true;
  }
  const counts = (['created', 'updated', 'unchanged'] as const)
    .filter((k) => result[k].length > 0)
    .map((k) => `${result[k].length} ${k}`)
    .join(', ');
  result.message = `installed ${PROVIDER_NAME} ${version} into namespace ${namespace} (${counts})`;
  return result;
}

/**
 * Creates or converges one object by server-side apply; what happened is read from its resourceVersion (an
 * apply that changes nothing does not write).
 */
async function applyOne(
  client: Client,
  obj: KubeObject,
  signal: AbortSignal | undefined,
): Promise<'created' | 'updated' | 'unchanged'> {
  let before: string | undefined;
  try {
    before = (await client.get(typeRefOf(obj), objectKeyOf(obj), signal ? { signal } : {})).metadata
      .resourceVersion;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const applied = await client.apply(obj, {
    fieldManager: FIELD_MANAGER,
    force: true,
    ...(signal ? { signal } : {}),
  });
  if (before === undefined) return 'created';
  return applied.metadata.resourceVersion === before ? 'unchanged' : 'updated';
}

/** The serving certificate already in the cluster, when it is ours to keep: right names, CA, not expiring. */
async function existingWebhookCertificate(
  client: Client,
  namespace: string,
  signal: AbortSignal | undefined,
): Promise<WebhookCertificate | undefined> {
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await client.get(
      { apiVersion: 'v1', kind: 'Secret' },
      { namespace, name: ComponentName.WebhookCertSecret },
      signal ? { signal } : {},
    );
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const text = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
  const cert = { caPem: text('ca.crt'), certPem: text('tls.crt'), keyPem: text('tls.key') };
  try {
    const info = inspectCertificate(cert.certPem);
    const names = webhookServiceDnsNames(namespace);
    if (
      names.every((n) => info.dnsNames.includes(n)) &&
      info.notAfter.getTime() - Date.now() > MIN_CERT_REMAINING_MS &&
      isIssuedBy(cert.certPem, cert.caPem) &&
      cert.keyPem.includes('PRIVATE KEY')
    )
      return cert;
  } catch {
    // Unreadable: replace it.
  }
  return undefined;
}

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  availableReplicas?: number;
  updatedReplicas?: number;
}

async function waitAvailable(
  client: Client,
  namespace: string,
  timeoutMs: number,
  progress: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const d = await client.get<KubeObject & { spec?: { replicas?: number }; status?: DeploymentStatus }>(
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { namespace, name: ComponentName.Deployment },
      signal ? { signal } : {},
    );
    const want = d.spec?.replicas ?? 1;
    const available = d.status?.availableReplicas ?? 0;
    const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
    if (observed && available >= want && (d.status?.updatedReplicas ?? 0) >= want) return;
    const line = `${ComponentName.Deployment}: ${available}/${want} available`;
    if (line !== last) progress(line);
    last = line;
    if (Date.now() >= deadline)
      throw new ProvidersNotReadyError(
        `Deployment ${namespace}/${ComponentName.Deployment} not available after ${Math.round(timeoutMs / 1000)}s (${available}/${want} replicas available)`,
      );
    signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export interface PrintOptions {
  namespace?: string;
  image?: string;
  version?: string;
  /**
   * Also print the `Provider` inventory entry. Off by default: kubectl maps every object of a stream before
   * applying any, so a custom resource cannot follow its own CRD in one `kubectl apply -f -`; run `capi init`
   * afterwards to record the inventory.
   */
  includeInventory?: boolean;
}

/** `capi init --print`: the components as one YAML stream for `kubectl apply -f -` (a fresh certificate). */
export async function printComponents(options: PrintOptions = {}): Promise<string> {
  const objects = await renderComponents({
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.image ? { image: options.image } : {}),
    ...(options.version ? { version: options.version } : {}),
  });
  return componentsYaml(
    options.includeInventory ? objects : objects.filter((o) => o.apiVersion !== PROVIDER_TYPE.apiVersion),
  );
}
