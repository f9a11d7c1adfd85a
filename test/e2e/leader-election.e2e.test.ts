import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
} from '../../src/apiserver/embedded/embedded-api-server.js';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { KubeClient } from '../../src/controller-runtime/client/kube-client.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/manager-process.ts', import.meta.url));
const LEASE_MS = 3000;
const RETRY_MS = 500;
const CM = { apiVersion: 'v1', kind: 'ConfigMap' } as const;

interface ManagerProcess {
  child: ChildProcess;
  identity: string;
  events: { event: string; at: number }[];
  exited: Promise<number | string>;
  output: () => string;
}

function startManager(kubeconfig: string, identity: string): ManagerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, kubeconfig, identity], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LEASE_MS: String(LEASE_MS), RENEW_MS: '2000', RETRY_MS: String(RETRY_MS) },
  });
  const events: { event: string; at: number }[] = [];
  let out = '';
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    buffer += chunk.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        events.push(JSON.parse(line) as { event: string; at: number });
      } catch {
        /* not ours */
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? '?')),
  );
  return { child, identity, events, exited, output: () => out };
}

async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('leader election between two manager processes', () => {
  let dataDir: string;
  let server: EmbeddedApiServer;
  let client: KubeClient;
  const processes: ManagerProcess[] = [];

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-le-'));
    server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0, inMemory: true });
    client = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'le' } });
  });
  after(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const handledBy = async (name: string): Promise<string | undefined> => {
    const cm = await client.get<KubeObject>(CM, { namespace: 'le', name });
    return cm.metadata.annotations?.['handled-by'];
  };

  it('runs controllers on one process only, and hands over within the lease duration after SIGKILL', async (t) => {
    const a = startManager(server.paths.kubeconfig, 'manager-a');
    processes.push(a);
    await waitFor(() => a.events.find((e) => e.event === 'leading'), `manager-a to lead:\n${a.output()}`);
    const b = startManager(server.paths.kubeconfig, 'manager-b');
    processes.push(b);

    // With both running, work is done by the leader alone.
    await client.create({ ...CM, metadata: { name: 'first', namespace: 'le' } });
    assert.equal(await waitFor(() => handledBy('first'), 'the leader to handle "first"'), 'manager-a');
    await new Promise((r) => setTimeout(r, LEASE_MS));
    assert.equal(
      b.events.find((e) => e.event === 'leading'),
      undefined,
      'the standby must not lead while the leader renews',
    );
    const lease = await client.get<KubeObject & { spec?: { holderIdentity?: string } }>(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
      { namespace: 'default', name: 'le-test' },
    );
    assert.equal(lease.spec?.holderIdentity, 'manager-a');

    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await a.exited;
    const took = await waitFor(
      () => b.events.find((e) => e.event === 'leading'),
      `manager-b to take over:\n${b.output()}`,
    );
    const handover = took.at - killedAt;
    t.diagnostic(`handover after SIGKILL: ${handover} ms (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`);
    // The standby can notice the lease expired only on its next retry after it did.
    assert.ok(handover <= LEASE_MS + 2 * RETRY_MS, `handover took ${handover} ms (lease ${LEASE_MS} ms)`);

    await client.create({ ...CM, metadata: { name: 'second', namespace: 'le' } });
    assert.equal(await waitFor(() => handledBy('second'), 'the new leader to handle "second"'), 'manager-b');

    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0, `graceful stop:\n${b.output()}`);
    assert.ok(b.events.some((e) => e.event === 'stopped'));
  });
});
