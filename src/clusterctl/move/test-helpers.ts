// Two management planes (embedded API servers with the Cluster API CRDs and webhooks, as `capi up` runs them)
// and a hand-built, fully provisioned cluster with status on every object. No controllers run: what a move
// must get right is the objects.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
} from '../../apiserver/embedded/embedded-api-server.js';
import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import { KubeClient } from '../../controller-runtime/client/kube-client.js';
import { clusterApiCrds } from '../../main/crds.js';
import { inProcessAdmission } from '../../main/in-process-admission.js';
import { installCrds } from '../../main/install-crds.js';
import { clusterApiWebhooks, DeferredReader } from '../../main/webhooks.js';
import { discoveryTypes, readObjects } from './object-graph.js';
import { MoveAnnotation } from './well-known.js';

export interface Plane {
  server: EmbeddedApiServer;
  client: KubeClient;
  stop(): Promise<void>;
}

export async function startPlane(): Promise<Plane> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-move-'));
  const reader = new DeferredReader();
  const server = await startEmbeddedApiServer({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    inMemory: true,
    workloadControllers: false,
    admissionPlugins: [inProcessAdmission(clusterApiWebhooks({ reader }))],
  });
  const base = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
  const client = new KubeClient({ ...base.config, qps: 5000, burst: 5000 }, { fieldManager: 'capi-test' });
  base.close();
  reader.target = client;
  await installCrds(client, clusterApiCrds());
  return {
    server,
    client,
    async stop() {
      client.close();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const T = (apiVersion: string, kind: string): TypeRef => ({ apiVersion, kind });
export const CLUSTER = T('cluster.x-k8s.io/v1beta2', 'Cluster');
export const MACHINE = T('cluster.x-k8s.io/v1beta2', 'Machine');
const MACHINE_SET = T('cluster.x-k8s.io/v1beta2', 'MachineSet');
const MACHINE_DEPLOYMENT = T('cluster.x-k8s.io/v1beta2', 'MachineDeployment');
const KCP = T('controlplane.cluster.x-k8s.io/v1beta2', 'KubeadmControlPlane');
const KUBEADM_CONFIG = T('bootstrap.cluster.x-k8s.io/v1beta2', 'KubeadmConfig');
const KUBEADM_CONFIG_TEMPLATE = T('bootstrap.cluster.x-k8s.io/v1beta2', 'KubeadmConfigTemplate');
export const DEV_CLUSTER = T('infrastructure.cluster.x-k8s.io/v1beta2', 'DevCluster');
const DEV_MACHINE = T('infrastructure.cluster.x-k8s.io/v1beta2', 'DevMachine');
const DEV_MACHINE_TEMPLATE = T('infrastructure.cluster.x-k8s.io/v1beta2', 'DevMachineTemplate');
export const SECRET = T('v1', 'Secret');
const CONFIG_MAP = T('v1', 'ConfigMap');

const NOW = '2026-12-01T10:00:00Z';
const cond = (type: string, reason = type) => ({
  type,
  status: 'True',
  reason,
  message: '',
  lastTransitionTime: NOW,
});
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Creates `obj`, then writes its status through the status subresource, as controllers would have. */
async function make(
  client: KubeClient,
  obj: KubeObject,
  status?: Record<string, unknown>,
): Promise<KubeObject> {
  const created = await client.create(obj);
  if (!status) return created;
  return client.updateStatus({ ...created, apiVersion: obj.apiVersion, kind: obj.kind, status });
}

const ownedBy = (owner: KubeObject, controller = true) => [
  {
    apiVersion: owner.apiVersion!,
    kind: owner.kind!,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    ...(controller ? { controller: true, blockOwnerDeletion: true } : {}),
  },
];

export interface ClusterFixtureOptions {
  /** Leave `status.initialization` unset (not provisioned). */
  unprovisioned?: boolean;
  /** The user paused the Cluster before the move. */
  paused?: boolean;
  workers?: number;
}

/**
 * A provisioned cluster as core, CABPK, KCP and the dev provider leave it: Cluster → DevCluster, KCP → 3 control
 * plane Machines (each with KubeadmConfig → bootstrap Secret, DevMachine), MachineDeployment → MachineSet →
 * workers, templates owned by the Cluster, the cluster Secrets linked by owner, label or name.
 */
export async function createClusterFixture(
  client: KubeClient,
  ns: string,
  name: string,
  options: ClusterFixtureOptions = {},
): Promise<void> {
  const label = { 'cluster.x-k8s.io/cluster-name': name };
  const cluster = await make(
    client,
    {
      ...CLUSTER,
      metadata: { name, namespace: ns, finalizers: ['cluster.cluster.x-k8s.io'], labels: { env: 'test' } },
      spec: {
        ...(options.paused ? { paused: true } : {}),
        clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] } },
        controlPlaneEndpoint: { host: '127.0.0.1', port: 20001 },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name },
        controlPlaneRef: {
          apiGroup: 'controlplane.cluster.x-k8s.io',
          kind: 'KubeadmControlPlane',
          name: `${name}-cp`,
        },
      },
    },
    {
      phase: 'Provisioned',
      ...(options.unprovisioned
        ? {}
        : { initialization: { infrastructureProvisioned: true, controlPlaneInitialized: true } }),
      conditions: [cond('Available'), cond('InfrastructureReady'), cond('ControlPlaneInitialized')],
    },
  );
  await make(
    client,
    {
      ...DEV_CLUSTER,
      metadata: {
        name,
        namespace: ns,
        labels: label,
        finalizers: ['dockercluster.infrastructure.cluster.x-k8s.io'],
        ownerReferences: ownedBy(cluster),
      },
      spec: { backend: { inMemory: {} }, controlPlaneEndpoint: { host: '127.0.0.1', port: 20001 } },
    },
    { initialization: { provisioned: true }, conditions: [cond('Ready')] },
  );
  for (const t of [`${name}-cp`, `${name}-md`]) {
    await make(client, {
      ...DEV_MACHINE_TEMPLATE,
      metadata: { name: t, namespace: ns, ownerReferences: ownedBy(cluster, false) },
      spec: { template: { spec: { backend: { inMemory: {} } } } },
    });
  }
  await make(client, {
    ...KUBEADM_CONFIG_TEMPLATE,
    metadata: { name: `${name}-md`, namespace: ns, ownerReferences: ownedBy(cluster, false) },
    spec: {
      template: {
        spec: {
          joinConfiguration: { nodeRegistration: { criSocket: 'unix:///run/containerd/containerd.sock' } },
        },
      },
    },
  });
  const kcp = await make(
    client,
    {
      ...KCP,
      metadata: {
        name: `${name}-cp`,
        namespace: ns,
        labels: label,
        finalizers: ['kubeadm.controlplane.cluster.x-k8s.io'],
        ownerReferences: ownedBy(cluster),
      },
      spec: {
        replicas: 3,
        version: 'v1.33.1',
        machineTemplate: {
          spec: {
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: `${name}-cp`,
            },
          },
        },
        kubeadmConfigSpec: { clusterConfiguration: { apiServer: { certSANs: ['localhost'] } } },
      },
    },
    {
      initialization: { controlPlaneInitialized: true },
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      upToDateReplicas: 3,
      version: 'v1.33.1',
      selector: `cluster.x-k8s.io/cluster-name=${name},cluster.x-k8s.io/control-plane`,
      conditions: [cond('Available')],
    },
  );
  // Cluster secrets: linked by owner (KCP), by label, and by name only.
  const secret = (suffix: string, meta: Record<string, unknown>) =>
    make(client, {
      ...SECRET,
      type: 'cluster.x-k8s.io/secret',
      metadata: { name: `${name}-${suffix}`, namespace: ns, ...meta },
      data: { value: b64(`${name}-${suffix}`) },
    });
  await secret('kubeconfig', { labels: label, ownerReferences: ownedBy(kcp) });
  await secret('ca', { labels: label, ownerReferences: ownedBy(kcp) });
  await secret('etcd', { labels: label });
  await secret('sa', {});
  await secret('proxy', {});
  await make(client, {
    ...CONFIG_MAP,
    metadata: { name: `${name}-addons`, namespace: ns, labels: label },
    data: { cni: 'calico' },
  });

  const machine = async (m: string, owner: KubeObject, controlPlane: boolean, template: string) => {
    const labels = { ...label, ...(controlPlane ? { 'cluster.x-k8s.io/control-plane': '' } : {}) };
    const mach = await make(
      client,
      {
        ...MACHINE,
        metadata: {
          name: m,
          namespace: ns,
          labels,
          finalizers: ['machine.cluster.x-k8s.io'],
          ownerReferences: ownedBy(owner),
        },
        spec: {
          clusterName: name,
          version: 'v1.33.1',
          bootstrap: {
            configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: m },
            dataSecretName: m,
          },
          infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: m },
          providerID: `in-memory://${m}`,
        },
      },
      {
        phase: 'Running',
        nodeRef: { name: m },
        initialization: { bootstrapDataSecretCreated: true, infrastructureProvisioned: true },
        conditions: [cond('Ready'), cond('NodeHealthy')],
      },
    );
    const config = await make(
      client,
      {
        ...KUBEADM_CONFIG,
        metadata: { name: m, namespace: ns, labels, ownerReferences: ownedBy(mach) },
        spec: { joinConfiguration: { nodeRegistration: { name: m } } },
      },
      { dataSecretName: m, initialization: { dataSecretCreated: true }, conditions: [cond('Ready')] },
    );
    await make(client, {
      ...SECRET,
      type: 'cluster.x-k8s.io/secret',
      metadata: { name: m, namespace: ns, labels, ownerReferences: ownedBy(config) },
      data: { value: b64('#cloud-config'), format: b64('cloud-config') },
    });
    await make(
      client,
      {
        ...DEV_MACHINE,
        metadata: {
          name: m,
          namespace: ns,
          labels,
          finalizers: ['dockermachine.infrastructure.cluster.x-k8s.io'],
          ownerReferences: ownedBy(mach),
          annotations: { 'cluster.x-k8s.io/cloned-from-name': template },
        },
        spec: { providerID: `in-memory://${m}`, backend: { inMemory: {} } },
      },
      {
        initialization: { provisioned: true },
        addresses: [{ type: 'InternalIP', address: '10.0.0.2' }],
        conditions: [cond('Ready'), cond('VMProvisioned'), cond('NodeProvisioned')],
      },
    );
  };
  for (let i = 0; i < 3; i++) await machine(`${name}-cp-${i}`, kcp, true, `${name}-cp`);

  const md = await make(
    client,
    {
      ...MACHINE_DEPLOYMENT,
      metadata: {
        name: `${name}-md`,
        namespace: ns,
        labels: label,
        finalizers: ['cluster.x-k8s.io/machinedeployment'],
        ownerReferences: ownedBy(cluster, false),
      },
      spec: {
        clusterName: name,
        replicas: options.workers ?? 2,
        selector: { matchLabels: { pool: `${name}-md` } },
        template: {
          metadata: { labels: { pool: `${name}-md` } },
          spec: {
            clusterName: name,
            version: 'v1.33.1',
            bootstrap: {
              configRef: {
                apiGroup: 'bootstrap.cluster.x-k8s.io',
                kind: 'KubeadmConfigTemplate',
                name: `${name}-md`,
              },
            },
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: `${name}-md`,
            },
          },
        },
      },
    },
    {
      phase: 'Running',
      replicas: options.workers ?? 2,
      readyReplicas: options.workers ?? 2,
      conditions: [cond('Available')],
    },
  );
  const ms = await make(
    client,
    {
      ...MACHINE_SET,
      metadata: {
        name: `${name}-md-x7k2p`,
        namespace: ns,
        labels: { ...label, pool: `${name}-md` },
        finalizers: ['cluster.x-k8s.io/machineset'],
        ownerReferences: ownedBy(md),
      },
      spec: {
        clusterName: name,
        replicas: options.workers ?? 2,
        selector: { matchLabels: { pool: `${name}-md` } },
        template: {
          metadata: { labels: { pool: `${name}-md` } },
          spec: {
            clusterName: name,
            version: 'v1.33.1',
            bootstrap: {
              configRef: {
                apiGroup: 'bootstrap.cluster.x-k8s.io',
                kind: 'KubeadmConfigTemplate',
                name: `${name}-md`,
              },
            },
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: `${name}-md`,
            },
          },
        },
      },
    },
    {
      replicas: options.workers ?? 2,
      readyReplicas: options.workers ?? 2,
      conditions: [cond('MachinesReady')],
    },
  );
  for (let i = 0; i < (options.workers ?? 2); i++)
    await machine(`${name}-md-x7k2p-w${i}`, ms, false, `${name}-md`);
}

