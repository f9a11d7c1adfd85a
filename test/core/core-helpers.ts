// Core controllers on a provider-test harness: the cluster cache, the Cluster and Machine controllers, and the
// kubeadm bootstrap and control plane providers (as `capi up` wires them).
import { portForward } from '../../src/controller-runtime/client/port-forward.js';
import type { RestConfig } from '../../src/controller-runtime/client/rest-config.js';
import type { Manager } from '../../src/controller-runtime/manager/manager.js';
import { restConfigFromKubeconfigText } from '../../src/core/cluster-cache/index.js';
import { setupCoreControllers } from '../../src/main/core-controllers.js';
import {
  type KubeadmBootstrapProviderOptions,
  setupKubeadmBootstrapProvider,
} from '../../src/providers/bootstrap-kubeadm/setup.js';
import {
  type KubeadmControlPlaneProviderOptions,
  setupKubeadmControlPlaneProvider,
} from '../../src/providers/control-plane-kubeadm/setup.js';
import {
  EtcdClient,
  type EtcdMember,
  type EtcdStatus,
  type EtcdTls,
} from '../../src/providers/control-plane-kubeadm/etcd/etcd-client.js';

export interface SetupCoreOptions {
  /** KubeadmConfig controller settings (token TTL, ...); its workload clusters are core's cluster cache. */
  kubeadmBootstrap?: Omit<KubeadmBootstrapProviderOptions, 'workloadClusters'>;
  /** KubeadmControlPlane controller settings; its workload clusters are core's cluster cache. */
  kubeadmControlPlane?: Omit<KubeadmControlPlaneProviderOptions, 'workloadClusters'>;
}

/**
 * Sets up the core controllers built so far on `manager`, with short cluster-cache intervals for tests, and the
 * kubeadm bootstrap and control plane providers on core's cluster cache.
 */
export function setupCore(manager: Manager, options: SetupCoreOptions = {}): void {
  const core = setupCoreControllers(manager, {
    clusterCache: { probeIntervalMs: 500, probeTimeoutMs: 1000, connectionRetryMs: 250 },
    drainRequeueMs: 500,
  });
  setupKubeadmBootstrapProvider(manager, {
    ...options.kubeadmBootstrap,
    workloadClusters: core.clusterCache,
  });
  setupKubeadmControlPlaneProvider(manager, {
    ...options.kubeadmControlPlane,
    workloadClusters: core.clusterCache,
  });
}

import { CertificateAuthority } from '../../src/pki/index.js';
import {
  b64,
  CLUSTER,
  createBootstrapData,
  DEV_CLUSTER,
  DEV_MACHINE,
  DEV_MACHINE_TEMPLATE,
  condition,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  type Obj,
  POD,
  SECRET,
  type TestCluster,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';
import type { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import type { TypeRef } from '../../src/controller-runtime/api/object.js';

export interface PlainMachine {
  name: string;
  controlPlane?: boolean;
  labels?: Record<string, string>;
  /** Extra Machine spec fields (deletion timeouts, ...). */
  spec?: Record<string, unknown>;
}

/**
 * What a user applies for a cluster without a control plane provider: a Cluster and its DevCluster (no owner
 * references; the controllers set them), `<name>-ca` and `<name>-etcd`, and Machines with bootstrap data
 * Secrets and DevMachines of 0 s steps.
 */
export async function applyPlainCluster(
  h: Harness,
  ns: string,
  name: string,
  machines: PlainMachine[],
): Promise<TestCluster> {
  await h.client.create({
    apiVersion: CLUSTER.apiVersion,
    kind: 'Cluster',
    metadata: { name, namespace: ns },
    spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name } },
  });
  await h.client.create({
    apiVersion: DEV_CLUSTER.apiVersion,
    kind: 'DevCluster',
    metadata: { name, namespace: ns },
    spec: { backend: { inMemory: {} } },
  });
  const ca = await CertificateAuthority.create({ commonName: 'kubernetes', keyAlgorithm: 'ECDSA-P256' });
  const etcdCa = await CertificateAuthority.create({ commonName: 'etcd-ca', keyAlgorithm: 'ECDSA-P256' });
  for (const [suffix, authority] of [
    ['ca', ca],
    ['etcd', etcdCa],
  ] as const)
    await h.client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'cluster.x-k8s.io/secret',
      metadata: {
        name: `${name}-${suffix}`,
        namespace: ns,
        labels: { 'cluster.x-k8s.io/cluster-name': name },
      },
      data: { 'tls.crt': b64(authority.certificatePem), 'tls.key': b64(authority.keyPair.privateKeyPem) },
    });
  const c: TestCluster = { namespace: ns, name, cluster: {} as Obj, ca, etcdCa };
  const step = { provisioning: { startupDuration: '0s' } };
  for (const m of machines) {
    await createBootstrapData(h, c, m.name);
    await h.client.create({
      apiVersion: MACHINE.apiVersion,
      kind: 'Machine',
      metadata: {
        name: m.name,
        namespace: ns,
        labels: { ...m.labels, ...(m.controlPlane ? { 'cluster.x-k8s.io/control-plane': '' } : {}) },
      },
      spec: {
        clusterName: name,
        version: 'v1.33.1',
        bootstrap: { dataSecretName: `${m.name}-bootstrap` },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: m.name },
        ...m.spec,
      },
    });
    await h.client.create({
      apiVersion: DEV_MACHINE.apiVersion,
      kind: 'DevMachine',
      metadata: { name: m.name, namespace: ns },
      spec: { backend: { inMemory: { vm: step, node: step, etcd: step, apiServer: step } } },
    });
  }
  return c;
}

