import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { loadRestConfig } from '../controller-runtime/client/rest-config.js';
import { type BindAddress, Manager } from '../controller-runtime/manager/manager.js';
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
  await Promise.race([webhooksListening, done.then(() => Promise.reject(new Error('the manager stopped')))]);
  return {
    manager,
    webhookUrl: webhooks!.url,
    ...(manager.metricsUrl ? { metricsUrl: manager.metricsUrl } : {}),
    ...(manager.probeUrl ? { probeUrl: manager.probeUrl } : {}),
    done,
    stop: async () => {
      stopper.abort();
      await done.catch(() => undefined);
    },
  };
}
