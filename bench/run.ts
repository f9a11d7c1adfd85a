/**
 * Benchmark of the embedded API server, its storage layer and etcd 3.4 under the same load, printed side by
 * side, then of the controller-runtime engine: `npm run bench` (add `-- --quick` for a short run,
 * `-- --no-etcd` to skip the reference, `-- --only controller`, `-- --only api`, `-- --only inmemory`,
 * `-- --only core`, `-- --only pki` or `-- --only topology` for one section).
 */
import { cpus } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RevisionedStore } from '../src/apiserver/storage/index.js';
import { startApiServer, type ApiServerProcess } from './api-server-process.js';
import { runControllerBench } from './controller-bench.js';
import { runInMemoryBench } from './in-memory-bench.js';
import { runCoreBench } from './core-bench.js';
import { runPkiBench } from './pki-bench.js';
import { runTopologyBench } from './topology-bench.js';
import { ensureEtcd, etcdCasUpdate, etcdPut, startEtcd } from './etcd.js';
import type { HttpClient } from './http-client.js';
import { closedLoop } from './load.js';
import { configMapBody, configMapKey, storedConfigMap } from './payload.js';
import { formatBytes, formatMs, formatRate, median, summarize, type RateResult } from './stats.js';
import { printTable } from './table.js';

const quick = process.argv.includes('--quick');
const withEtcd = !process.argv.includes('--no-etcd');
const SECTIONS = ['api', 'controller', 'inmemory', 'core', 'pki', 'topology'] as const;
type Section = (typeof SECTIONS)[number];
/** `--only controller` / `--only=api`: run one section; default all. */
function onlySection(argv: readonly string[]): Section | undefined {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return undefined;
  const arg = argv[i]!;
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  if (!SECTIONS.includes(value as Section)) {
    throw new Error(`--only takes one of ${SECTIONS.join(', ')}; got ${value ?? 'nothing'}`);
  }
  return value as Section;
}
const only = onlySection(process.argv);
const runs = (section: Section): boolean => only === undefined || only === section;
const N = {
  serial: quick ? 200 : 1000,
  parallel: quick ? 2000 : 8000,
  watchers: 100,
  watchWrites: quick ? 50 : 200,
  listObjects: 10_000,
  replayObjects: quick ? 20_000 : 100_000,
};

type Row = [metric: string, api: string, storage: string, etcd: string, notes: string];
const rows: Row[] = [];
const NS = 'bench';
const cmPath = (name?: string): string => `/api/v1/namespaces/${NS}/configmaps${name ? `/${name}` : ''}`;

/** Creates then updates (CAS on the version just written) through any target with the same shape. */
interface Target {
  create(name: string): Promise<number>;
  update(name: string, rv: number): Promise<number>;
}

async function writeLoad(
  target: Target,
  tag: string,
  concurrency: number,
  total: number,
): Promise<{ creates: RateResult; updates: RateResult }> {
  const versions = new Map<string, number>();
  const creates = await closedLoop({
    concurrency,
    total,
    op: async (w, seq) => {
      const name = `${tag}-${concurrency}-${w}-${seq}`;
      versions.set(name, await target.create(name));
    },
  });
  const names = [...versions.keys()];
  let i = 0;
  const updates = await closedLoop({
    concurrency,
    total,
    op: async () => {
      const name = names[i++ % names.length]!;
      versions.set(name, await target.update(name, versions.get(name)!));
    },
  });
  return { creates, updates };
}