export const MACHINE_DEPLOYMENT = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment' };
export const MACHINE_SET = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet' };
export const MACHINE_HEALTH_CHECK = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineHealthCheck' };

/** A DevMachineTemplate whose machines go through every simulated step at once. */
export async function createDevMachineTemplate(h: Harness, ns: string, name: string): Promise<void> {
  const step = { provisioning: { startupDuration: '0s' } };
  await h.client.create({
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
    kind: 'DevMachineTemplate',
    metadata: { name, namespace: ns },
    spec: {
      template: { spec: { backend: { inMemory: { vm: step, node: step, etcd: step, apiServer: step } } } },
    },
  });
}

export interface PlainMachineDeployment {
  /** `spec.rollout.strategy`. */
  strategy?: Record<string, unknown>;
  /** The DevMachineTemplate to use (created when missing); defaults to the MachineDeployment's name. */
  templateName?: string;
  /** Extra fields of the Machine template's spec (deletion timeouts, ...). */
  machineSpec?: Record<string, unknown>;
  /**
   * How the workers get their bootstrap data: a Secret the user supplies (`<name>-bootstrap`, the default), or a
   * KubeadmConfigTemplate `<name>` (created when missing) the kubeadm bootstrap provider renders per Machine.
   */
  bootstrap?: 'dataSecret' | 'kubeadmConfigTemplate';
}

/**
 * A MachineDeployment of workers labelled `pool=<name>`, with bootstrap data Secret `<name>-bootstrap` (what a
 * user without a bootstrap provider supplies) and DevMachineTemplate of 0 s steps.
 */
export async function createMachineDeployment(
  h: Harness,
  c: TestCluster,
  name: string,
  replicas: number,
  extra: PlainMachineDeployment = {},
): Promise<void> {
  const ns = c.namespace;
  const template = extra.templateName ?? name;
  const kubeadm = extra.bootstrap === 'kubeadmConfigTemplate';
  if (kubeadm) {
    if (!(await getObj(h, KUBEADM_CONFIG_TEMPLATE, ns, name))) await createKubeadmConfigTemplate(h, ns, name);
  } else if (!(await getObj(h, SECRET, ns, `${name}-bootstrap`))) await createBootstrapData(h, c, name);
  if (!(await getObj(h, DEV_MACHINE_TEMPLATE, ns, template))) await createDevMachineTemplate(h, ns, template);
  await h.client.create({
    ...MACHINE_DEPLOYMENT,
    metadata: { name, namespace: ns },
    spec: {
      clusterName: c.name,
      replicas,
      ...(extra.strategy ? { rollout: { strategy: extra.strategy } } : {}),
      selector: { matchLabels: { pool: name } },
      template: {
        metadata: { labels: { pool: name } },
        spec: {
          clusterName: c.name,
          version: 'v1.33.1',
          bootstrap: kubeadm
            ? { configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfigTemplate', name } }
            : { dataSecretName: `${name}-bootstrap` },
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: template,
          },
          ...extra.machineSpec,
        },
      },
    },
  });
}

