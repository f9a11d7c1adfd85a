/**
 * etcd 3.4 (Debian's etcd-server) as the reference store: started on a temporary directory on loopback and
 * driven through its JSON gRPC gateway, so the same closed-loop load can be applied to it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpClient } from './http-client.js';

const ETCD = '/usr/bin/etcd';

export interface RunningEtcd {
  client: HttpClient;
  version: string;
  stop(): Promise<void>;
}

/** Installs etcd-server when missing (root on Debian); returns a reason when it cannot be had. */
export function ensureEtcd(): string | undefined {
  if (existsSync(ETCD)) return undefined;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'etcd-server'], { env, stdio: 'ignore' });
  if (update.status !== 0 || install.status !== 0 || !existsSync(ETCD))
    return 'etcd-server could not be installed with apt-get (not root, or no Debian package source)';
  return undefined;
}

export async function startEtcd(clientPort: number, peerPort: number): Promise<RunningEtcd> {
  const dir = await mkdtemp(path.join(tmpdir(), 'capi-bench-etcd-'));
  const url = `http://127.0.0.1:${clientPort}`;
  const child: ChildProcess = spawn(
    ETCD,
    [
      '--data-dir',
      path.join(dir, 'data'),
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peerPort}`,
      '--log-level',
      'error',
    ],
    {
      stdio: 'ignore',
      env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch },
    },
  );
  const client = new HttpClient({ baseUrl: url, maxSockets: 128 });
  const deadline = Date.now() + 20_000;
  let version = '';
  for (;;) {
    try {
      const res = await client.send('GET', '/version');
      if (res.status === 200) {
        version = (JSON.parse(res.text) as { etcdserver?: string }).etcdserver ?? '';
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('etcd did not start within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    client,
    version,
    async stop() {
      client.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A create: put; returns the key's new mod revision. */
export async function etcdPut(client: HttpClient, key: string, value: string): Promise<number> {
  const text = await client.expect(
    'POST',
    '/v3/kv/put',
    JSON.stringify({ key: b64(key), value: b64(value) }),
    [200],
  );
  return Number((JSON.parse(text) as { header: { revision: string } }).header.revision);
}

/** An update guarded like the API server's: compare mod_revision, then put. */
export async function etcdCasUpdate(
  client: HttpClient,
  key: string,
  value: string,
  modRevision: number,
): Promise<number> {
  const body = {
    compare: [{ target: 'MOD', key: b64(key), mod_revision: String(modRevision), result: 'EQUAL' }],
    success: [{ request_put: { key: b64(key), value: b64(value) } }],
  };
  const text = await client.expect('POST', '/v3/kv/txn', JSON.stringify(body), [200]);
  const parsed = JSON.parse(text) as { succeeded?: boolean; header: { revision: string } };
  if (!parsed.succeeded) throw new Error(`etcd compare failed for ${key}`);
  return Number(parsed.header.revision);
}
