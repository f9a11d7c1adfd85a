// A management plane for provider tests: embedded API server with the Cluster API CRDs, a manager running
// the dev provider's controllers (in-memory backend), and builders for what core would create.
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { KubeObject, TypeRef } from '../../../src/controller-runtime/api/object.js';
import { KubeClient } from '../../../src/controller-runtime/client/kube-client.js';
import { silentLogger } from '../../../src/controller-runtime/log/logger.js';
import { Manager } from '../../../src/controller-runtime/manager/manager.js';
import { metricsFor } from '../../../src/controller-runtime/metrics/metrics.js';
import { clusterApiCrds } from '../../../src/main/crds.js';
import { inProcessAdmission } from '../../../src/main/in-process-admission.js';
import { clusterApiWebhooks, DeferredReader } from '../../../src/main/webhooks.js';
import { installCrds } from '../../../src/main/install-crds.js';
import { CertificateAuthority } from '../../../src/pki/index.js';
import {
  type DevProvider,
  setupDevProvider,
  type DevProviderOptions,
} from '../../../src/providers/infrastructure-dev/setup.js';
import { startTestApiServer, type TestApiServer } from '../../controller-runtime/helpers/api-server.js';

export const CLUSTER: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' };
export const MACHINE: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine' };
export const DEV_CLUSTER: TypeRef = {
  apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
  kind: 'DevCluster',
};
export const DEV_MACHINE: TypeRef = {
  apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
  kind: 'DevMachine',
};
export const DEV_MACHINE_TEMPLATE: TypeRef = {
  apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
  kind: 'DevMachineTemplate',
};
export const SECRET: TypeRef = { apiVersion: 'v1', kind: 'Secret' };
export const NODE: TypeRef = { apiVersion: 'v1', kind: 'Node' };
export const POD: TypeRef = { apiVersion: 'v1', kind: 'Pod' };

export type Obj = KubeObject & {
  spec?: Record<string, unknown> & {
    providerID?: string;
    controlPlaneEndpoint?: { host: string; port: number };
  };
  status?: Record<string, unknown> & {
    conditions?: {
      type: string;
      status: string;
      reason: string;
      message?: string;
      lastTransitionTime: string;
    }[];
  };
  data?: Record<string, string>;
};

export const b64 = (s: string): string => Buffer.from(s).toString('base64');

export interface Harness {
  api: TestApiServer;
  client: KubeClient;
  manager: Manager;
  provider: DevProvider;
  registry: Registry;
  /** A fresh namespace. */
  namespace(): Promise<string>;
  /** Stops the manager and the provider (every workload cluster with them) and starts new ones: a process restart. */
  restartControllers(): Promise<void>;
  stop(): Promise<void>;
}

let portBase = 21000 + Math.floor(Math.random() * 20) * 1000;

/** Starts the management plane; each harness gets its own slice of ports so files can run side by side. */
export interface HarnessOptions extends DevProviderOptions {
  /** More controllers on the same manager (core controllers under test). */
  setup?: (manager: Manager) => void;
  /** Run every Cluster API admission webhook in the API server, as `capi up` does (defaulting, validation). */
  webhooks?: boolean;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const webhookReader = new DeferredReader();
  const api = await startTestApiServer(
    options.webhooks
      ? { admissionPlugins: [inProcessAdmission(clusterApiWebhooks({ reader: webhookReader }))] }
      : {},
  );
  webhookReader.target = api.client;
  await installCrds(api.client, clusterApiCrds());
  const minPort = portBase;
  portBase += 200;
  const startControllers = () => {
    const registry = new Registry();
    const manager = new Manager({
      restConfig: { ...api.client.config, qps: 1000, burst: 2000 },
      registry,
      logger: silentLogger(),
    });
    const { setup, webhooks: _webhooks, ...providerOptions } = options;
    const provider = setupDevProvider(manager, {
      ...providerOptions,
      inMemory: { minPort, maxPort: minPort + 199, ...options.inMemory },
    });
    setup?.(manager);
    const stopping = new AbortController();
    const running = manager.start(stopping.signal);
    return {
      manager,
      provider,
      registry,
      async stop() {
        stopping.abort();
        await running.catch(() => undefined);
        await provider.cloud.stop();
      },
    };
  };
  let controllers = startControllers();
  let n = 0;
  return {
    api,
    client: api.client,
    get manager() {
      return controllers.manager;
    },
    get provider() {
      return controllers.provider;
    },
    get registry() {
      return controllers.registry;
    },
    async namespace() {
      const name = `dev-${++n}-${Math.random().toString(36).slice(2, 7)}`;
      await api.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return name;
    },
    async restartControllers() {
      await controllers.stop();
      controllers = startControllers();
    },
    async stop() {
      await controllers.stop();
      await api.stop();
    },
  };
}

