// Core controllers on a provider-test harness: the cluster cache, the Cluster and Machine controllers, and the
// kubeadm bootstrap and control plane providers (as `capi up` wires them).
import type { Manager } from '../../src/controller-runtime/manager/manager.js';
import { setupCoreControllers } from '../../src/main/core-controllers.js';
import {
  type KubeadmBootstrapProviderOptions,
  setupKubeadmBootstrapProvider,
} from '../../src/providers/bootstrap-kubeadm/setup.js';
import {
  type KubeadmControlPlaneProviderOptions,
  setupKubeadmControlPlaneProvider,
} from '../../src/providers/control-plane-kubeadm/setup.js';

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
  if (!(await getObj(h, SECRET, ns, `${name}-bootstrap`))) await createBootstrapData(h, c, name);
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
          bootstrap: { dataSecretName: `${name}-bootstrap` },
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
export async function setNodeReady(wl: KubeClient, node: string, status: 'True' | 'False'): Promise<void> {
  const n = await wl.get<Obj>({ apiVersion: 'v1', kind: 'Node' }, { name: node });
  const conditions = (n.status as { conditions: Record<string, unknown>[] }).conditions.map((x) =>
    x.type === 'Ready'
      ? {
          ...x,
          status,
          reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady',
          lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
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
