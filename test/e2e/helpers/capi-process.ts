import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../src/cli/capi.ts', import.meta.url));

export interface CapiUpProcess {
  child: ChildProcess;
  /** The ready line `capi up` printed. */
  readyLine: string;
  url: string;
  kubeconfig: string;
  /** The dashboard URL (with its `?token=`) of the ready line; empty with `--no-dashboard`. */
  dashboardUrl: string;
  output: () => string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

/** Starts `capi up` as a separate process (so it can be signalled and killed) and waits for its ready line. */
export async function startCapiUp(
  dataDir: string,
  extraArgs: string[] = [],
  timeoutMs = 30_000,
  options: { command?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<CapiUpProcess> {
  // The source through tsx by default; `command` runs another launcher (`npx capi`, as users do).
  const [cmd, ...prefix] = options.command ?? [process.execPath, '--import', 'tsx', CLI];
  // Tests run side by side: each dashboard on a free port, unless the test is about the dashboard's port.
  const dashboardArgs = extraArgs.some((a) => a === '--no-dashboard' || a.startsWith('--dashboard-port'))
    ? []
    : ['--dashboard-port', '0'];
  const args = [...prefix, 'up', '--data-dir', dataDir, '--port', '0', ...dashboardArgs, ...extraArgs];
  const child = spawn(cmd!, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
    // npx runs the binary as its child: a process group lets SIGKILL reach both.
    detached: options.command !== undefined,
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`capi up did not get ready in ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = (): void => {
      const line = out.split('\n').find((l) => l.includes('management plane ready'));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`capi up exited (${code}) before it was ready:\n${out}`));
    });
  });
  const url = /ready at (https:\/\/\S+)/.exec(readyLine)?.[1] ?? '';
  const kubeconfig = /kubeconfig: (\S+)/.exec(readyLine)?.[1] ?? '';
  const dashboardUrl = /dashboard: (https?:\/\/\S+)/.exec(readyLine)?.[1] ?? '';
  return { child, readyLine, url, kubeconfig, dashboardUrl, output: () => out, exited };
}
