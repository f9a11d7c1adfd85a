import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { DEFAULT_DASHBOARD_PORT } from '../dashboard/dashboard-server.js';
import { clusterApiCrds } from '../main/crds.js';
import { up } from '../main/up.js';
import {
  DEFAULT_CERT_DIR,
  DEFAULT_WEBHOOK_PORT,
  serveWebhooks,
  webhookManifestsYaml,
} from '../main/webhook-serve.js';
import { CLUSTER_API_CONTRACT, PACKAGE_VERSION } from '../version.js';
import { UsageError } from '../clusterctl/errors.js';
import type { CliIo } from './cli-io.js';
import { COMPLETION_SHELLS, type CompletionShell, completionScript } from './completion.js';
import { addDescribeCommands } from './commands/cluster-commands.js';
import { addGenerateCommands } from './commands/generate-commands.js';
import { addManagementCommands } from './commands/management-commands.js';
import { addMoveCommand } from './commands/move-command.js';
import { addTopologyCommands } from './commands/topology-commands.js';
import { addWorkloadCommands } from './commands/workload-commands.js';
import { crdsToYaml } from './crds-yaml.js';
import { describeError } from './describe-error.js';
import { waitForSignal } from './wait-for-signal.js';

export type { CliIo } from './cli-io.js';

