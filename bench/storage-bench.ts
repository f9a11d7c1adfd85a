/**
 * Storage throughput and latency: `node --import tsx bench/storage-bench.ts [dir]`.
 * Durable creates with 1 and 64 concurrent writers (group commit), updates, lists over 10k keys, reopen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RevisionedStore } from '../src/apiserver/storage/index.js';

const value = JSON.stringify({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Machine',
  metadata: { name: 'm', namespace: 'default', labels: { a: 'b' } },
  spec: { clusterName: 'c', bootstrap: { dataSecretName: 's' }, padding: 'x'.repeat(1500) },
});

async function writers(
  store: RevisionedStore,
  prefix: string,
  concurrency: number,
  total: number,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        await store.create(`${prefix}${String(i).padStart(6, '0')}`, value);
      }
    }),
  );
  return (total / (performance.now() - start)) * 1000;
}

const root = process.argv[2] ?? (await mkdtemp(path.join(tmpdir(), 'capi-storage-bench-')));
const dir = path.join(root, 'data');
try {
  const store = await RevisionedStore.open({ dir });
  const c1 = await writers(store, '/registry/a/', 1, 2000);
  const c64 = await writers(store, '/registry/b/', 64, 20_000);
  console.log(
    `durable creates/s: 1 writer ${c1.toFixed(0)}, 64 writers ${c64.toFixed(0)} (~${value.length} B values)`,
  );

  const startUpdates = performance.now();
  const kvs = store.range('/registry/b/', { limit: 5000 }).kvs;
  await Promise.all(kvs.map((kv) => store.update(kv.key, value.replace('"c"', '"d"'), kv.modRevision)));
  console.log(
    `durable updates/s (5000 at once): ${((5000 / (performance.now() - startUpdates)) * 1000).toFixed(0)}`,
  );

  const t0 = performance.now();
  for (let i = 0; i < 20; i++) store.range('/registry/b/', { limit: 10_000 });
  console.log(`range 10,000 of 20,000 keys: ${((performance.now() - t0) / 20).toFixed(2)} ms`);
  const old = store.currentRevision - 5000;
  const t1 = performance.now();
  store.range('/registry/b/', { revision: old, limit: 10_000 });
  console.log(`range 10,000 keys at a revision 5,000 writes back: ${(performance.now() - t1).toFixed(2)} ms`);
  await store.close();

  const t2 = performance.now();
  const reopened = await RevisionedStore.open({ dir });
  console.log(
    `reopen ${reopened.stats.keys} keys, ${reopened.recovery?.replayedRecords} log records: ${(performance.now() - t2).toFixed(0)} ms`,
  );
  await reopened.close();
} finally {
  if (!process.argv[2]) await rm(root, { recursive: true, force: true });
}