function apiTarget(client: HttpClient): Target {
  const rvOf = (text: string): number =>
    Number((JSON.parse(text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
  return {
    create: async (name) =>
      rvOf(await client.expect('POST', cmPath(), JSON.stringify(configMapBody(NS, name, 1)), [201])),
    update: async (name, rv) =>
      rvOf(await client.expect('PUT', cmPath(name), JSON.stringify(configMapBody(NS, name, 2, rv)), [200])),
  };
}

function storageTarget(store: RevisionedStore): Target {
  return {
    create: async (name) =>
      (await store.create(configMapKey(NS, name), storedConfigMap(NS, name, 1))).modRevision,
    update: async (name, rv) =>
      (await store.update(configMapKey(NS, name), storedConfigMap(NS, name, 2), rv)).modRevision,
  };
}

function etcdTarget(client: HttpClient): Target {
  return {
    create: (name) => etcdPut(client, configMapKey(NS, name), storedConfigMap(NS, name, 1)),
    update: (name, rv) => etcdCasUpdate(client, configMapKey(NS, name), storedConfigMap(NS, name, 2), rv),
  };
}

async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function apiServerPart(): Promise<{
  api: Record<string, RateResult>;
  server: ApiServerProcess;
  dir: string;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'capi-bench-api-'));
  const server = await startApiServer(dir);
  const client = await server.client(128);
  await client.expect('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: NS } }), [201]);
  const api: Record<string, RateResult> = {};
  for (const c of [1, 64]) {
    const r = await writeLoad(apiTarget(client), 'api', c, c === 1 ? N.serial : N.parallel);
    api[`create${c}`] = r.creates;
    api[`update${c}`] = r.updates;
  }
  client.close();
  return { api, server, dir };
}

async function watchLatency(server: ApiServerProcess): Promise<number[]> {
  const client = await server.client(N.watchers + 8);
  const list = JSON.parse(await client.expect('GET', `${cmPath()}?limit=1`, undefined, [200])) as {
    metadata: { resourceVersion: string };
  };
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const streams = Array.from({ length: N.watchers }, () =>
    client.lines(
      `${cmPath()}?watch=true&resourceVersion=${list.metadata.resourceVersion}&labelSelector=watch%3Dyes`,
      (line) => {
        const name =
          (JSON.parse(line) as { object: { metadata?: { name?: string } } }).object.metadata?.name ?? '';
        const t0 = sent.get(name);
        if (t0 !== undefined) latencies.push(performance.now() - t0);
      },
      () => undefined,
    ),
  );
  await Promise.all(streams.map((s) => s.established));
  for (let i = 0; i < N.watchWrites; i++) {
    const name = `watch-${i}`;
    const body = configMapBody(NS, name, 1);
    body.metadata.labels.watch = 'yes';
    sent.set(name, performance.now());
    await client.expect('POST', cmPath(), JSON.stringify(body), [201]);
  }
  const deadline = Date.now() + 10_000;
  while (latencies.length < N.watchers * N.watchWrites && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  for (const s of streams) s.close();
  client.close();
  return latencies;
}

async function listPart(
  server: ApiServerProcess,
): Promise<{ full: number; paged: number; rssPer10k: number }> {
  const client = await server.client(64);
  const rssBefore = await server.rssBytes();
  // Fill a namespace with exactly 10,000 objects.
  await client.expect('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: 'list' } }), [201]);
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < N.listObjects) {
        const name = `obj-${next++}`;
        await client.expect(
          'POST',
          '/api/v1/namespaces/list/configmaps',
          JSON.stringify(configMapBody('list', name, 1)),
          [201],
        );
      }
    }),
  );
  const rssAfter = await server.rssBytes();
  const full: number[] = [];
  const paged: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now();
    const text = await client.expect('GET', '/api/v1/namespaces/list/configmaps', undefined, [200]);
    full.push(performance.now() - t0);
    if ((JSON.parse(text) as { items: unknown[] }).items.length !== N.listObjects)
      throw new Error('list returned the wrong count');
    t0 = performance.now();
    let token: string | undefined;
    do {
      const page = JSON.parse(
        await client.expect(
          'GET',
          `/api/v1/namespaces/list/configmaps?limit=500${token ? `&continue=${token}` : ''}`,
          undefined,
          [200],
        ),
      ) as { metadata: { continue?: string } };
      token = page.metadata.continue;
    } while (token);
    paged.push(performance.now() - t0);
  }
  client.close();
  return {
    full: median(full),
    paged: median(paged),
    rssPer10k: ((rssAfter - rssBefore) / N.listObjects) * 10_000,
  };
}

async function replayPart(): Promise<{ storeOpenMs: number; serverReadyS: number; serverWallMs: number }> {
  return withTempDir('capi-bench-replay-', async (dir) => {
    const store = await RevisionedStore.open({ dir: path.join(dir, 'store') });
    let next = 0;
    await Promise.all(
      Array.from({ length: 256 }, async () => {
        while (next < N.replayObjects) {
          const i = next++;
          await store.create(configMapKey('replay', `obj-${i}`), storedConfigMap('replay', `obj-${i}`, 1));
        }
      }),
    );
    await store.close();
    const t0 = performance.now();
    const reopened = await RevisionedStore.open({ dir: path.join(dir, 'store') });
    const storeOpenMs = performance.now() - t0;
    await reopened.close();
    const server = await startApiServer(dir);
    await server.stop();
    return { storeOpenMs, serverReadyS: server.readySeconds, serverWallMs: server.wallMs };
  });
}

