import type { Command } from 'commander';
import {
  DEFAULT_WAIT_TIMEOUT_MS,
  initManagementCluster,
  printComponents,
} from '../../clusterctl/init/init.js';
import { runManager } from '../../main/manager.js';
import { type CliIo, type ConnectionFlags, withConnectionOptions, withManagementPlane } from '../cli-io.js';
import { waitForSignal } from '../wait-for-signal.js';
import { parseDuration } from './workload-commands.js';

interface InitFlags extends ConnectionFlags {
  targetNamespace?: string;
  image?: string;
  waitProviders?: boolean;
  waitProviderTimeout: number;
  print?: boolean;
  printInventory?: boolean;
}

/** `capi init` (install into an existing management cluster) and `capi manager` (what its Deployment runs). */
export function addManagementCommands(program: Command, io: CliIo): void {
  withConnectionOptions(
    program
      .command('init')
      .description(
        'install capi-ts into an existing management cluster: CRDs, RBAC, webhooks and the controller Deployment',
      )
      .option('--target-namespace <namespace>', 'namespace of the controllers', 'capi-system')
      .option('--image <image>', 'controller image (default ghcr.io/capi-ts/capi:v<version>)')
      .option('--wait-providers', 'wait until the controller Deployment is available')
      .option(
        '--wait-provider-timeout <duration>',
        'how long --wait-providers waits',
        parseDuration,
        DEFAULT_WAIT_TIMEOUT_MS,
      )
      .option(
        '--print',
        'print the components as YAML (for kubectl apply -f - or GitOps) instead of installing',
      )
      .option(
        '--print-inventory',
        'with --print: also print the Provider inventory object (apply it after the CRDs)',
      ),
    { namespace: false },
  ).action(async (flags: InitFlags) => {
    const common = {
      ...(flags.targetNamespace ? { namespace: flags.targetNamespace } : {}),
      ...(flags.image ? { image: flags.image } : {}),
    };
    if (flags.print) {
      io.stdout(
        await printComponents({ ...common, ...(flags.printInventory ? { includeInventory: true } : {}) }),
      );
      return;
    }
    const result = await withManagementPlane(io, flags, (plane) =>
      initManagementCluster(plane.client, {
        ...common,
        ...(flags.waitProviders ? { waitProviders: true } : {}),
        waitTimeoutMs: flags.waitProviderTimeout,
        progress: (line) => io.stderr(line + '\n'),
        ...(io.signal ? { signal: io.signal } : {}),
      }),
    );
    io.stdout(result.message + '\n');
  });

  program
    .command('manager')
    .description('run every controller and the admission webhooks against a cluster (what capi init deploys)')
    .option('--kubeconfig <file>', 'cluster to manage (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .option('--webhook-port <port>', 'HTTPS port of the admission webhooks', (v) => Number(v), 9443)
    .option('--webhook-host <host>', 'address the webhooks listen on', '0.0.0.0')
    .option(
      '--webhook-cert-dir <dir>',
      'directory with tls.crt and tls.key',
      '/tmp/k8s-webhook-server/serving-certs',
    )
    .option('--metrics-bind-address <address>', 'where /metrics is served (0 disables)', ':8080')
    .option('--health-probe-bind-address <address>', 'where /healthz and /readyz are served', ':9440')
    .option(
      '--dashboard-address <address>',
      'where the read-only fleet dashboard is served, e.g. :6080 (0 disables)',
      '0',
    )
    .option('--dashboard-cert-dir <dir>', 'serve the dashboard over HTTPS with tls.crt and tls.key from here')
    .option(
      '--dashboard-client-ca-file <file>',
      'let in dashboard requests with a client certificate this CA signed, without the token',
    )
    .option(
      '--dashboard-token-file <file>',
      'the dashboard access token (default $CAPI_DASHBOARD_TOKEN, else a new one, logged with the URL)',
    )
    .option('--leader-elect', 'run controllers only on the elected replica (default)', true)
    .option('--no-leader-elect', 'run controllers without leader election')
    .option('--leader-election-namespace <namespace>', 'namespace of the Lease (default: the pod namespace)')
    .action(
      async (flags: {
        kubeconfig?: string;
        webhookPort: number;
        webhookHost: string;
        webhookCertDir: string;
        metricsBindAddress: string;
        healthProbeBindAddress: string;
        dashboardAddress: string;
        dashboardCertDir?: string;
        dashboardClientCaFile?: string;
        dashboardTokenFile?: string;
        leaderElect: boolean;
        leaderElectionNamespace?: string;
      }) => {
        const running = await runManager({
          ...(flags.kubeconfig ? { kubeconfigPath: flags.kubeconfig } : {}),
          webhookPort: flags.webhookPort,
          webhookHost: flags.webhookHost,
          certDir: flags.webhookCertDir,
          metricsBindAddress: flags.metricsBindAddress,
          healthProbeBindAddress: flags.healthProbeBindAddress,
          dashboardAddress: flags.dashboardAddress,
          ...(flags.dashboardCertDir ? { dashboardCertDir: flags.dashboardCertDir } : {}),
          ...(flags.dashboardClientCaFile ? { dashboardClientCaFile: flags.dashboardClientCaFile } : {}),
          ...(flags.dashboardTokenFile ? { dashboardTokenFile: flags.dashboardTokenFile } : {}),
          leaderElect: flags.leaderElect,
          ...(flags.leaderElectionNamespace
            ? { leaderElectionNamespace: flags.leaderElectionNamespace }
            : {}),
        });
        const dashboard = running.dashboard
          ? `; dashboard: ${running.dashboard.generatedToken ? running.dashboard.urlWithToken : running.dashboard.url}`
          : '';
        io.stdout(`capi manager running (webhooks at ${running.webhookUrl}${dashboard})\n`);
        await waitForSignal(io.signal);
        await running.stop();
      },
    );
}