/** Waits for the Cluster to be `Available` with exactly `workers` available workers, and returns it. */
export async function availableCluster(h: Harness, ns: string, name: string, workers: number): Promise<Obj> {
  return eventually(
    `Cluster ${name} Available with ${workers} workers`,
    async () => {
      const obj = await getObj(h, CLUSTER, ns, name);
      const w = (obj?.status as { workers?: { availableReplicas?: number } } | undefined)?.workers;
      return condition(obj, 'Available')?.status === 'True' && (w?.availableReplicas ?? 0) === workers
        ? obj
        : undefined;
    },
    90_000,
  );
}

/** A client for the workload cluster of an applied Cluster (at its `spec.controlPlaneEndpoint`). */
export async function clusterWorkloadClient(c: TestCluster, cluster: Obj): Promise<KubeClient> {
  const endpoint = cluster.spec!.controlPlaneEndpoint as { host: string; port: number };
  return workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
}

/** What a kubelet reports when its Node turns Ready or NotReady (the simulated kubelet leaves it as set). */
export async function setNodeReady(
  wl: KubeClient,
  node: string,
  status: 'True' | 'False',
  lastTransitionTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
): Promise<void> {
  const n = await wl.get<Obj>({ apiVersion: 'v1', kind: 'Node' }, { name: node });
  const conditions = (n.status as { conditions: Record<string, unknown>[] }).conditions.map((x) =>
    x.type === 'Ready'
      ? {
          ...x,
          status,
          reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady',
          lastTransitionTime,
        }
      : x,
  );
  await wl.patchStatus(n, { type: 'merge', data: { status: { conditions } } });
}

/** The Machines of a worker pool made by `createMachineDeployment`. */
export async function poolMachines(h: Harness, ns: string, pool: string): Promise<Obj[]> {
  return (await h.client.list<Obj>(MACHINE, { namespace: ns, labelSelector: `pool=${pool}` })).items;
}

/**
 * A one-replica database Deployment in the workload cluster's `default` namespace with a PodDisruptionBudget of
 * `maxUnavailable: 0`; waits until its Pod runs on `node` and the budget is computed (0 disruptions allowed), and
 * returns the Pod: a Pod that no drain may evict.
 */
export async function createUnevictableDatabase(wl: KubeClient, node: string): Promise<Obj> {
  await wl.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'postgres:17' }] },
      },
    },
  });
  await wl.create({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'db', namespace: 'default' },
    spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'db' } } },
  });
  const pod = await eventually(`db Pod running on ${node}`, async () => {
    const pods = await wl.list<Obj>(POD, { namespace: 'default', labelSelector: 'app=db' });
    const running = pods.items.find((p) => (p.status as { phase?: string }).phase === 'Running');
    return running && (running.spec as { nodeName?: string }).nodeName === node ? running : undefined;
  });
  const budget = await eventually('budget computed', async () => {
    const pdb = await wl.get<Obj>(
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
      { namespace: 'default', name: 'db' },
    );
    return (pdb.status as { expectedPods?: number })?.expectedPods === 1 ? pdb : undefined;
  });
  if ((budget.status as { disruptionsAllowed?: number }).disruptionsAllowed !== 0)
    throw new Error('the db budget allows disruptions');
  return pod;
}

export const KUBEADM_CONTROL_PLANE: TypeRef = {
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlane',
};
export const KUBEADM_CONFIG: TypeRef = {
  apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmConfig',
};
export const KUBEADM_CONFIG_TEMPLATE: TypeRef = {
  apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmConfigTemplate',
};

const CRI_SOCKET = { nodeRegistration: { criSocket: 'unix:///var/run/containerd/containerd.sock' } };

/** A KubeadmConfigTemplate for workers joining with kubeadm. */
export async function createKubeadmConfigTemplate(h: Harness, ns: string, name: string): Promise<void> {
  await h.client.create({
    ...KUBEADM_CONFIG_TEMPLATE,
    metadata: { name, namespace: ns },
    spec: { template: { spec: { joinConfiguration: CRI_SOCKET } } },
  });
}

