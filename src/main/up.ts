import { startEmbeddedApiServer, type EmbeddedApiServer } from '../apiserver/embedded/embedded-api-server.js';
import { resolveDataDir } from './data-dir.js';

export interface UpOptions {
  dataDir?: string;
  host: string;
  port: number;
  /** Start only the API server (no Cluster API controllers). */
  noControllers: boolean;
  /** Receives the one-line ready message and later progress lines. */
  log: (line: string) => void;
}

export interface RunningManagementPlane {
  apiServer: EmbeddedApiServer;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * `capi up`: the management plane in one process. Today it is the embedded API server with its durable
 * store; the Cluster API CRDs and controllers join it as they are built.
 */
export async function up(options: UpOptions): Promise<RunningManagementPlane> {
  const dataDir = resolveDataDir(options.dataDir);
  const started = Date.now();
  const apiServer = await startEmbeddedApiServer({ dataDir, host: options.host, port: options.port });
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  options.log(
    `capi management plane ready at ${apiServer.url} in ${seconds}s (${apiServer.objectCount} objects, revision ${apiServer.revision}); ` +
      `kubeconfig: ${apiServer.paths.kubeconfig} — try: kubectl --kubeconfig ${apiServer.paths.kubeconfig} get namespaces`,
  );
  return {
    apiServer,
    dataDir,
    stop: () => apiServer.stop(),
  };
}
