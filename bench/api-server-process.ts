/**
 * The management plane under test, run as `capi up` in its own process so the load generator does not
 * share its event loop and its memory can be read from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpClient } from './http-client.js';

const CLI = fileURLToPath(new URL('../src/cli/capi.ts', import.meta.url));

export interface ApiServerProcess {
  url: string;
  /** Seconds `capi up` reported from start to ready (includes store replay). */
  readySeconds: number;
  /** Wall time from spawn to the ready line (includes Node and module start-up). */
  wallMs: number;
  client(maxSockets: number): Promise<HttpClient>;
  rssBytes(): Promise<number>;
  stop(): Promise<void>;
}

export async function startApiServer(dataDir: string): Promise<ApiServerProcess> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'up', '--data-dir', dataDir, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // A bench that crashes must not leave the server running (and holding a core) behind it.
  const killChild = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killChild);
  child.once('exit', () => process.off('exit', killChild));
  let out = '';
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`capi up not ready after 120 s:\n${out}`)), 120_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const ready = out.split('\n').find((l) => l.includes('management plane ready'));
      if (ready) {
        clearTimeout(timer);
        resolve(ready);
      }
    });
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`capi up exited ${code}:\n${out}`)));
  });
  const wallMs = performance.now() - t0;
  const url = /ready at (https:\/\/\S+)/.exec(line)?.[1] ?? '';
  const readySeconds = Number(/ in (\d+\.\d+)s/.exec(line)?.[1] ?? NaN);
  const pki = path.join(dataDir, 'pki');
  const tls = {
    ca: await readFile(path.join(pki, 'ca.crt'), 'utf8'),
    cert: await readFile(path.join(pki, 'admin.crt'), 'utf8'),
    key: await readFile(path.join(pki, 'admin.key'), 'utf8'),
  };
  return {
    url,
    readySeconds,
    wallMs,
    client: (maxSockets) => Promise.resolve(new HttpClient({ baseUrl: url, tls, maxSockets })),
    rssBytes: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
