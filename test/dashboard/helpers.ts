// A dashboard against a real (embedded) API server with the Cluster API CRDs, and a small fleet to show.
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import type { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import { generateDashboardToken } from '../../src/dashboard/auth.js';
import { DashboardServer, type DashboardServerOptions } from '../../src/dashboard/dashboard-server.js';
import { clusterApiCrds } from '../../src/main/crds.js';
import { installCrds } from '../../src/main/install-crds.js';
import { startTestApiServer, type TestApiServer } from '../controller-runtime/helpers/api-server.js';

export const CORE = 'cluster.x-k8s.io/v1beta2';

export interface DashboardFixture {
  api: TestApiServer;
  client: KubeClient;
  dashboard: DashboardServer;
  token: string;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** GET (or another method) with the bearer token unless `auth: false`; never follows redirects. */
  request(
    path: string,
    options?: { auth?: boolean; method?: string; headers?: Record<string, string> },
  ): Promise<globalThis.Response>;
  stop(): Promise<void>;
}

export async function startDashboardFixture(
  options: Partial<Omit<DashboardServerOptions, 'client' | 'token'>> = {},
): Promise<DashboardFixture> {
  const api = await startTestApiServer({ namespaces: ['fleet-a', 'fleet-b'] });
  await installCrds(api.client, clusterApiCrds());
  const client = api.newClient();
  const token = generateDashboardToken();
  const dashboard = await DashboardServer.start({
    host: '127.0.0.1',
    port: 0,
    ...options,
    client,
    token,
  });
  const base = dashboard.url.replace(/\/$/, '');
  return {
    api,
    client,
    dashboard,
    token,
    base,
    request: (path, opts = {}) =>
      fetch(`${base}${path}`, {
        method: opts.method ?? 'GET',
        redirect: 'manual',
        headers: { ...(opts.auth === false ? {} : { Authorization: `Bearer ${token}` }), ...opts.headers },
      }),
    async stop() {
      await dashboard.close();
      await api.stop();
    },
  };
}

/** RFC 3339 (whole seconds) `secondsAgo` before now. */
export const ago = (secondsAgo: number): string =>
  new Date(Date.now() - secondsAgo * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

export const condition = (
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message = '',
  secondsAgo = 300,
) => ({ type, status, reason, message, lastTransitionTime: ago(secondsAgo) });

/** Creates the object, then writes `status` through the status subresource. */
export async function createWithStatus(client: KubeClient, obj: KubeObject): Promise<KubeObject> {
  const created = await client.create(obj);
  if (!obj['status']) return created;
  return await client.updateStatus({ ...created, status: obj['status'] });
}

export const STUCK_MESSAGE = '<script>alert("x")</script> the control plane is not available';

/**
 * The fleet: `fleet-a/prod-eu` (healthy, ClusterClass quick-start, v1.34.0 from its topology),
 * `fleet-a/stuck` (not Available, with a KubeadmControlPlane at v1.33.1, two Machines: a healthy control plane
 * Machine and a worker waiting for its infrastructure, with a Warning Event), `fleet-b/dev-1` (no status yet).
 */
export async function seedFleet(client: KubeClient): Promise<void> {
  await createWithStatus(client, {
    apiVersion: CORE,
    kind: 'Cluster',
    metadata: { name: 'prod-eu', namespace: 'fleet-a' },
    spec: { topology: { classRef: { name: 'quick-start' }, version: 'v1.34.0' } },
    status: {
      phase: 'Provisioned',
      conditions: [condition('Available', 'True', 'Available')],
      controlPlane: { desiredReplicas: 3, replicas: 3, readyReplicas: 3, availableReplicas: 3 },
      workers: { desiredReplicas: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2 },
    },
  });
  await createWithStatus(client, {
    apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
    kind: 'KubeadmControlPlane',
    metadata: { name: 'stuck-cp', namespace: 'fleet-a' },
    spec: {
      version: 'v1.33.1',
      replicas: 1,
      machineTemplate: {
        spec: {
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: 'stuck-cp',
          },
        },
      },
    },
  });
  await createWithStatus(client, {
    apiVersion: CORE,
    kind: 'Cluster',
    metadata: { name: 'stuck', namespace: 'fleet-a' },
    spec: {
      controlPlaneRef: {
        apiGroup: 'controlplane.cluster.x-k8s.io',
        kind: 'KubeadmControlPlane',
        name: 'stuck-cp',
      },
    },
    status: {
      phase: 'Provisioned',
      conditions: [
        condition('Available', 'False', 'NotAvailable', STUCK_MESSAGE),
        condition('RemoteConnectionProbe', 'True', 'ProbeSucceeded'),
      ],
      controlPlane: { desiredReplicas: 1, replicas: 1, readyReplicas: 1, availableReplicas: 1 },
      workers: { desiredReplicas: 1, replicas: 1, readyReplicas: 0, availableReplicas: 0 },
    },
  });
  await createWithStatus(client, {
    apiVersion: CORE,
    kind: 'Cluster',
    metadata: { name: 'dev-1', namespace: 'fleet-b' },
    spec: { paused: false },
  });
  for (const [name, controlPlane] of [
    ['stuck-cp-aaaaa', true],
    ['stuck-md-0-bbbbb', false],
  ] as const) {
    const labels: Record<string, string> = { 'cluster.x-k8s.io/cluster-name': 'stuck' };
    if (controlPlane) labels['cluster.x-k8s.io/control-plane'] = '';
    await createWithStatus(client, {
      apiVersion: CORE,
      kind: 'Machine',
      metadata: { name, namespace: 'fleet-a', labels },
      spec: {
        clusterName: 'stuck',
        version: 'v1.33.1',
        bootstrap: { dataSecretName: `${name}-bootstrap` },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name },
      },
      status: controlPlane
        ? {
            phase: 'Running',
            nodeRef: { name: 'stuck-cp-node' },
            initialization: { bootstrapDataSecretCreated: true, infrastructureProvisioned: true },
            conditions: [
              condition('Available', 'True', 'Available'),
              condition('Ready', 'True', 'Ready'),
              condition('UpToDate', 'True', 'UpToDate'),
              condition('BootstrapConfigReady', 'True', 'Ready'),
              condition('InfrastructureReady', 'True', 'Ready'),
              condition('NodeHealthy', 'True', 'NodeHealthy'),
              condition('NodeReady', 'True', 'NodeReady'),
            ],
          }
        : {
            phase: 'Provisioning',
            initialization: { bootstrapDataSecretCreated: true },
            conditions: [
              condition('Available', 'False', 'NotReady'),
              condition('Ready', 'False', 'NotReady', '* InfrastructureReady: simulated provider API error'),
              condition('UpToDate', 'True', 'UpToDate'),
              condition('BootstrapConfigReady', 'True', 'Ready'),
              condition(
                'InfrastructureReady',
                'False',
                'ProvisioningFailed',
                'simulated provider API error at step vm',
                120,
              ),
            ],
          },
    });
  }
  await client.create({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'stuck-md-0-bbbbb.event1', namespace: 'fleet-a' },
    involvedObject: { apiVersion: CORE, kind: 'Machine', name: 'stuck-md-0-bbbbb', namespace: 'fleet-a' },
    reason: 'ProvisioningRetry',
    message: 'retrying the VM: simulated provider API error',
    type: 'Warning',
    count: 3,
    firstTimestamp: ago(100),
    lastTimestamp: ago(10),
    source: { component: 'devmachine-controller' },
  });
}
