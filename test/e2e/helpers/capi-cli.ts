import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUILT_CLI = path.join(REPO, 'dist', 'cli', 'capi.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * The tests that act as a user run `npx capi`, i.e. the built `dist/` that `npm ci` produces (prepare). A
 * fresh clone has it; a working copy edited since its last build gets rebuilt first, so the test never runs
 * stale code.
 */
export function ensureBuiltCli(): void {
  let built = 0;
  try {
    built = statSync(BUILT_CLI).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newestMtime(path.join(REPO, 'src'))) return;
  const res = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`npm run build failed:\n${res.stdout}\n${res.stderr}`);
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npx capi <args>` in the repository, as a user types it; asynchronous (the server may be in this process). */
export function npxCapi(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'capi', ...args], {
      cwd: REPO,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npx capi ${args.join(' ')} did not finish in time:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * `npx capi generate cluster NAME --flavor in-memory-kcp --kubernetes-version v1.34.0` with the given Machine
 * counts, as the README's quick start types it; returns the YAML (throws with the CLI's stderr on failure).
 */
export async function generateKcpCluster(
  name: string,
  counts: { controlPlane: number; workers: number },
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const run = await npxCapi(
    [
      'generate',
      'cluster',
      name,
      '--flavor',
      'in-memory-kcp',
      '--kubernetes-version',
      'v1.34.0',
      '--control-plane-machine-count',
      String(counts.controlPlane),
      '--worker-machine-count',
      String(counts.workers),
    ],
    { env },
  );
  if (run.code !== 0) throw new Error(`capi generate cluster ${name} exited ${run.code}:\n${run.stderr}`);
  return run.stdout;
}
