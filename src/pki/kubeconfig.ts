import { parseCertificatePem } from './certificate-pem.js';
import { KeyPair } from './key-pair.js';
import { InvalidKubeconfigError, isPkiError } from './pki-errors.js';

/** A cluster entry of a kubeconfig (client-go's `clientcmd/api/v1.Cluster`, as far as we write it). */
export interface KubeconfigCluster {
  server: string;
  /** Base64 of the CA bundle PEM. */
  'certificate-authority-data'?: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
}

/** A user entry (`AuthInfo`): client certificate or bearer token. */
export interface KubeconfigUser {
  /** Base64 of the client certificate PEM. */
  'client-certificate-data'?: string;
  /** Base64 of the client key PEM. */
  'client-key-data'?: string;
  token?: string;
}

export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
}

/** A kubeconfig file (`apiVersion: v1`, `kind: Config`), keys in the order kubectl prints them. */
export interface Kubeconfig {
  apiVersion: 'v1';
  clusters: { name: string; cluster: KubeconfigCluster }[];
  contexts: { name: string; context: KubeconfigContext }[];
  'current-context': string;
  kind: 'Config';
  preferences: Record<string, never>;
  users: { name: string; user: KubeconfigUser }[];
}

export type KubeconfigCredentials =
  { clientCertificatePem: string; clientKeyPem: string } | { token: string };

export interface BuildKubeconfigOptions {
  /** Names the cluster entry. */
  clusterName: string;
  /** `https://host:port` of the API server. */
  server: string;
  /** The CA that signed the API server's serving certificate. */
  caCertificatePem: string;
  credentials: KubeconfigCredentials;
  /** `<clusterName>-admin` unless set. */
  userName?: string;
  /** `<userName>@<clusterName>` unless set. */
  contextName?: string;
  /** Namespace of the context; kubectl's default (`default`) when unset. */
  namespace?: string;
}

/** The names kubeadm and Cluster API give a cluster's admin kubeconfig entries. */
export function kubeconfigNames(
  clusterName: string,
  userName = `${clusterName}-admin`,
): { cluster: string; user: string; context: string } {
  return { cluster: clusterName, user: userName, context: `${userName}@${clusterName}` };
}

/**
 * One cluster, one user, one context that is current: what Cluster API stores in `<cluster>-kubeconfig`.
 * Throws `InvalidKubeconfigError` for an empty name, a server that is not an http(s) URL, a CA that is not a
 * certificate, or a client key that does not match its certificate.
 */
export function buildKubeconfig(options: BuildKubeconfigOptions): Kubeconfig {
  if (!options.clusterName) throw new InvalidKubeconfigError('clusterName', 'must not be empty');
  checkServer(options.server);
  guard('caCertificatePem', () => parseCertificatePem(options.caCertificatePem));
  const names = kubeconfigNames(options.clusterName, options.userName || undefined);
  const contextName = options.contextName || names.context;
  const context: KubeconfigContext = { cluster: names.cluster, user: names.user };
  if (options.namespace) context.namespace = options.namespace;
  return {
    apiVersion: 'v1',
    clusters: [
      {
        name: names.cluster,
        cluster: { server: options.server, 'certificate-authority-data': base64(options.caCertificatePem) },
      },
    ],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    kind: 'Config',
    preferences: {},
    users: [{ name: names.user, user: userEntry(options.credentials) }],
  };
}

function userEntry(credentials: KubeconfigCredentials): KubeconfigUser {
  if ('token' in credentials) {
    if (!credentials.token || /\s/.test(credentials.token)) {
      throw new InvalidKubeconfigError('credentials.token', 'must be non-empty and contain no whitespace');
    }
    return { token: credentials.token };
  }
  const certificate = guard('credentials.clientCertificatePem', () =>
    parseCertificatePem(credentials.clientCertificatePem),
  );
  const keyPair = guard('credentials.clientKeyPem', () =>
    KeyPair.fromPrivateKeyPem(credentials.clientKeyPem),
  );
  if (!certificate.checkPrivateKey(keyPair.privateKey)) {
    throw new InvalidKubeconfigError('credentials.clientKeyPem', 'does not match the client certificate');
  }
  return {
    'client-certificate-data': base64(credentials.clientCertificatePem),
    'client-key-data': base64(credentials.clientKeyPem),
  };
}

function checkServer(server: string): void {
  let url: URL;
  try {
    url = new URL(server);
  } catch (err) {
    throw new InvalidKubeconfigError('server', `"${server}" is not a URL`, { cause: err });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidKubeconfigError('server', `"${server}" is not an http(s) URL`);
  }
}

/** Runs a parse, turning the folder's own errors into a kubeconfig error that names the field. */
function guard<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (isPkiError(err)) throw new InvalidKubeconfigError(field, err.message, { cause: err });
    throw err;
  }
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