export interface KcpClusterOptions {
  /** `spec.version` of the KubeadmControlPlane (default v1.33.1). */
  version?: string;
  /**
   * kubeadm's `encryptionAlgorithm` of the cluster certificates; ECDSA-P256 by default because it is much
   * faster to generate than kubeadm's RSA-2048 (the KubeadmControlPlane controller test covers RSA); `null`
   * leaves it unset, i.e. kubeadm's RSA-2048.
   */
  encryptionAlgorithm?: string | null;
  /** `spec.machineTemplate.metadata` (labels and annotations for the Machines). */
  machineTemplateMetadata?: Record<string, unknown>;
}

/**
 * What a user applies for a cluster with a control plane provider: a Cluster, its DevCluster, a DevMachineTemplate
 * `<name>-cp` of 0 s steps and a KubeadmControlPlane `<name>-cp` of `replicas` Machines (no owner references, no
 * certificates: the controllers make them). Returns once the KubeadmControlPlane generated `<name>-ca` and
 * `<name>-etcd`, whose authorities the returned TestCluster carries.
 */
export async function applyKcpCluster(
  h: Harness,
  ns: string,
  name: string,
  replicas: number,
  options: KcpClusterOptions = {},
): Promise<TestCluster> {
  await createDevMachineTemplate(h, ns, `${name}-cp`);
  await h.client.create({
    ...CLUSTER,
    metadata: { name, namespace: ns },
    spec: {
      clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] } },
      infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name },
      controlPlaneRef: {
        apiGroup: 'controlplane.cluster.x-k8s.io',
        kind: 'KubeadmControlPlane',
        name: `${name}-cp`,
      },
    },
  });
  await h.client.create({
    ...DEV_CLUSTER,
    metadata: { name, namespace: ns },
    spec: { backend: { inMemory: {} } },
  });
  await h.client.create({
    ...KUBEADM_CONTROL_PLANE,
    metadata: { name: `${name}-cp`, namespace: ns },
    spec: {
      replicas,
      version: options.version ?? 'v1.33.1',
      machineTemplate: {
        ...(options.machineTemplateMetadata ? { metadata: options.machineTemplateMetadata } : {}),
        spec: {
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: `${name}-cp`,
          },
        },
      },
      kubeadmConfigSpec: {
        clusterConfiguration: {
          apiServer: { certSANs: ['localhost'] },
          ...(options.encryptionAlgorithm === null
            ? {}
            : { encryptionAlgorithm: options.encryptionAlgorithm ?? 'ECDSA-P256' }),
        },
        initConfiguration: CRI_SOCKET,
        joinConfiguration: CRI_SOCKET,
      },
    },
  });
  const authority = async (purpose: string): Promise<CertificateAuthority> => {
    const secret = await eventually(
      `${name}-${purpose} generated`,
      () => getObj(h, SECRET, ns, `${name}-${purpose}`),
      90_000,
    );
    const pem = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
    return CertificateAuthority.fromPem({ certificatePem: pem('tls.crt'), privateKeyPem: pem('tls.key') });
  };
  const ca = await authority('ca');
  const etcdCa = await authority('etcd');
  return { namespace: ns, name, cluster: {} as Obj, ca, etcdCa };
}

export type ControlPlaneMachine = Obj & {
  spec: {
    version?: string;
    failureDomain?: string;
    readinessGates?: { conditionType: string }[];
    bootstrap: { configRef?: { name: string } };
  };
  status?: Obj['status'] & { nodeRef?: { name: string }; certificatesExpiryDate?: string };
};

/** The control plane Machines of the namespace (label `cluster.x-k8s.io/control-plane`). */
export const controlPlaneMachines = async (h: Harness, ns: string): Promise<ControlPlaneMachine[]> =>
  (
    await h.client.list<ControlPlaneMachine>(MACHINE, {
      namespace: ns,
      labelSelector: 'cluster.x-k8s.io/control-plane',
    })
  ).items;

