import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
  type EmbeddedApiServerOptions,
} from '../../../src/apiserver/embedded/embedded-api-server.js';
import { KubeClient, type KubeClientOptions } from '../../../src/controller-runtime/client/kube-client.js';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import type { KubeObject } from '../../../src/controller-runtime/api/object.js';
import { widgetCrd } from '../../e2e/fixtures/widget.js';
import { metricsFor } from '../../../src/controller-runtime/metrics/metrics.js';

/** An embedded API server in a temp dir plus a client for it, torn down by `stop()`. */
export interface TestApiServer {
  server: EmbeddedApiServer;
  dataDir: string;
  kubeconfigPath: string;
  /** A client with its own metrics registry (so tests can read metrics without cross-talk). */
  client: KubeClient;
  registry: Registry;
  newClient(options?: KubeClientOptions & { qps?: number; burst?: number }): KubeClient;
  stop(): Promise<void>;
}

export async function startTestApiServer(
  options: {
    bookmarkIntervalMs?: number;
    inMemory?: boolean;
    /** Namespaces to create up front. */
    namespaces?: string[];
    /** Install the Widget CRD (test/e2e/fixtures/widget.ts) and wait until it is served. */
    widgets?: boolean;
    /** Serve with the PKI (CA, serving and client certificates) of this data directory: a twin server. */
    pkiFrom?: string;
    /** In-process admission plug-ins (what webhooks are on a real cluster). */
    admissionPlugins?: EmbeddedApiServerOptions['admissionPlugins'];
  } = {},
): Promise<TestApiServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-cr-'));
  if (options.pkiFrom)
    await cp(path.join(options.pkiFrom, 'pki'), path.join(dataDir, 'pki'), { recursive: true });
  const server = await startEmbeddedApiServer({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    inMemory: options.inMemory ?? true,
    ...(options.admissionPlugins ? { admissionPlugins: options.admissionPlugins } : {}),
    ...(options.bookmarkIntervalMs ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
  });
  const clients: KubeClient[] = [];
  const newClient = (opts: KubeClientOptions & { qps?: number; burst?: number } = {}): KubeClient => {
    const base = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
    const client = new KubeClient(
      { ...base.config, qps: opts.qps ?? 1000, burst: opts.burst ?? 2000 },
      { metrics: opts.metrics ?? metricsFor(new Registry()), ...opts },
    );
    base.close();
    clients.push(client);
    return client;
  };
  const registry = new Registry();
  const client = newClient({ metrics: metricsFor(registry) });
  for (const name of options.namespaces ?? []) {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  if (options.widgets) await installWidgetCrd(client);
  return {
    server,
    dataDir,
    kubeconfigPath: server.paths.kubeconfig,
    client,
    registry,
    newClient,
    async stop() {
      for (const c of clients) c.close();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Installs the Widget CRD of test/e2e/fixtures (status + scale subresources) and waits until it is served. */
export async function installWidgetCrd(client: KubeClient): Promise<void> {
  const crd = parse(widgetCrd) as KubeObject;
  await client.create(crd);
  await eventually(async () => {
    try {
      await client.mappingFor(WIDGET);
      return true;
    } catch {
      return false;
    }
  }, 'the Widget CRD to be served');
}

export const WIDGET = { apiVersion: 'test.example.com/v1', kind: 'Widget' } as const;
export const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
