import { bootstrapPolicy } from '../auth/bootstrap-policy.js';
import { RbacAuthorizer } from '../auth/rbac-authorizer.js';
import { ServiceAccountTokens } from '../auth/service-account-tokens.js';
import { StoreRbacSource } from '../auth/store-rbac-source.js';
import { CrdController } from '../crd/crd-controller.js';
import { GarbageCollector } from '../gc/garbage-collector.js';
import { NamespaceController } from '../gc/namespace-controller.js';
import { ApiServer, type ApiServerOptions } from '../http/api-server.js';
import { OpenApiV3 } from '../http/openapi.js';
import { ResourceHandler } from '../http/resource-handler.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import type { AdmissionPlugin } from '../registry/ports.js';
import { ResourceCatalog } from '../registry/resource-catalog.js';
import type { RevisionedStore } from '../storage/index.js';
import { DisruptionController } from '../workloads/disruption-controller.js';
import { PodTerminator, type PodTerminatorOptions } from '../workloads/pod-terminator.js';
import { ServiceAccountController } from '../workloads/service-account-controller.js';
import { seedCluster } from './seed.js';
import { StoreAdapter } from './store-adapter.js';
import { buildWiring } from './wiring.js';

export interface ApiServerInstanceOptions {
  /** The revisioned store the instance owns from now on (closed by `stop()`): durable or `RevisionedStore.memory()`. */
  store: RevisionedStore;
  /** Serving certificate and key, and the CA that client certificates must chain to. */
  tls: { cert: string; key: string; clientCa: string };
  /** ECDSA P-256 private key (PKCS#8 PEM) that signs and verifies service-account tokens. */
  serviceAccountKeyPem: string;
  /** Watch bookmark interval in milliseconds (upstream: a minute). */
  bookmarkIntervalMs?: number;
  /** Run the kubelet-less workload controllers (pods, budgets, service accounts); default true. */
  workloadControllers?: boolean;
  /** In-process admission (what webhooks do on a real cluster), after schema defaulting / beside validation. */
  admissionPlugins?: AdmissionPlugin[];
  /** How the kubelet stand-in finishes graceful pod deletions (how long containers take to stop). */
  pods?: PodTerminatorOptions;
  /** Extra ApiServer options: request observer, the kubelet's side of `pods/portforward`. */
  server?: Pick<ApiServerOptions, 'onRequest' | 'portForward'>;
}

/** One Kubernetes API server: store, registry, in-process controllers and the HTTPS front (not yet listening). */
export interface ApiServerInstance {
  server: ApiServer;
  registry: GenericRegistry;
  catalog: ResourceCatalog;
  /** Stops the controllers, closes connections and the store. */
  stop(): Promise<void>;
}

/**
 * Assembles an API server over a store: built-in kinds and every stored CRD, seeds what a fresh cluster has,
 * starts the in-process controllers (CRD establishment, garbage collection, namespace lifecycle, and the
 * kubelet-less pod, budget and service-account controllers). The caller decides where it listens: `listen`
 * on a port, or `acceptConnection` for sockets accepted by a listener of its own.
 */
export async function createApiServerInstance(options: ApiServerInstanceOptions): Promise<ApiServerInstance> {
  const store = new StoreAdapter(options.store);
  const catalog = new ResourceCatalog();
  const wiring = buildWiring();
  for (const def of wiring.builtins) catalog.add(def);

  // The registry consults the namespace controller for creates; the controller needs the registry.
  const lifecycle: { namespaces?: NamespaceController } = {};
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
  const crds = new CrdController(registry, catalog, wiring.crdDefinition, wiring.crdResourceOptions);
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
  const pods = new PodTerminator(registry, catalog, options.pods);
  const disruption = new DisruptionController(registry, catalog);
  const serviceAccounts = new ServiceAccountController(registry, catalog);
  if (options.workloadControllers !== false) {
    pods.start();
    disruption.start();
    serviceAccounts.start();
  }

  const saTokens = new ServiceAccountTokens({
    privateKeyPem: options.serviceAccountKeyPem,
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
    ...options.server,
    catalog,
    registry,
    handler,
    openapi: new OpenApiV3(catalog),
    authorizer,
    tls: options.tls,
    openApiV2: wiring.openApiV2,
    decodeProtobuf: wiring.decodeProtobuf,
    tokens: saTokens.authenticate,
    virtualCreates: {
      ...wiring.virtualCreates(authorizer),
      'authentication.k8s.io/tokenreviews': (body) => saTokens.tokenReview(body),
    },
  });

  return {
    server,
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
