import { existsSync } from 'node:fs';
import path from 'node:path';
import { isDirectoryLocked } from '../apiserver/storage/dir-lock.js';
import { KubeClient } from '../controller-runtime/client/kube-client.js';
import { isTransportError } from '../controller-runtime/client/errors.js';
import { loadRestConfig, type RestConfig } from '../controller-runtime/client/rest-config.js';
import { resolveDataDir } from '../main/data-dir.js';
import { ManagementPlaneUnreachableError } from './errors.js';

export interface FindManagementPlaneOptions {
  /** `--kubeconfig`. */
  kubeconfig?: string;
  /** `--context`. */
  context?: string;
  /** `--data-dir` of a local `capi up` (default `$CAPI_HOME` or `~/.capi`). */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ManagementPlaneConfig {
  config: RestConfig;
  /** Where the kubeconfig came from, for messages: `--kubeconfig /x`, `$KUBECONFIG`, `capi up (~/.capi)`. */
  source: string;
}

/**
 * Finds the management plane the way the issue asks: `--kubeconfig`, then `$KUBECONFIG`, then the kubeconfig of
 * a local `capi up` when one is running on the data directory (a live process holds its store lock), then
 * in-cluster config and `~/.kube/config`.
 */
export function findManagementPlane(options: FindManagementPlaneOptions = {}): ManagementPlaneConfig {
  const env = options.env ?? process.env;
  const context = options.context ? { context: options.context } : {};
  if (options.kubeconfig) {
    const file = path.resolve(options.kubeconfig);
    return {
      config: loadRestConfig({ kubeconfigPath: file, env, ...context }),
      source: `--kubeconfig ${file}`,
    };
  }
  if (env.KUBECONFIG) {
    return { config: loadRestConfig({ env, ...context }), source: `$KUBECONFIG ${env.KUBECONFIG}` };
  }
  const dataDir = resolveDataDir(options.dataDir, env);
  const local = path.join(dataDir, 'kubeconfig');
  if (existsSync(local) && isDirectoryLocked(path.join(dataDir, 'store'))) {
    return {
      config: loadRestConfig({ kubeconfigPath: local, env, ...context }),
      source: `capi up (${local})`,
    };
  }
  const config = loadRestConfig({ env, ...context });
  return { config, source: config.source };
}

export interface ManagementPlane extends ManagementPlaneConfig {
  client: KubeClient;
  /** The namespace commands default to: the kubeconfig context's, else `default`. */
  namespace: string;
  close(): void;
}

/** Connects and checks the API server answers, so the first command fails with one clear line if it does not. */
export async function connectManagementPlane(
  options: FindManagementPlaneOptions & { timeoutMs?: number } = {},
): Promise<ManagementPlane> {
  const found = findManagementPlane(options);
  const config: RestConfig = { ...found.config, timeoutMs: options.timeoutMs ?? 30_000, userAgent: 'capi' };
  const client = new KubeClient(config, { fieldManager: 'capi' });
  try {
    await client.list({ apiVersion: 'v1', kind: 'Namespace' }, { limit: 1 });
  } catch (err) {
    client.close();
    if (isTransportError(err)) {
      throw new ManagementPlaneUnreachableError(config.server, found.source, {
        cause: err,
        ...(found.source.startsWith('capi up') ? {} : { hint: 'is it running? (start one with: capi up)' }),
      });
    }
    throw err;
  }
  return { ...found, config, client, namespace: config.namespace, close: () => client.close() };
}
