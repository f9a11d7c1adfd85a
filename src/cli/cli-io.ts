import type { Command } from 'commander';
import { connectManagementPlane, type ManagementPlane } from '../clusterctl/management-plane.js';
import { useColor } from '../clusterctl/output.js';

/** Where a command reads and writes; tests pass buffers, the binary passes the process streams. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Stops long-running commands (`up`) when aborted; they also stop on SIGINT/SIGTERM. */
  signal?: AbortSignal;
  /** Whether stdout is a terminal (colours, progress); default false. */
  isTTY?: boolean;
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** `-` as a file name (`generate yaml --from -`). */
  readStdin?: () => Promise<string>;
}

/** Flags of every command that talks to a management plane. */
export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  dataDir?: string;
  namespace?: string;
}

/** `--kubeconfig`, `--context`, `--data-dir` and (unless told otherwise) `-n, --namespace`. */
export function withConnectionOptions(command: Command, options: { namespace?: boolean } = {}): Command {
  command
    .option(
      '--kubeconfig <file>',
      'management plane kubeconfig (default: $KUBECONFIG, then a running local capi up, then ~/.kube/config)',
    )
    .option('--context <name>', 'kubeconfig context to use')
    .option('--data-dir <dir>', 'data directory of a local capi up (default $CAPI_HOME or ~/.capi)');
  if (options.namespace !== false) {
    command.option(
      '-n, --namespace <namespace>',
      "namespace (default: the kubeconfig context's, or default)",
    );
  }
  return command;
}

/** Connects, runs `fn` with the client and the namespace to use, and always closes the connection. */
export async function withManagementPlane<T>(
  io: CliIo,
  flags: ConnectionFlags,
  fn: (plane: ManagementPlane, namespace: string) => Promise<T>,
): Promise<T> {
  const plane = await connectManagementPlane({
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    env: io.env ?? process.env,
  });
  try {
    return await fn(plane, flags.namespace ?? plane.namespace);
  } finally {
    plane.close();
  }
}

/** Colours for this run: `--color`/`--no-color`, else a TTY without NO_COLOR. */
export function colorFor(io: CliIo, flag?: boolean): boolean {
  return useColor({
    ...(flag !== undefined ? { flag } : {}),
    isTTY: io.isTTY ?? false,
    env: io.env ?? process.env,
  });
}
