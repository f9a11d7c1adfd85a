/**
 * The writer of the controller-runtime benchmark, forked by `controller-bench.ts` into its own process so
 * its requests do not share an event loop with the manager under test. It updates ConfigMaps with a merge
 * patch that embeds the send time (`data.t`, wall clock in ms) and a unique `data.seq`, either at a fixed
 * rate (open loop: a write is sent on schedule whether or not the previous ones were answered) or as a
 * burst with a fixed number of writes in flight, and reports each write's send and acknowledgement times.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient } from '../src/controller-runtime/client/kube-client.js';
import { wallNow } from './wall-clock.js';

export interface WriteRecord {
  seq: string;
  sentAt: number;
  ackAt: number;
}

export type WriterRequest =
  | { type: 'init'; kubeconfigPath: string; namespace: string }
  | { type: 'clock'; id: number }
  | {
      type: 'run';
      id: number;
      /** One write per name, in order; `data.seq` is `${tag}-${index}`. */
      names: string[];
      tag: string;
      /** Open-loop rate; absent: as fast as `maxInFlight` allows. */
      ratePerSecond?: number;
      maxInFlight: number;
    }
  | { type: 'exit' };

export type WriterReply =
  | { type: 'ready' }
  | { type: 'clock'; id: number; now: number }
  | { type: 'done'; id: number; writes: WriteRecord[]; errors: string[]; elapsedMs: number }
  | { type: 'failed'; message: string };

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
let client: KubeClient | undefined;
let namespace = '';

function reply(message: WriterReply): void {
  process.send?.(message);
}

/** Opens `n` keep-alive connections (TLS handshakes happen here, not during the measured writes). */
async function warm(c: KubeClient, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, () => c.list(CONFIG_MAP, { namespace, limit: 1 }).then(() => undefined)),
  );
}

async function run(c: KubeClient, request: Extract<WriterRequest, { type: 'run' }>): Promise<WriterReply> {
  await warm(c, request.maxInFlight);
  const writes: WriteRecord[] = [];
  const errors: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const interval = request.ratePerSecond ? 1000 / request.ratePerSecond : 0;
  const start = wallNow() + 5;
  for (let i = 0; i < request.names.length; i++) {
    if (interval > 0) {
      const wait = start + i * interval - wallNow();
      if (wait >= 1) await sleep(wait);
    }
    while (inFlight.size >= request.maxInFlight) await Promise.race(inFlight);
    const seq = `${request.tag}-${i}`;
    const sentAt = wallNow();
    const write: Promise<void> = c
      .patch(
        { ...CONFIG_MAP, metadata: { name: request.names[i], namespace } },
        { type: 'merge', data: { data: { t: String(sentAt), seq } } },
      )
      .then(
        () => {
          writes.push({ seq, sentAt, ackAt: wallNow() });
        },
        (err: unknown) => {
          errors.push(err instanceof Error ? err.message : String(err));
        },
      )
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
  }
  await Promise.all(inFlight);
  return { type: 'done', id: request.id, writes, errors, elapsedMs: wallNow() - start };
}

async function handle(message: WriterRequest): Promise<void> {
  switch (message.type) {
    case 'init': {
      namespace = message.namespace;
      const base = KubeClient.fromKubeconfig({ kubeconfigPath: message.kubeconfigPath });
      // Same high client-side limit as the manager: the writer must not be throttled by its own client.
      client = new KubeClient({ ...base.config, qps: 5000, burst: 10_000 });
      base.close();
      await warm(client, 4);
      reply({ type: 'ready' });
      return;
    }
    case 'clock':
      reply({ type: 'clock', id: message.id, now: wallNow() });
      return;
    case 'run':
      if (!client) throw new Error('run before init');
      reply(await run(client, message));
      return;
    case 'exit':
      process.disconnect();
      return;
  }
}

if (!process.send) throw new Error('controller-writer.ts runs as a forked child of controller-bench.ts');
// The parent went away (finished or crashed): do not linger on open keep-alive sockets.
process.once('disconnect', () => {
  client?.close();
  process.exit(0);
});
process.on('message', (message: WriterRequest) => {
  handle(message).catch((err: unknown) => {
    reply({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
});