/** Waits for the KCP to be Available with `replicas` ready, available and up-to-date Machines, nothing in flight. */
export async function availableKcp(
  h: Harness,
  ns: string,
  name: string,
  replicas: number,
  timeoutMs = 120_000,
): Promise<Obj> {
  return eventually(
    `KCP ${name} Available with ${replicas} replicas`,
    async () => {
      const obj = await getObj(h, KUBEADM_CONTROL_PLANE, ns, name);
      const status = obj?.status as
        | { replicas?: number; readyReplicas?: number; upToDateReplicas?: number; availableReplicas?: number }
        | undefined;
      return ['Available', 'EtcdClusterHealthy', 'ControlPlaneComponentsHealthy', 'MachinesReady'].every(
        (type) => condition(obj, type)?.status === 'True',
      ) &&
        ['ScalingUp', 'ScalingDown', 'RollingOut'].every(
          (type) => condition(obj, type)?.status === 'False',
        ) &&
        status?.replicas === replicas &&
        status.readyReplicas === replicas &&
        status.upToDateReplicas === replicas &&
        status.availableReplicas === replicas
        ? obj
        : undefined;
    },
    timeoutMs,
  );
}

const secretText = (secret: Obj | undefined, key: string): string =>
  Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');

/**
 * etcd of an applied cluster reached as KCP reaches it: through `pods/portforward` of `etcd-<node>` on the
 * workload API server (the `<cluster>-kubeconfig` Secret), TLS with a client certificate from `<cluster>-etcd`.
 */
export class WorkloadEtcd {
  readonly #restConfig: RestConfig;
  readonly #tls: EtcdTls;
  readonly #timeoutMs: number;
  readonly #clients = new Map<string, EtcdClient>();

  private constructor(restConfig: RestConfig, tls: EtcdTls, timeoutMs: number) {
    this.#restConfig = restConfig;
    this.#tls = tls;
    this.#timeoutMs = timeoutMs;
  }

  /** `timeoutMs` per call, the tunnel included. */
  static async open(h: Harness, ns: string, cluster: string, timeoutMs = 5000): Promise<WorkloadEtcd> {
    const kubeconfig = await getObj(h, SECRET, ns, `${cluster}-kubeconfig`);
    const etcd = await getObj(h, SECRET, ns, `${cluster}-etcd`);
    const ca = CertificateAuthority.fromPem({
      certificatePem: secretText(etcd, 'tls.crt'),
      privateKeyPem: secretText(etcd, 'tls.key'),
    });
    const cert = await ca.issue({ commonName: 'test', usages: ['client'], keyAlgorithm: 'ECDSA-P256' });
    return new WorkloadEtcd(
      restConfigFromKubeconfigText(secretText(kubeconfig, 'value'), `${cluster}-kubeconfig`),
      { caPem: ca.certificatePem, certPem: cert.certificatePem, keyPem: cert.privateKeyPem },
      timeoutMs,
    );
  }

  /** The member list as the member on `node` answers it. */
  async members(node: string): Promise<EtcdMember[]> {
    return (await this.#call(node, (c) => c.memberList())).members;
  }

  /** The Status of the member on `node` (a member that does not answer throws). */
  async status(node: string): Promise<EtcdStatus> {
    return this.#call(node, (c) => c.status());
  }

  /** Closes the connections kept to the members. */
  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }

  /** One kept connection per member (as KCP's clients do within a reconcile); dropped when a call fails. */
  async #call<T>(node: string, call: (client: EtcdClient) => Promise<T>): Promise<T> {
    let client = this.#clients.get(node);
    if (!client) {
      client = new EtcdClient({
        connect: () =>
          portForward(this.#restConfig, { namespace: 'kube-system', pod: `etcd-${node}`, port: 2379 }),
        tls: this.#tls,
        timeoutMs: this.#timeoutMs,
      });
      this.#clients.set(node, client);
    }
    try {
      return await call(client);
    } catch (err) {
      client.close();
      this.#clients.delete(node);
      throw err;
    }
  }
}

/** The etcd member names, read from the member a Machine's Node hosts, as KCP reaches it. */
export async function etcdMemberNames(
  h: Harness,
  ns: string,
  cluster: string,
  node: string,
): Promise<string[]> {
  const etcd = await WorkloadEtcd.open(h, ns, cluster);
  try {
    return (await etcd.members(node)).map((m) => m.name).sort();
  } finally {
    etcd.close();
  }
}