async function main(): Promise<void> {
  console.log(
    `capi-ts benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}${quick ? ', quick run' : ''}`,
  );
  console.log(
    'Durable writes: every create/update is acknowledged after fdatasync (capi-ts) or etcd commit.\n',
  );
  if (runs('api')) await apiSection();
  if (runs('controller')) await runControllerBench({ quick });
  if (runs('inmemory')) await runInMemoryBench({ quick });
  if (runs('core')) await runCoreBench({ quick });
  if (runs('pki')) await runPkiBench({ quick });
  if (runs('topology')) await runTopologyBench({ quick });
}

async function apiSection(): Promise<void> {
  const { api, server, dir } = await apiServerPart();
  const watch = summarize(await watchLatency(server));
  const list = await listPart(server);
  await server.stop();
  await rm(dir, { recursive: true, force: true });

  const storage = await withTempDir('capi-bench-store-', async (d) => {
    const store = await RevisionedStore.open({ dir: d });
    const out: Record<string, RateResult> = {};
    for (const c of [1, 64]) {
      const r = await writeLoad(storageTarget(store), 'st', c, c === 1 ? N.serial : N.parallel);
      out[`create${c}`] = r.creates;
      out[`update${c}`] = r.updates;
    }
    await store.close();
    return out;
  });

  let etcd: Record<string, RateResult> | undefined;
  let etcdNote = '';
  if (withEtcd) {
    const missing = ensureEtcd();
    if (missing) etcdNote = `skipped: ${missing}`;
    else {
      const running = await startEtcd(23790, 23800);
      etcdNote = `etcd ${running.version}, JSON gateway`;
      etcd = {};
      for (const c of [1, 64]) {
        const r = await writeLoad(etcdTarget(running.client), 'etcd', c, c === 1 ? N.serial : N.parallel);
        etcd[`create${c}`] = r.creates;
        etcd[`update${c}`] = r.updates;
      }
      await running.stop();
    }
  } else etcdNote = 'skipped (--no-etcd)';

  const replay = await replayPart();

  for (const c of [1, 64]) {
    for (const op of ['create', 'update'] as const) {
      const key = `${op}${c}`;
      rows.push([
        `durable ${op}s, ${c} client${c > 1 ? 's' : ''}`,
        formatRate(api[key]!),
        formatRate(storage[key]!),
        etcd ? formatRate(etcd[key]!) : '—',
        op === 'update' ? 'CAS on resourceVersion / mod_revision' : '~1 KB ConfigMaps',
      ]);
    }
  }
  rows.push([
    `watch delivery to ${N.watchers} watchers`,
    `p50 ${formatMs(watch.p50)}, p99 ${formatMs(watch.p99)}`,
    '—',
    '—',
    `${watch.count} deliveries of ${N.watchWrites} writes`,
  ]);
  rows.push([
    `list ${N.listObjects.toLocaleString('en-US')} objects`,
    formatMs(list.full),
    '—',
    '—',
    'one GET, median of 5',
  ]);
  rows.push([
    `list ${N.listObjects.toLocaleString('en-US')} objects, limit=500`,
    formatMs(list.paged),
    '—',
    '—',
    '20 pages from one snapshot',
  ]);
  rows.push([
    `start-up with ${N.replayObjects.toLocaleString('en-US')} objects`,
    `${replay.serverReadyS.toFixed(2)} s ready (${formatMs(replay.serverWallMs)} wall)`,
    `${formatMs(replay.storeOpenMs)} reopen`,
    '—',
    'wall includes Node start-up',
  ]);
  rows.push([
    'memory per 10,000 objects',
    formatBytes(list.rssPer10k),
    '—',
    '—',
    'RSS growth of the server process',
  ]);

  printTable(['metric', 'capi-ts API server', 'capi-ts storage', `etcd 3.4`, 'notes'], rows);
  console.log(`\netcd: ${etcdNote}`);
}

await main();
