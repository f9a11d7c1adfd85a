import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { bootstrapPolicy } from '../auth/bootstrap-policy.js';
import { RbacAuthorizer } from '../auth/rbac-authorizer.js';
import { ServiceAccountTokens } from '../auth/service-account-tokens.js';
import { StoreRbacSource } from '../auth/store-rbac-source.js';
import { DisruptionController } from '../workloads/disruption-controller.js';
import { PodTerminator } from '../workloads/pod-terminator.js';
import { ServiceAccountController } from '../workloads/service-account-controller.js';
import { writeFileAtomic } from '../../pki/atomic-file.js';
import { CrdController } from '../crd/crd-controller.js';
import { GarbageCollector } from '../gc/garbage-collector.js';
import { NamespaceController } from '../gc/namespace-controller.js';
import { ApiServer } from '../http/api-server.js';
import { OpenApiV3 } from '../http/openapi.js';
import { ResourceHandler } from '../http/resource-handler.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import { ResourceCatalog } from '../registry/resource-catalog.js';
import { RevisionedStore } from '../storage/index.js';
import { ensureServingPki, type ServingPkiPaths } from './serving-pki.js';
import { seedCluster } from './seed.js';
import { StoreAdapter } from './store-adapter.js';
import type { AdmissionPlugin } from '../registry/ports.js';
import { buildWiring } from './wiring.js';
import { buildKubeconfig } from '../../pki/kubeconfig.js';
import { writeKubeconfigFile } from '../../pki/kubeconfig-file.js';

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
  const inner = options.inMemory ? RevisionedStore.memory() : await RevisionedStore.open({ dir: storeDir });
  const store = new StoreAdapter(inner);

  const catalog = new ResourceCatalog();
  const wiring = buildWiring();
  for (const def of wiring.builtins) catalog.add(def);

  // The registry consults the namespace controller for creates; the controller needs the registry.
  const lifecycle: { namespaces?: NamespaceController } = {};
  const crdDef = wiring.crdDefinition;
  const registry = new GenericRegistry({
    store,
    schemaFor: wiring.schemaFor,
    fieldManager: wiring.fieldManager,
    storageDefFor: (def) => wiring.storageDefFor(catalog, def),
    convert: wiring.convert,
    namespaceGate: (ns, def, name) => lifecycle.namespaces?.gate(ns, def, name),
    strategicMergePatch: wiring.strategicMergePatch,
    validateMeta: wiring.validateMeta,
    admission: wiring.admission,
  });
  const crds = new CrdController(registry, catalog, crdDef, wiring.crdResourceOptions);
  wiring.admission.push(crds.admission, ...(options.admissionPlugins ?? []));
  const namespaces = new NamespaceController(registry, catalog, catalog.get('', 'v1', 'namespaces')!);
  lifecycle.namespaces = namespaces;
  const gc = new GarbageCollector(registry, catalog);
  crds.start();

  const policy = bootstrapPolicy();
  await seedCluster(registry, catalog, [...policy.clusterRoles, ...policy.clusterRoleBindings]);
  namespaces.start();
  gc.start();
  // What kubelets and kube-controller-manager would do: finish graceful pod deletions, compute budgets,
  // give every namespace its default ServiceAccount.
  const pods = new PodTerminator(registry, catalog);
  const disruption = new DisruptionController(registry, catalog);
  const serviceAccounts = new ServiceAccountController(registry, catalog);
  if (options.workloadControllers !== false) {
    pods.start();
    disruption.start();
    serviceAccounts.start();
  }

  const saKeyPath = path.join(options.dataDir, 'pki', 'sa.key');
  const saKeyPem = await readFile(saKeyPath, 'utf8').catch(async () => {
    const pem = ServiceAccountTokens.generateKeyPem();
    await writeFileAtomic(saKeyPath, pem);
    return pem;
  });
  const saTokens = new ServiceAccountTokens({
    privateKeyPem: saKeyPem,
    lookup: (plural, ns, name) => registry.tryGet(catalog.get('', 'v1', plural)!, ns, name),
  });

  const rbac = new StoreRbacSource(store);
  const authorizer = new RbacAuthorizer(rbac);
  const handler = new ResourceHandler({
    registry,
    tables: wiring.tables,
    selectorFor: wiring.selectorFor,
    decodeProtobuf: wiring.decodeProtobuf,
    checkWireFormat: wiring.checkWireFormat,
    subresources: { ...wiring.subresources(registry), 'serviceaccounts/token': saTokens.tokenRequestHandler },
    ...(options.bookmarkIntervalMs ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
  });
  const server = new ApiServer({
    catalog,
    registry,
    handler,
    openapi: new OpenApiV3(catalog),
    authorizer,
    tls: { cert: pki.servingCertPem, key: pki.servingKeyPem, clientCa: pki.caPem },
    openApiV2: wiring.openApiV2,
    decodeProtobuf: wiring.decodeProtobuf,
    tokens: saTokens.authenticate,
    virtualCreates: {
      ...wiring.virtualCreates(authorizer),
      'authentication.k8s.io/tokenreviews': (body) => saTokens.tokenReview(body),
    },
  });
  await server.listen(options.host, options.port);

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

  const snapshot = store.range('/registry/');
  return {
    url: server.url,
    paths: { ...pki.paths, kubeconfig: kubeconfigPath, store: storeDir },
    objectCount: snapshot.kvs.length,
    revision: snapshot.revision,
    registry,
    catalog,
    async stop(): Promise<void> {
      await server.close();
      await pods.stop();
      await disruption.stop();
      await serviceAccounts.stop();
      crds.stop();
      namespaces.stop();
      await gc.stop();
      rbac.close();
      await store.close();
    },
  };
}