/** Objects that belong to no cluster and must stay where they are. */
export async function createUnrelated(client: KubeClient, ns: string): Promise<void> {
  await client.create({
    ...SECRET,
    metadata: { name: 'user-credentials', namespace: ns },
    data: { token: b64('s3cret') },
  });
  // Named like a cluster secret of a cluster that does not exist.
  await client.create({ ...SECRET, metadata: { name: 'ghost-ca', namespace: ns }, data: { x: b64('y') } });
  await client.create({ ...CONFIG_MAP, metadata: { name: 'app-settings', namespace: ns }, data: { a: 'b' } });
}

export interface Snapshot {
  /** `Kind/namespace/name` → normalised object (owner references by owner key, no server fields). */
  objects: Map<string, Record<string, unknown>>;
  /** `Kind/namespace/name` → UID. */
  uids: Map<string, string>;
  resourceVersions: Map<string, string>;
  /** `Kind/namespace/name` → its field managers: manager, operation, subresource and fields of each entry. */
  managedFields: Map<string, unknown[]>;
}

const keyOf = (o: KubeObject): string =>
  `${o.kind ?? ''}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** Every Cluster API object, Secret and ConfigMap of `ns`, normalised so two planes can be compared. */
export async function snapshot(client: KubeClient, ns: string): Promise<Snapshot> {
  const objs = await readObjects(client, await discoveryTypes(client), { namespace: ns });
  const byUid = new Map(objs.map((o) => [o.metadata.uid!, keyOf(o)]));
  const objects = new Map<string, Record<string, unknown>>();
  const uids = new Map<string, string>();
  const resourceVersions = new Map<string, string>();
  const managedFields = new Map<string, unknown[]>();
  for (const o of objs) {
    if (o.kind === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt') continue;
    const { metadata, ...rest } = o;
    const annotations = { ...metadata.annotations };
    delete annotations[MoveAnnotation.SourceUid];
    objects.set(keyOf(o), {
      ...rest,
      labels: metadata.labels ?? {},
      annotations,
      finalizers: metadata.finalizers ?? [],
      owners: (metadata.ownerReferences ?? []).map((r) => ({
        owner: byUid.get(r.uid) ?? `missing:${r.kind}/${r.name}/${r.uid}`,
        controller: r.controller ?? false,
      })),
    });
    uids.set(keyOf(o), metadata.uid!);
    resourceVersions.set(keyOf(o), metadata.resourceVersion!);
    managedFields.set(
      keyOf(o),
      (metadata.managedFields ?? []).map(({ manager, operation, subresource, fieldsV1 }) => ({
        manager,
        operation,
        subresource,
        fieldsV1,
      })),
    );
  }
  return { objects, uids, resourceVersions, managedFields };
}