/** Builds the `capi` command tree. Each command only parses flags and calls a library function. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('capi')
    .description('Kubernetes Cluster API in TypeScript: run and manage Cluster API management planes')
    .showHelpAfterError('(run "capi --help" for usage)')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option('--verbose', 'on errors, print the causes and stack')
    .exitOverride();

  program
    .command('version')
    .description('print the capi-ts version and the Cluster API contract it implements')
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action((opts: { output: string }) => {
      io.stdout(formatVersion(opts.output));
    });

  program
    .command('crds')
    .description('print every Cluster API CRD as YAML (for kubectl apply -f - on another cluster)')
    .action(() => {
      io.stdout(crdsToYaml(clusterApiCrds()));
    });

  program
    .command('up')
    .description(
      'start a management plane in this process: Kubernetes API server with durable storage and the Cluster API CRDs',
    )
    .option('--data-dir <dir>', 'where state lives (default $CAPI_HOME or ~/.capi)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 6443)
    .option('--no-controllers', 'start only the API server, without Cluster API controllers')
    .option(
      '--workload-ports <min-max>',
      'ports of simulated workload cluster endpoints (in-memory backend)',
      parsePortRange,
      { min: 20000, max: 30000 },
    )
    .option(
      '--metrics-port <port>',
      "serve the controllers' Prometheus /metrics on this port of --host",
      parsePort,
    )
    .option(
      '--dashboard-port <port>',
      `port of the fleet dashboard on --host (default ${DEFAULT_DASHBOARD_PORT}, or the next free one; 0 picks any free port)`,
      parsePort,
    )
    .option('--no-dashboard', 'do not serve the fleet dashboard')
    .action(
      async (opts: {
        dataDir?: string;
        host: string;
        port: number;
        controllers: boolean;
        workloadPorts: { min: number; max: number };
        metricsPort?: number;
        dashboard: boolean;
        dashboardPort?: number;
      }) => {
        const plane = await up({
          ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
          workloadPorts: opts.workloadPorts,
          host: opts.host,
          port: opts.port,
          noControllers: !opts.controllers,
          ...(opts.metricsPort !== undefined ? { metricsPort: opts.metricsPort } : {}),
          ...(opts.dashboard
            ? { dashboard: opts.dashboardPort !== undefined ? { port: opts.dashboardPort } : {} }
            : {}),
          log: (line) => io.stdout(line + '\n'),
        });
        await waitForSignal(io.signal);
        io.stdout('capi: stopping\n');
        await plane.stop();
      },
    );

  const webhooks = program
    .command('webhooks')
    .description(
      "Cluster API's admission webhooks for a real management cluster (capi up runs them in-process)",
    );
  webhooks
    .command('serve')
    .description('serve the admission webhooks over HTTPS (AdmissionReview v1) until SIGINT/SIGTERM')
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, DEFAULT_WEBHOOK_PORT)
    .option('--cert-dir <dir>', 'directory holding tls.crt and tls.key', DEFAULT_CERT_DIR)
    .option(
      '--kubeconfig <file>',
      'cluster the webhooks read from (default $KUBECONFIG, in-cluster, ~/.kube/config)',
    )
    .action(async (opts: { host: string; port: number; certDir: string; kubeconfig?: string }) => {
      const serving = await serveWebhooks({
        host: opts.host,
        port: opts.port,
        certDir: opts.certDir,
        ...(opts.kubeconfig ? { kubeconfigPath: opts.kubeconfig } : {}),
      });
      io.stdout(`capi webhooks serving at ${serving.url} (${serving.paths.length} paths)\n`);
      await waitForSignal(io.signal);
      await serving.stop();
    });
  webhooks
    .command('manifests')
    .description('print the Mutating- and ValidatingWebhookConfiguration pointing at `capi webhooks serve`')
    .requiredOption('--ca-file <file>', 'PEM of the CA that signed the serving certificate')
    .option('--service-namespace <namespace>', 'namespace of the Service in front of the webhook server')
    .option('--service-name <name>', 'name of that Service')
    .option('--url <url>', 'or: the https:// URL the API server reaches the webhook server at')
    .action(
      async (opts: { caFile: string; serviceNamespace?: string; serviceName?: string; url?: string }) => {
        if (Boolean(opts.serviceNamespace) !== Boolean(opts.serviceName)) {
          throw new UsageError('--service-namespace and --service-name go together');
        }
        io.stdout(
          await webhookManifestsYaml({
            caFile: opts.caFile,
            ...(opts.serviceNamespace && opts.serviceName
              ? { service: { namespace: opts.serviceNamespace, name: opts.serviceName } }
              : {}),
            ...(opts.url ? { url: opts.url } : {}),
          }),
        );
      },
    );

  addManagementCommands(program, io);
  addGenerateCommands(program, io);
  addDescribeCommands(program, io);
  addWorkloadCommands(program, io);
  addTopologyCommands(program, io);
  addMoveCommand(program, io);

  program
    .command('completion')
    .description('print a shell completion script: source <(capi completion bash)')
    .argument('<shell>', `one of: ${COMPLETION_SHELLS.join(', ')}`)
    .action((shell: string) => {
      if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
        throw new UsageError(`unknown shell "${shell}" (use ${COMPLETION_SHELLS.join(', ')})`);
      }
      io.stdout(completionScript(program, shell as CompletionShell));
    });

  return program;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('use a number from 0 to 65535.');
  return n;
}

/** `20000-30000`: an inclusive range of non-zero ports. */
function parsePortRange(value: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(value.trim());
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1 || max > 65535 || min > max)
    throw new InvalidArgumentError('use <min>-<max> with 1 <= min <= max <= 65535, e.g. 20000-30000.');
  return { min, max };
}

function formatVersion(output: string): string {
  switch (output) {
    case 'json':
      return JSON.stringify({ version: PACKAGE_VERSION, contract: CLUSTER_API_CONTRACT }, null, 2) + '\n';
    case 'text':
      return `capi-ts ${PACKAGE_VERSION}\nCluster API contract: ${CLUSTER_API_CONTRACT}\n`;
    default:
      throw new CommanderError(
        1,
        'capi.invalidOutput',
        `error: unknown output format "${output}" (use text or json)\n`,
      );
  }
}

/** Runs the CLI and returns the exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    io.stdout(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'capi.invalidOutput') io.stderr(err.message);
      // commander has already printed its own message for parse errors; help/version exit 0.
      return err.exitCode;
    }
    io.stderr(describeError(err, { verbose: argv.includes('--verbose') }));
    return 1;
  }
}
