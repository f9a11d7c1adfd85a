/**
 * Errors the `capi` commands report as one line. The CLI prints `error: <message>` and exits 1; `--verbose`
 * adds the cause.
 */

/** A Cluster named on the command line does not exist. */
export class ClusterNotFoundError extends Error {
  override readonly name = 'ClusterNotFoundError';
  constructor(
    readonly namespace: string,
    readonly clusterName: string,
  ) {
    super(`cluster "${clusterName}" not found in namespace "${namespace}"`);
  }
}

/** A Machine named on the command line does not exist. */
export class MachineNotFoundError extends Error {
  override readonly name = 'MachineNotFoundError';
  constructor(
    readonly namespace: string,
    readonly machineName: string,
  ) {
    super(`machine "${machineName}" not found in namespace "${namespace}"`);
  }
}

/** The management plane's API server does not answer. */
export class ManagementPlaneUnreachableError extends Error {
  override readonly name = 'ManagementPlaneUnreachableError';
  constructor(
    readonly server: string,
    readonly kubeconfigSource: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    const reason = options.cause instanceof Error ? `: ${rootMessage(options.cause)}` : '';
    super(
      `cannot reach the management plane at ${server} (kubeconfig: ${kubeconfigSource})${reason}` +
        (options.hint ? ` — ${options.hint}` : ''),
      { cause: options.cause },
    );
  }
}

/** A command argument or flag value that cannot be used (beyond what commander checks). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The innermost cause's message: `connect ECONNREFUSED 127.0.0.1:6443` rather than the request line. */
function rootMessage(err: Error): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
