import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { InvalidKubeconfigError, type Kubeconfig, parseKubeconfig } from '../../pki/index.js';

/** Everything the client needs to reach one API server as one identity. */
export interface RestConfig {
  /** `https://host:port` (a path prefix is allowed, as behind a proxy). */
  server: string;
  caPem?: string;
  clientCertificatePem?: string;
  clientKeyPem?: string;
  token?: string;
  /** Re-read on every request when set, so rotated service-account tokens are picked up. */
  tokenFile?: string;
  username?: string;
  password?: string;
  tlsServerName?: string;
  insecureSkipTlsVerify?: boolean;
  /** The context's namespace (or the pod's namespace in-cluster); `default` otherwise. */
  namespace: string;
  /** Client-side rate limit; upstream Cluster API runs its managers at 100 QPS with a burst of 200. */
  qps?: number;
  burst?: number;
  userAgent?: string;
  /** Per-request timeout for everything but watches, in milliseconds. */
  timeoutMs?: number;
  /** Where the config came from, for messages. */
  source: string;
}

export interface LoadRestConfigOptions {
  /** A kubeconfig file; wins over `$KUBECONFIG`, in-cluster config and `~/.kube/config`. */
  kubeconfigPath?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Root of the service-account mount (tests point it elsewhere). */
  serviceAccountDir?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Finds the config the way controller-runtime's `GetConfig` does: an explicit kubeconfig path, then
 * `$KUBECONFIG` (a list of files merged, first one to set a value wins), then the in-cluster service account,
 * then `~/.kube/config`. Throws `InvalidKubeconfigError` naming the file and field when something is wrong.
 */
export function loadRestConfig(options: LoadRestConfigOptions = {}): RestConfig {
  const env = options.env ?? process.env;
  if (options.kubeconfigPath) return restConfigFromKubeconfigFiles([options.kubeconfigPath], options.context);
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  if (list.length > 0) return restConfigFromKubeconfigFiles(list, options.context);
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(path.join(saDir, 'token'))) {
    return inClusterRestConfig(env, saDir);
  }
  const home = path.join(env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return restConfigFromKubeconfigFiles([home], options.context);
  throw new InvalidKubeconfigError(
    '(source)',
    'no kubeconfig found: pass --kubeconfig, set KUBECONFIG, run in a pod, or create ~/.kube/config',
  );
}

/** The service-account identity of a pod (`KUBERNETES_SERVICE_HOST`/`PORT`, token and CA from the mount). */
export function inClusterRestConfig(env: NodeJS.ProcessEnv, saDir = SERVICE_ACCOUNT_DIR): RestConfig {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const namespaceFile = path.join(saDir, 'namespace');
  return {
    server: `https://${hostPart}:${env.KUBERNETES_SERVICE_PORT}`,
    caPem: readFileSync(path.join(saDir, 'ca.crt'), 'utf8'),
    tokenFile: path.join(saDir, 'token'),
    namespace: existsSync(namespaceFile)
      ? readFileSync(namespaceFile, 'utf8').trim() || 'default'
      : 'default',
    source: `in-cluster service account (${saDir})`,
  };
}

type Named<T> = { name: string } & T;

/** Merges kubeconfig files as kubectl does: for each map key (cluster, user, context name) the first file wins. */
export function restConfigFromKubeconfigFiles(files: string[], contextName?: string): RestConfig {
  const clusters = new Map<string, { value: Record<string, unknown>; dir: string }>();
  const users = new Map<string, { value: Record<string, unknown>; dir: string }>();
  const contexts = new Map<string, Record<string, unknown>>();
  let current = '';
  const read: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    let config: Kubeconfig;
    try {
      config = parseKubeconfig(readFileSync(file, 'utf8'));
    } catch (err) {
      if (err instanceof InvalidKubeconfigError) {
        throw new InvalidKubeconfigError(`${file}: ${err.field}`, err.message, { cause: err });
      }
      throw err;
    }
    read.push(file);
    const dir = path.dirname(path.resolve(file));
    for (const c of config.clusters as unknown as Named<{ cluster: Record<string, unknown> }>[]) {
      if (!clusters.has(c.name)) clusters.set(c.name, { value: c.cluster, dir });
    }
    for (const u of config.users as unknown as Named<{ user: Record<string, unknown> }>[]) {
      if (!users.has(u.name)) users.set(u.name, { value: u.user, dir });
    }
    for (const c of config.contexts as unknown as Named<{ context: Record<string, unknown> }>[]) {
      if (!contexts.has(c.name)) contexts.set(c.name, c.context);
    }
    current ||= config['current-context'];
  }
  const source = read.join(path.delimiter) || files.join(path.delimiter);
  if (read.length === 0) throw new InvalidKubeconfigError(source, 'no such file');
  const name = contextName || current;
  if (!name)
    throw new InvalidKubeconfigError(`${source}: current-context`, 'is empty and no context was named');
  const context = contexts.get(name);
  if (!context) throw new InvalidKubeconfigError(`${source}: contexts`, `no context named "${name}"`);
  const clusterEntry = clusters.get(String(context.cluster));
  if (!clusterEntry) {
    throw new InvalidKubeconfigError(`${source}: clusters`, `no cluster named "${String(context.cluster)}"`);
  }
  const userEntry = users.get(String(context.user)) ?? { value: {}, dir: clusterEntry.dir };
  const cluster = clusterEntry.value;
  const user = userEntry.value;
  const server = cluster.server;
  if (typeof server !== 'string' || !/^https?:\/\//.test(server)) {
    throw new InvalidKubeconfigError(
      `${source}: clusters[${String(context.cluster)}].server`,
      'must be an http(s) URL',
    );
  }
  if (user.exec || user['auth-provider']) {
    throw new InvalidKubeconfigError(
      `${source}: users[${String(context.user)}]`,
      'exec plugins and auth providers are not supported; use a client certificate or a token',
    );
  }
  const field = (
    entry: { value: Record<string, unknown>; dir: string },
    dataKey: string,
    fileKey: string,
  ): string | undefined => {
    const data = entry.value[dataKey];
    if (typeof data === 'string' && data) return Buffer.from(data, 'base64').toString('utf8');
    const file = entry.value[fileKey];
    if (typeof file === 'string' && file) return readFileSync(path.resolve(entry.dir, file), 'utf8');
    return undefined;
  };
  const tokenFile =
    typeof user.tokenFile === 'string' && user.tokenFile
      ? path.resolve(userEntry.dir, user.tokenFile)
      : undefined;
  return {
    server,
    caPem: field(clusterEntry, 'certificate-authority-data', 'certificate-authority'),
    clientCertificatePem: field(userEntry, 'client-certificate-data', 'client-certificate'),
    clientKeyPem: field(userEntry, 'client-key-data', 'client-key'),
    token: typeof user.token === 'string' && user.token ? user.token : undefined,
    tokenFile,
    username: typeof user.username === 'string' ? user.username : undefined,
    password: typeof user.password === 'string' ? user.password : undefined,
    tlsServerName: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    namespace: typeof context.namespace === 'string' && context.namespace ? context.namespace : 'default',
    source,
  };
}
