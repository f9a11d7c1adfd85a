import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

// The versioned kubectl binaries ship with the Google Cloud SDK, whose bin folder is not always on PATH.
const EXTRA_DIRS = ['/usr/lib/google-cloud-sdk/bin'];

/** Where a versioned kubectl binary is, or undefined when this machine lacks it. */
export function findKubectl(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), ...EXTRA_DIRS]) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Runs a real kubectl binary against a kubeconfig, asynchronously (the API server under test may live in
 * this very process, so a synchronous spawn would deadlock it). A fresh cache dir per runner forces
 * discovery the way a new user's machine does.
 */
export class Kubectl {
  readonly #binary: string;
  readonly #kubeconfig: string;
  readonly #cacheDir: string;
  readonly #workDir: string;

  private constructor(binary: string, kubeconfig: string, cacheDir: string, workDir: string) {
    this.#binary = binary;
    this.#kubeconfig = kubeconfig;
    this.#cacheDir = cacheDir;
    this.#workDir = workDir;
  }

  static async create(binary: string, kubeconfig: string): Promise<Kubectl> {
    const work = await mkdtemp(path.join(tmpdir(), 'capi-kubectl-'));
    return new Kubectl(binary, kubeconfig, path.join(work, 'cache'), work);
  }

  get workDir(): string {
    return this.#workDir;
  }

  /** Writes a fixture file into the runner's work dir and returns its path. */
  async file(name: string, content: string): Promise<string> {
    const p = path.join(this.#workDir, name);
    await writeFile(p, content);
    return p;
  }

  run(args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(
        this.#binary,
        ['--kubeconfig', this.#kubeconfig, '--cache-dir', this.#cacheDir, ...args],
        { timeout: options.timeoutMs ?? 30_000, cwd: this.#workDir, env: { ...process.env, KUBECONFIG: '' } },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  /** Runs and fails with kubectl's own output when the exit code is not 0. */
  async ok(args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Runs and fails unless the exit code is non-zero; returns stderr + stdout. */
  async fails(args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code === 0) throw new Error(`kubectl ${args.join(' ')} unexpectedly succeeded\n${r.stdout}`);
    return r.stderr + r.stdout;
  }
}
