// Shared by this folder's tests: independent judges (openssl, kubectl, a node:https server) and temp dirs.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program asynchronously (servers under test live in this process, so never spawnSync). */
export function run(
  file: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: 20_000, env: options.env ?? process.env },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export function openssl(args: string[], input?: string): Promise<RunResult> {
  return run('openssl', args, { input });
}

/** A scratch directory with a `write(name, text)` helper; remove it with `dispose()`. */
export interface Scratch {
  dir: string;
  write(name: string, text: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function scratch(): Promise<Scratch> {
  const dir = await mkdtemp(path.join(tmpdir(), 'capi-pki-'));
  return {
    dir,
    async write(name, text) {
      const p = path.join(dir, name);
      await writeFile(p, text);
      return p;
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface TlsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * An HTTPS server on 127.0.0.1 with the given serving certificate. With `clientCaPem` it demands a client
 * certificate signed by that CA (as kube-apiserver's --client-ca-file does).
 */
export async function startTlsServer(options: {
  certificatePem: string;
  keyPem: string;
  clientCaPem?: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}): Promise<TlsServer> {
  const server: Server = createServer(
    {
      cert: options.certificatePem,
      key: options.keyPem,
      ...(options.clientCaPem
        ? { ca: options.clientCaPem, requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    options.handler,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What kube-apiserver answers on /version, trimmed to what kubectl reads. */
export const VERSION_BODY = { major: '1', minor: '32', gitVersion: 'v1.32.0' };

/** `kubectl --kubeconfig <file> get --raw /version` with a private cache dir. */
export async function kubectlGetVersion(kubeconfigPath: string, cacheDir: string): Promise<RunResult> {
  return run(
    'kubectl',
    ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, 'get', '--raw', '/version'],
    {
      env: { PATH: process.env.PATH, HOME: cacheDir },
    },
  );
}

/** Milliseconds `fn` took, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - start) };
}
