import { startEmbeddedApiServer, type EmbeddedApiServer } from '../apiserver/embedded/embedded-api-server.js';
import { KubeClient } from '../controller-runtime/client/kube-client.js';
import { Manager } from '../controller-runtime/manager/manager.js';
import { generateDashboardToken } from '../dashboard/auth.js';
import {
  DashboardServer,
  DEFAULT_DASHBOARD_PORT,
  DEFAULT_DASHBOARD_PORT_RETRIES,
} from '../dashboard/dashboard-server.js';
import type { DevProvider } from '../providers/infrastructure-dev/setup.js';
import { setupAllControllers } from './controllers.js';
import { clusterApiCrds } from './crds.js';
import { resolveDataDir } from './data-dir.js';
import { inProcessAdmission } from './in-process-admission.js';
import { installCrds, type InstallCrdsResult } from './install-crds.js';
import { clusterApiWebhooks, DeferredReader } from './webhooks.js';

/** Shows up in the CRDs' `managedFields`. */
const FIELD_MANAGER = 'capi';

export interface UpOptions {
  dataDir?: string;
  host: string;
  port: number;
  /** Start only the API server (no Cluster API controllers). */
  noControllers: boolean;
  /** Receives the one-line ready message and later progress lines. */
  log: (line: string) => void;
  /** Ports the in-memory backend gives workload cluster endpoints (default 20000-30000, upstream's range). */
  workloadPorts?: { min: number; max: number };
  /** Serve the controllers' Prometheus `/metrics` on this port of `host` (0 picks a free one); off when unset. */
  metricsPort?: number;
  /**
   * Serve the fleet dashboard on `host` (the CLI does unless `--no-dashboard`); off when unset. `port` is an
   * explicit choice (busy: an error; 0 picks a free one); otherwise `defaultPort` (6080) or, when it is busy,
   * one of the 50 after it.
   */
  dashboard?: { port?: number; defaultPort?: number };
}

export interface RunningManagementPlane {
  apiServer: EmbeddedApiServer;
  dataDir: string;
  /** What installing the Cluster API CRDs did at start-up. */
  crds: InstallCrdsResult;
  /** The dev infrastructure provider (in-memory backend), unless started without controllers. */
  devProvider?: DevProvider;
  /** The dashboard's URL with its access token (a new one at every start), when it is served. */
  dashboardUrl?: string;
  stop(): Promise<void>;
}

/**
 * `capi up`: the management plane in one process: the embedded API server with its durable store and every
 * Cluster API CRD installed (kept in step with this version on each start), and the controllers built so far
 * (core, the kubeadm bootstrap and control plane providers, the dev infrastructure provider with its in-memory
 * backend); the others join as they are built.
 */