/** A harness for the enclosing `describe`, started before its tests and stopped after them. */
export function useHarness(options: HarnessOptions = {}): () => Harness {
  let h: Harness | undefined;
  before(async () => {
    h = await startHarness(options);
  });
  after(async () => {
    await h?.stop();
  });
  return () => {
    if (!h) throw new Error('the harness is not started');
    return h;
  };
}

/** Waits until the DevMachine reports Ready=True; returns it. */
export async function machineReady(h: Harness, namespace: string, devMachine: string): Promise<Obj> {
  return eventually(`${devMachine} Ready`, async () => {
    const dm = await getObj(h, DEV_MACHINE, namespace, devMachine);
    return condition(dm, 'Ready')?.status === 'True' ? dm : undefined;
  });
}

/** Polls `probe` until it returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(20);
  }
}

export const condition = (obj: Obj | undefined, type: string) =>
  obj?.status?.conditions?.find((c) => c.type === type);

export interface Timings {
  vm?: string;
  node?: string;
  etcd?: string;
  apiServer?: string;
  jitter?: string;
}

export interface TestCluster {
  namespace: string;
  name: string;
  cluster: Obj;
  ca: CertificateAuthority;
  etcdCa: CertificateAuthority;
}

/** A Cluster (infrastructure not yet provisioned), its DevCluster with the owner reference, and `<name>-ca`. */
export async function createCluster(
  h: Harness,
  namespace: string,
  name: string,
  options: { devClusterAnnotations?: Record<string, string>; ca?: CertificateAuthority } = {},
): Promise<TestCluster> {
  const cluster = await h.client.create<Obj>({
    apiVersion: CLUSTER.apiVersion,
    kind: 'Cluster',
    metadata: { name, namespace },
    spec: {
      clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] } },
      infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name },
    },
  });
  await h.client.create({
    apiVersion: DEV_CLUSTER.apiVersion,
    kind: 'DevCluster',
    metadata: {
      name,
      namespace,
      labels: { 'cluster.x-k8s.io/cluster-name': name },
      ...(options.devClusterAnnotations ? { annotations: options.devClusterAnnotations } : {}),
      ownerReferences: [
        { apiVersion: CLUSTER.apiVersion, kind: 'Cluster', name, uid: cluster.metadata.uid! },
      ],
    },
    spec: { backend: { inMemory: {} } },
  });
  const ca = options.ca ?? (await CertificateAuthority.create({ commonName: 'kubernetes' }));
  await h.client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'cluster.x-k8s.io/secret',
    metadata: { name: `${name}-ca`, namespace, labels: { 'cluster.x-k8s.io/cluster-name': name } },
    data: { 'tls.crt': b64(ca.certificatePem), 'tls.key': b64(ca.keyPair.privateKeyPem) },
  });
  const etcdCa = await CertificateAuthority.create({ commonName: 'etcd-ca', keyAlgorithm: 'ECDSA-P256' });
  await h.client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'cluster.x-k8s.io/secret',
    metadata: { name: `${name}-etcd`, namespace, labels: { 'cluster.x-k8s.io/cluster-name': name } },
    data: { 'tls.crt': b64(etcdCa.certificatePem), 'tls.key': b64(etcdCa.keyPair.privateKeyPem) },
  });
  return { namespace, name, cluster, ca, etcdCa };
}

/** What core does once the DevCluster is provisioned: Cluster.status.initialization.infrastructureProvisioned. */
export async function markInfrastructureProvisioned(h: Harness, c: TestCluster): Promise<void> {
  await h.client.patchStatus(
    { apiVersion: CLUSTER.apiVersion, kind: 'Cluster', metadata: { name: c.name, namespace: c.namespace } },
    { type: 'merge', data: { status: { initialization: { infrastructureProvisioned: true } } } },
  );
}

export async function markControlPlaneInitialized(h: Harness, c: TestCluster): Promise<void> {
  await h.client.patchStatus(
    { apiVersion: CLUSTER.apiVersion, kind: 'Cluster', metadata: { name: c.name, namespace: c.namespace } },
    {
      type: 'merge',
      data: {
        status: { initialization: { infrastructureProvisioned: true, controlPlaneInitialized: true } },
      },
    },
  );
}

