// What the renderers take besides the spec, read from the management cluster: the values of the Secrets that
// `files[].contentFrom` and `users[].passwdFrom` name (the renderers never read Secrets themselves), and the
// kubeconfig file `joinConfiguration.discovery.file.kubeConfig` describes.
import { stringify } from 'yaml';
import type { TypeRef } from '../../../controller-runtime/api/object.js';
import type { Reader } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { FileDiscovery, KubeadmConfigSpec } from '../api/index.js';
import type { CloudInitFile, SecretValueLookup } from '../cloudinit/index.js';

const SecretType: TypeRef = { apiVersion: 'v1', kind: 'Secret' };

/** A Secret that `contentFrom` or `passwdFrom` names is missing, or lacks the key. */
export class SecretReferenceError extends Error {
  override readonly name = 'SecretReferenceError';
  readonly secretName: string;
  readonly key: string;
  constructor(message: string, secretName: string, key: string) {
    super(message);
    this.secretName = secretName;
    this.key = key;
  }
}
export const isSecretReferenceError = (err: unknown): err is SecretReferenceError =>
  err instanceof SecretReferenceError;

interface SecretRef {
  name: string;
  key: string;
}

/** The Secret references of the spec's files. */
export const fileSecretRefs = (spec: KubeadmConfigSpec): SecretRef[] =>
  (spec.files ?? []).flatMap((f) => (f.contentFrom ? [f.contentFrom.secret] : []));

/** The Secret references of the spec's users. */
export const userSecretRefs = (spec: KubeadmConfigSpec): SecretRef[] =>
  (spec.users ?? []).flatMap((u) => (u.passwdFrom ? [u.passwdFrom.secret] : []));

/**
 * Reads every Secret `refs` name (once each) from `namespace` and returns the lookup the renderers take.
 * Throws SecretReferenceError, with upstream's wording, for a missing Secret or key.
 */
export async function readSecretValues(
  reader: Reader,
  namespace: string,
  refs: readonly SecretRef[],
  signal?: AbortSignal,
): Promise<SecretValueLookup> {
  const secrets = new Map<string, Record<string, string>>();
  for (const ref of refs) {
    let data = secrets.get(ref.name);
    if (!data) {
      try {
        const secret = await reader.get<{ metadata: object; data?: Record<string, string> }>(
          SecretType,
          { namespace, name: ref.name },
          { signal },
        );
        data = secret.data ?? {};
      } catch (err) {
        if (!isNotFound(err)) throw err;
        throw new SecretReferenceError(`secret not found: ${namespace}/${ref.name}`, ref.name, ref.key);
      }
      secrets.set(ref.name, data);
    }
    if (data[ref.key] === undefined) {
      throw new SecretReferenceError(
        `secret references non-existent secret key: ${JSON.stringify(ref.key)}`,
        ref.name,
        ref.key,
      );
    }
  }
  return ({ name, key }) => {
    const value = secrets.get(name)?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
}

/**
 * The kubeconfig file of file discovery, written where `kubeConfigPath` points (upstream's
 * resolveDiscoveryKubeConfig): one cluster, user and context, all named `default`. `certificateAuthorityData`
 * is kept base64-encoded, as kubeconfig files carry it.
 */
export function discoveryKubeconfigFile(discovery: FileDiscovery): CloudInitFile | undefined {
  const kc = discovery.kubeConfig;
  if (!kc) return undefined;
  const c = kc.cluster ?? {};
  const cluster: Record<string, unknown> = { server: c.server ?? '' };
  if (c.tlsServerName) cluster['tls-server-name'] = c.tlsServerName;
  if (c.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  if (c.certificateAuthorityData) cluster['certificate-authority-data'] = c.certificateAuthorityData;
  if (c.proxyURL) cluster['proxy-url'] = c.proxyURL;
  const user: Record<string, unknown> = {};
  const provider = kc.user.authProvider;
  if (provider)
    user['auth-provider'] = { name: provider.name, ...(provider.config ? { config: provider.config } : {}) };
  const exec = kc.user.exec;
  if (exec) {
    user.exec = {
      command: exec.command,
      ...(exec.args ? { args: exec.args } : {}),
      ...(exec.env ? { env: exec.env.map((e) => ({ name: e.name, value: e.value })) } : {}),
      apiVersion: exec.apiVersion || 'client.authentication.k8s.io/v1',
      provideClusterInfo: exec.provideClusterInfo ?? false,
      interactiveMode: 'Never',
    };
  }
  const kubeconfig = {
    clusters: [{ name: 'default', cluster }],
    contexts: [{ name: 'default', context: { cluster: 'default', user: 'default' } }],
    'current-context': 'default',
    preferences: {},
    users: [{ name: 'default', user }],
  };
  return {
    path: discovery.kubeConfigPath,
    owner: 'root:root',
    permissions: '0640',
    content: stringify(kubeconfig, { sortMapEntries: true, lineWidth: 0 }),
  };
}
