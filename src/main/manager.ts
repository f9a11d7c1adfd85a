import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { loadRestConfig } from '../controller-runtime/client/rest-config.js';
import { type BindAddress, Manager } from '../controller-runtime/manager/manager.js';
import { generateDashboardToken } from '../dashboard/auth.js';
import { DashboardServer, type DashboardTls } from '../dashboard/dashboard-server.js';
import type { ListenerPortsOptions } from '../providers/infrastructure-dev/backends/in-memory/listener-ports.js';
import { setupAllControllers } from './controllers.js';
import {
  DEFAULT_CERT_DIR,
  DEFAULT_WEBHOOK_PORT,
  serveWebhooks,
  type ServingWebhooks,
} from './webhook-serve.js';

/** controller-runtime's defaults, which upstream Cluster API keeps. */
export const DEFAULT_METRICS_BIND_ADDRESS = ':8080';
export const DEFAULT_HEALTH_PROBE_BIND_ADDRESS = ':9440';
/** The dashboard is off unless `--dashboard-address` names where to serve it. */
export const DEFAULT_DASHBOARD_ADDRESS = '0';
/** Where `capi manager` takes the dashboard's access token from when no token file is given. */
export const DASHBOARD_TOKEN_ENV = 'CAPI_DASHBOARD_TOKEN';
/** The Lease upstream's core manager elects its leader with. */
export const LEADER_ELECTION_ID = 'controller-leader-election-capi';

export interface ManagerProcessOptions {
  /** `--kubeconfig`; otherwise `$KUBECONFIG`, in-cluster config, `~/.kube/config`. */
  kubeconfigPath?: string;
  /** `--webhook-port` (default 9443); 0 picks a free port. */
  webhookPort?: number;
  /** Address the webhook server listens on (default all IPv4 interfaces). */
  webhookHost?: string;
  /** `--webhook-cert-dir`: holds `tls.crt` and `tls.key` (default controller-runtime's). */
  certDir?: string;
  /** `--metrics-bind-address` as controller-runtime reads it: `:8080`, `127.0.0.1:8080`, `0` disables. */
  metricsBindAddress?: string;
  /** `--health-probe-bind-address` (`/healthz`, `/readyz`): `:9440`, `0` disables. */
  healthProbeBindAddress?: string;
  /** `--dashboard-address`: where the fleet dashboard is served (`:6080`, `127.0.0.1:6080`); `0` (default) is off. */
  dashboardAddress?: string;
  /** `--dashboard-cert-dir`: `tls.crt` and `tls.key` for HTTPS; plain HTTP without it. */
  dashboardCertDir?: string;
  /** `--dashboard-client-ca-file`: client certificates this CA signed get in without the token (needs HTTPS). */
  dashboardClientCaFile?: string;
  /** `--dashboard-token-file`: the access token; else `$CAPI_DASHBOARD_TOKEN`; else one is generated and logged. */
  dashboardTokenFile?: string;
  /** `--leader-elect` (default true): only the holder of the Lease runs controllers. */
  leaderElect?: boolean;
  /** `--leader-election-namespace`; default `$POD_NAMESPACE`, else the config's (in-cluster: the pod's). */
  leaderElectionNamespace?: string;
  /** Shorter lease timings for tests; upstream's 15 s / 10 s / 2 s otherwise. */
  leaderElectionTimings?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** Where the dev provider's in-memory workload endpoints listen (default 127.0.0.1:20000-30000). */
  workloadPorts?: ListenerPortsOptions;
  /** Stops the manager (as SIGTERM does). */
  signal?: AbortSignal;
  logger?: Logger;
  /** Metrics registry (default the process-wide one, which a process fills once). */
  registry?: Registry;
  env?: NodeJS.ProcessEnv;
}