/**
 * A Machine (control plane or worker) with its bootstrap data Secret (unless `withoutData`) and its
 * DevMachine owned by it, as the Machine/MachineSet controllers and CABPK would make them.
 */
export async function createMachine(
  h: Harness,
  c: TestCluster,
  name: string,
  options: {
    controlPlane?: boolean;
    version?: string;
    timings?: Timings;
    annotations?: Record<string, string>;
    withoutData?: boolean;
    bootstrapData?: string;
    failureDomain?: string;
  } = {},
): Promise<{ machine: Obj; devMachineName: string }> {
  const labels: Record<string, string> = { 'cluster.x-k8s.io/cluster-name': c.name };
  if (options.controlPlane) labels['cluster.x-k8s.io/control-plane'] = '';
  const devMachineName = `${name}-dev`;
  if (!options.withoutData) await createBootstrapData(h, c, name, options.bootstrapData);
  const machine = await h.client.create<Obj>({
    apiVersion: MACHINE.apiVersion,
    kind: 'Machine',
    metadata: { name, namespace: c.namespace, labels },
    spec: {
      clusterName: c.name,
      version: options.version ?? 'v1.33.1',
      bootstrap: options.withoutData
        ? { configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name } }
        : { dataSecretName: `${name}-bootstrap` },
      infrastructureRef: {
        apiGroup: 'infrastructure.cluster.x-k8s.io',
        kind: 'DevMachine',
        name: devMachineName,
      },
      ...(options.failureDomain ? { failureDomain: options.failureDomain } : {}),
    },
  });
  const t = options.timings ?? {};
  const provisioning = (d: string | undefined) => ({
    provisioning: { startupDuration: d ?? '0s', ...(t.jitter ? { startupJitter: t.jitter } : {}) },
  });
  await h.client.create({
    apiVersion: DEV_MACHINE.apiVersion,
    kind: 'DevMachine',
    metadata: {
      name: devMachineName,
      namespace: c.namespace,
      labels,
      ...(options.annotations ? { annotations: options.annotations } : {}),
      ownerReferences: [
        {
          apiVersion: MACHINE.apiVersion,
          kind: 'Machine',
          name,
          uid: machine.metadata.uid!,
          controller: true,
        },
      ],
    },
    spec: {
      backend: {
        inMemory: {
          vm: provisioning(t.vm),
          node: provisioning(t.node),
          etcd: provisioning(t.etcd),
          apiServer: provisioning(t.apiServer),
        },
      },
    },
  });
  return { machine, devMachineName };
}

export async function createBootstrapData(
  h: Harness,
  c: TestCluster,
  machine: string,
  data?: string,
): Promise<void> {
  await h.client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'cluster.x-k8s.io/secret',
    metadata: {
      name: `${machine}-bootstrap`,
      namespace: c.namespace,
      labels: { 'cluster.x-k8s.io/cluster-name': c.name },
    },
    data: {
      value: b64(
        data ??
          '## template: jinja\n#cloud-config\nruncmd:\n  - kubeadm join --config /run/kubeadm/kubeadm-join-config.yaml\n',
      ),
      format: b64('cloud-config'),
    },
  });
}

/** A client for the workload cluster with an admin certificate from the cluster CA (what `<cluster>-kubeconfig` holds). */
export async function workloadClient(
  c: TestCluster,
  server: string,
  ca: CertificateAuthority = c.ca,
): Promise<KubeClient> {
  const cert = await ca.issue({
    commonName: 'kubernetes-admin',
    organizations: ['system:masters'],
    usages: ['client'],
    keyAlgorithm: 'ECDSA-P256',
  });
  return new KubeClient(
    {
      server,
      caPem: c.ca.certificatePem,
      clientCertificatePem: cert.certificatePem,
      clientKeyPem: cert.privateKeyPem,
      namespace: 'default',
      source: 'test',
      timeoutMs: 5000,
    },
    { metrics: metricsFor(new Registry()) },
  );
}

export async function getObj(
  h: Harness,
  type: TypeRef,
  namespace: string | undefined,
  name: string,
): Promise<Obj | undefined> {
  try {
    return await h.client.get<Obj>(type, { namespace, name });
  } catch {
    return undefined;
  }
}

/** The sum of a metric's samples matching `labels`. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  return data.values
    .filter((v) =>
      Object.entries(labels).every(([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val),
    )
    .filter(
      (v) => !(v as { metricName?: string }).metricName || (v as { metricName?: string }).metricName === name,
    )
    .reduce((sum, v) => sum + v.value, 0);
}
