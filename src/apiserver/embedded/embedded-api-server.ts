import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ServiceAccountTokens } from '../auth/service-account-tokens.js';
import { writeFileAtomic } from '../../pki/atomic-file.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import { RevisionedStore } from '../storage/index.js';
import { ensureServingPki, type ServingPkiPaths } from './serving-pki.js';
import type { AdmissionPlugin } from '../registry/ports.js';
import { buildKubeconfig } from '../../pki/kubeconfig.js';
import { writeKubeconfigFile } from '../../pki/kubeconfig-file.js';
import { createApiServerInstance } from './api-server-instance.js';

export interface EmbeddedApiServerOptions {
  dataDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Keep everything in memory (tests); the data dir still holds the PKI and kubeconfig. */
  inMemory?: boolean;
  /** Watch bookmark interval in milliseconds (upstream: a minute). */
  bookmarkIntervalMs?: number;
  /** Run the kubelet-less workload controllers (pods, budgets, service accounts); default true. */
  workloadControllers?: boolean;
  /**
   * In-process admission (what webhooks do on a real cluster): mutate runs after schema defaulting,
   * validate beside schema validation; both see every create, update and delete.
   */
  admissionPlugins?: AdmissionPlugin[];
}

export interface EmbeddedApiServer {
  url: string;
  paths: ServingPkiPaths & { kubeconfig: string; store: string };
  /** Objects held at start-up (after replay) and the store revision. */
  objectCount: number;
  revision: number;
  registry: GenericRegistry;
  catalog: ResourceCatalog;
  stop(): Promise<void>;
}

/**
 * Starts the embedded Kubernetes API server on a data directory: opens (or replays) the durable store,
 * serves built-in kinds and every stored CRD, seeds what a fresh cluster has, runs the in-process
 * controllers (CRD establishment, garbage collection, namespace lifecycle) and listens with TLS.
 * Writes `<dataDir>/kubeconfig` for the admin.
 */
export async function startEmbeddedApiServer(options: EmbeddedApiServerOptions): Promise<EmbeddedApiServer> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const pki = await ensureServingPki(options.dataDir, options.host);
  const storeDir = path.join(options.dataDir, 'store');
  const store = options.inMemory ? RevisionedStore.memory() : await RevisionedStore.open({ dir: storeDir });

  const saKeyPath = path.join(options.dataDir, 'pki', 'sa.key');
  const saKeyPem = await readFile(saKeyPath, 'utf8').catch(async () => {
    const pem = ServiceAccountTokens.generateKeyPem();
    await writeFileAtomic(saKeyPath, pem);
    return pem;
  });

  const instance = await createApiServerInstance({
    store,
    tls: { cert: pki.servingCertPem, key: pki.servingKeyPem, clientCa: pki.caPem },
    serviceAccountKeyPem: saKeyPem,
    ...(options.bookmarkIntervalMs ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
    ...(options.workloadControllers === false ? { workloadControllers: false } : {}),
    ...(options.admissionPlugins ? { admissionPlugins: options.admissionPlugins } : {}),
  });
  const { server, registry, catalog } = instance;
  try {
    await server.listen(options.host, options.port);
  } catch (err) {
    await instance.stop();
    throw err;
  }

  const kubeconfigPath = path.join(options.dataDir, 'kubeconfig');
  await writeKubeconfigFile(
    kubeconfigPath,
    buildKubeconfig({
      clusterName: 'capi',
      server: server.url,
      caCertificatePem: pki.caPem,
      credentials: { clientCertificatePem: pki.adminCertPem, clientKeyPem: pki.adminKeyPem },
    }),
  );

  const snapshot = registry.store.range('/registry/');
  return {
    url: server.url,
    paths: { ...pki.paths, kubeconfig: kubeconfigPath, store: storeDir },
    objectCount: snapshot.kvs.length,
    revision: snapshot.revision,
    registry,
    catalog,
    stop: () => instance.stop(),
  };
}