export async function up(options: UpOptions): Promise<RunningManagementPlane> {
  const dataDir = resolveDataDir(options.dataDir);
  const started = Date.now();
  // Upstream's admission webhooks run in-process here; their lookups (a Cluster's ClusterClass, ...) go
  // through a client of this same server once it is listening.
  const webhookReader = new DeferredReader();
  const apiServer = await startEmbeddedApiServer({
    dataDir,
    host: options.host,
    port: options.port,
    admissionPlugins: [inProcessAdmission(clusterApiWebhooks({ reader: webhookReader }))],
  });
  let crds: InstallCrdsResult;
  // Through the admin kubeconfig, as against any kube-apiserver: the installer needs no server internals.
  const client = KubeClient.fromKubeconfig({ kubeconfigPath: apiServer.paths.kubeconfig });
  webhookReader.target = client;
  try {
    crds = await installCrds(client, clusterApiCrds(), { fieldManager: FIELD_MANAGER });
  } catch (err) {
    client.close();
    await apiServer.stop();
    throw err;
  }
  // The controllers run in this process against the API server over HTTPS, exactly as they would against a
  // real management cluster.
  let manager: Manager | undefined;
  let devProvider: DevProvider | undefined;
  if (!options.noControllers) {
    manager = new Manager({
      kubeconfigPath: apiServer.paths.kubeconfig,
      fieldManager: FIELD_MANAGER,
      ...(options.metricsPort !== undefined
        ? { metricsBindAddress: { host: options.host, port: options.metricsPort } }
        : {}),
    });
    ({ devProvider } = setupAllControllers(manager, {
      devProvider: {
        inMemory: {
          host: '127.0.0.1',
          ...(options.workloadPorts
            ? { minPort: options.workloadPorts.min, maxPort: options.workloadPorts.max }
            : {}),
        },
      },
    }));
  }
  // Before the controllers start, so a busy dashboard port fails the start with nothing left running.
  let dashboard: DashboardServer | undefined;
  if (options.dashboard) {
    const explicit = options.dashboard.port !== undefined;
    try {
      dashboard = await DashboardServer.start({
        // Reads and watches go through the manager's client, as they would against any management cluster.
        client: manager?.apiClient ?? client,
        host: options.host,
        port: options.dashboard.port ?? options.dashboard.defaultPort ?? DEFAULT_DASHBOARD_PORT,
        portRetries: explicit ? 0 : DEFAULT_DASHBOARD_PORT_RETRIES,
        portInUseHint: explicit
          ? 'pick another with --dashboard-port (0 for any free port), or --no-dashboard'
          : 'pick a free one with --dashboard-port, or --no-dashboard',
        token: generateDashboardToken(),
        ...(manager ? { logger: manager.logger } : {}),
      });
    } catch (err) {
      manager?.apiClient.close();
      client.close();
      await apiServer.stop();
      throw err;
    }
  }
  let controllers: { manager: Manager; stop: AbortController; running: Promise<void> } | undefined;
  if (manager) {
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    controllers = { manager, stop, running };
    // The metrics listener binds inside start(); the ready line names its address, so wait for it.
    if (options.metricsPort !== undefined) {
      for (let i = 0; i < 200 && !manager.metricsUrl; i++) await new Promise((r) => setTimeout(r, 10));
    }
    void running.catch((err: unknown) =>
      options.log(`capi: controllers stopped: ${err instanceof Error ? err.message : JSON.stringify(err)}`),
    );
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  options.log(
    `capi management plane ready at ${apiServer.url} in ${seconds}s (${apiServer.objectCount} objects, revision ${apiServer.revision}; ` +
      `${describeCrds(crds)}${devProvider ? `; ${describeControllers(devProvider)}` : ''}` +
      `${controllers?.manager.metricsUrl ? `; metrics: ${controllers.manager.metricsUrl}/metrics` : ''}); ` +
      `kubeconfig: ${apiServer.paths.kubeconfig}` +
      (dashboard ? ` — dashboard: ${dashboard.urlWithToken}` : '') +
      ` — try: kubectl --kubeconfig ${apiServer.paths.kubeconfig} get namespaces`,
  );
  return {
    apiServer,
    dataDir,
    crds,
    ...(devProvider ? { devProvider } : {}),
    ...(dashboard ? { dashboardUrl: dashboard.urlWithToken } : {}),
    stop: async () => {
      // First, so open pages lose their event streams before the client they read through closes.
      await dashboard?.close();
      if (controllers) {
        controllers.stop.abort();
        await controllers.running.catch(() => undefined);
      }
      client.close();
      await apiServer.stop();
    },
  };
}

/** `controllers: Cluster, ClusterClass, ClusterTopology, Machine, MachineSet, MachineDeployment, MachineHealthCheck, ClusterResourceSet, ClusterResourceSetBinding, KubeadmConfig, KubeadmControlPlane, DevCluster, DevMachine (in-memory workload endpoints on 127.0.0.1:20000-30000)`. */
function describeControllers(dev: DevProvider): string {
  const ports = dev.cloud.ports;
  return `controllers: Cluster, ClusterClass, ClusterTopology, Machine, MachineSet, MachineDeployment, MachineHealthCheck, ClusterResourceSet, ClusterResourceSetBinding, KubeadmConfig, KubeadmControlPlane, DevCluster, DevMachine (in-memory workload endpoints on ${ports.host}:${ports.minPort}-${ports.maxPort})`;
}

/** `12 Cluster API CRDs: 12 created` / `12 Cluster API CRDs: 1 updated, 11 unchanged`. */
export function describeCrds(result: InstallCrdsResult): string {
  const total = result.created.length + result.updated.length + result.unchanged.length;
  const parts = (['created', 'updated', 'unchanged'] as const)
    .filter((k) => result[k].length > 0)
    .map((k) => `${result[k].length} ${k}`);
  return `${total} Cluster API CRDs${parts.length ? `: ${parts.join(', ')}` : ''}`;
}