export interface RunningManager {
  manager: Manager;
  /** `https://host:port` of the admission webhooks. */
  webhookUrl: string;
  metricsUrl?: string;
  probeUrl?: string;
  /** The fleet dashboard, when `dashboardAddress` turned it on. */
  dashboard?: {
    url: string;
    urlWithToken: string;
    /** No token was configured: this one was made for this run (so the URL with it is worth printing). */
    generatedToken: boolean;
  };
  /** Settles when the manager stops: rejects if leadership was lost or a controller failed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Reads a controller-runtime bind address: `:8080` (all interfaces), `host:port`, `[::1]:8080`; `0` disables. */
export function parseBindAddress(value: string): BindAddress | false {
  if (value === '0' || value === '') return false;
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`invalid bind address ${JSON.stringify(value)}: want host:port, :port or 0`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

/**
 * `capi manager`: the controller manager a Deployment runs in a real management cluster. The same controllers
 * as `capi up` (core, kubeadm bootstrap and control plane, the dev provider's in-memory backend), Cluster API's
 * admission webhooks over HTTPS with the certificate in `certDir`, metrics and health probes, and leader
 * election on a Lease so extra replicas wait as standbys. Resolves once the webhook server and the probe
 * endpoints listen; stops on `signal` or `stop()`.
 */
export async function runManager(options: ManagerProcessOptions = {}): Promise<RunningManager> {
  const env = options.env ?? process.env;
  const restConfig = loadRestConfig({
    ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
    env,
  });
  const leaderElect = options.leaderElect ?? true;
  // Read before anything starts: a missing certificate or token file fails the start, not a runnable.
  const dashboardSettings = await readDashboardSettings(options, env);
  const manager = new Manager({
    restConfig: { qps: 100, burst: 200, ...restConfig, userAgent: 'capi-manager' },
    fieldManager: 'capi',
    metricsBindAddress: parseBindAddress(options.metricsBindAddress ?? DEFAULT_METRICS_BIND_ADDRESS),
    healthProbeBindAddress: parseBindAddress(
      options.healthProbeBindAddress ?? DEFAULT_HEALTH_PROBE_BIND_ADDRESS,
    ),
    leaderElection: leaderElect
      ? {
          id: LEADER_ELECTION_ID,
          namespace: options.leaderElectionNamespace ?? env.POD_NAMESPACE ?? restConfig.namespace,
          releaseOnCancel: true,
          ...options.leaderElectionTimings,
        }
      : false,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
  });
  setupAllControllers(manager, {
    devProvider: { inMemory: { host: '127.0.0.1', ...options.workloadPorts } },
  });

  // Every replica serves the dashboard (it only reads), so it does not wait for the lease either.
  let dashboard: DashboardServer | undefined;
  let dashboardListening: Promise<void> = Promise.resolve();
  if (dashboardSettings) {
    const { bind, token, generatedToken, tls } = dashboardSettings;
    let listening!: () => void;
    dashboardListening = new Promise<void>((resolve) => (listening = resolve));
    manager.add({
      name: 'dashboard',
      needLeaderElection: false,
      start: async (signal) => {
        dashboard = await DashboardServer.start({
          client: manager.apiClient,
          host: bind.host,
          port: bind.port,
          portInUseHint: 'pick another with --dashboard-address',
          token,
          ...(tls ? { tls } : {}),
          logger: manager.logger,
        });
        // A configured token stays out of the logs; a generated one is the only way in, so it is logged.
        manager.logger.info(
          { url: generatedToken ? dashboard.urlWithToken : dashboard.url },
          generatedToken
            ? 'serving the dashboard (open this URL: its token was made for this run)'
            : 'serving the dashboard',
        );
        listening();
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
        await dashboard.close();
      },
    });
  }

  // Every replica serves webhooks (they are stateless), so the webhook server does not wait for the lease.
  let webhooks: ServingWebhooks | undefined;
  let listening!: () => void;
  const webhooksListening = new Promise<void>((resolve) => (listening = resolve));
  manager.add({
    name: 'webhook-server',
    needLeaderElection: false,
    start: async (signal) => {
      webhooks = await serveWebhooks({
        host: options.webhookHost ?? '0.0.0.0',
        port: options.webhookPort ?? DEFAULT_WEBHOOK_PORT,
        certDir: options.certDir ?? DEFAULT_CERT_DIR,
        ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
      });
      listening();
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
      await webhooks.stop();
    },
  });
  manager.addReadyzCheck('webhook', () => {
    if (!webhooks) throw new Error('webhook server not started');
  });

  const stopper = new AbortController();
  const onAbort = (): void => stopper.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stopper.abort();
  const done = manager.start(stopper.signal).finally(() => {
    options.signal?.removeEventListener('abort', onAbort);
    manager.apiClient.close();
  });
  // The webhook server starts after the metrics and probe servers: once it listens, every address is known.
  await Promise.race([
    Promise.all([webhooksListening, dashboardListening]),
    done.then(() => Promise.reject(new Error('the manager stopped'))),
  ]);
  return {
    manager,
    webhookUrl: webhooks!.url,
    ...(manager.metricsUrl ? { metricsUrl: manager.metricsUrl } : {}),
    ...(manager.probeUrl ? { probeUrl: manager.probeUrl } : {}),
    ...(dashboard && dashboardSettings
      ? {
          dashboard: {
            url: dashboard.url,
            urlWithToken: dashboard.urlWithToken,
            generatedToken: dashboardSettings.generatedToken,
          },
        }
      : {}),
    done,
    stop: async () => {
      stopper.abort();
      await done.catch(() => undefined);
    },
  };
}

interface DashboardSettings {
  bind: BindAddress;
  token: string;
  generatedToken: boolean;
  tls?: DashboardTls;
}

/** The dashboard flags of `capi manager`, read and checked; undefined when the dashboard is off. */
async function readDashboardSettings(
  options: ManagerProcessOptions,
  env: NodeJS.ProcessEnv,
): Promise<DashboardSettings | undefined> {
  const bind = parseBindAddress(options.dashboardAddress ?? DEFAULT_DASHBOARD_ADDRESS);
  if (!bind) return undefined;
  if (options.dashboardClientCaFile && !options.dashboardCertDir) {
    throw new Error(
      '--dashboard-client-ca-file needs --dashboard-cert-dir: client certificates are checked only over HTTPS',
    );
  }
  let token: string;
  let generatedToken = false;
  if (options.dashboardTokenFile) {
    token = (await readFile(options.dashboardTokenFile, 'utf8')).trim();
    if (!token) throw new Error(`the dashboard token file ${options.dashboardTokenFile} is empty`);
  } else if (env[DASHBOARD_TOKEN_ENV]?.trim()) {
    token = env[DASHBOARD_TOKEN_ENV].trim();
  } else {
    token = generateDashboardToken();
    generatedToken = true;
  }
  let tls: DashboardTls | undefined;
  if (options.dashboardCertDir) {
    const [certificatePem, privateKeyPem, clientCaPem] = await Promise.all([
      readFile(path.join(options.dashboardCertDir, 'tls.crt'), 'utf8'),
      readFile(path.join(options.dashboardCertDir, 'tls.key'), 'utf8'),
      options.dashboardClientCaFile ? readFile(options.dashboardClientCaFile, 'utf8') : undefined,
    ]);
    tls = { certificatePem, privateKeyPem, ...(clientCaPem ? { clientCaPem } : {}) };
  }
  return { bind, token, generatedToken, ...(tls ? { tls } : {}) };
}
