import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RevisionedStore } from './revisioned-store.js';

const writerScript = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));

type Op = { type: 'put'; value: string } | { type: 'delete' };

interface KeyHistory {
  /** The last acknowledged operation and its revision. */
  acked?: Op & { revision: number };
  /** An operation issued after it that was not acknowledged before the kill (at most one per worker). */
  inflight?: Op;
}

interface Round {
  readyRevision: number | undefined;
  acks: number[];
}

/** Runs one writer process and SIGKILLs it after `killAfterMs` (counted from its "ready" line). */
function runRound(
  dir: string,
  round: number,
  killAfterMs: number,
  model: Map<string, KeyHistory>,
): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, String(round), '16'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result: Round = { readyRevision: undefined, acks: [] };
    let pending = '';
    let stderr = '';
    const onLine = (line: string): void => {
      const [kind, a, b, c] = line.split(' ');
      if (kind === 'ready') {
        result.readyRevision = Number(a);
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      } else if (kind === 'begin') {
        const history = model.get(b!) ?? {};
        history.inflight = a === 'put' ? { type: 'put', value: c! } : { type: 'delete' };
        model.set(b!, history);
      } else if (kind === 'ack') {
        const revision = Number(b);
        const history = model.get(c!)!;
        history.acked = { ...history.inflight!, revision };
        history.inflight = undefined;
        result.acks.push(revision);
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) onLine(line);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    // A safety net in case the child never gets ready.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    // 'close' fires after the process is reaped and its pipes drained, so every printed ack is in.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) onLine(pending);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (${code}): ${stderr}`));
      else resolve(result);
    });
  });
}

describe('durable store under SIGKILL', () => {
  it('keeps every acknowledged write, with its revision, across repeated kills', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'capi-storage-crash-'));
    const model = new Map<string, KeyHistory>();
    let lastRevision = 1;
    let totalAcks = 0;
    try {
      const killDelays = [250, 40, 400, 0, 150];
      for (const [round, delay] of killDelays.entries()) {
        const { readyRevision, acks } = await runRound(dir, round, delay, model);
        totalAcks += acks.length;
        if (readyRevision !== undefined) {
          assert.equal(
            readyRevision,
            lastRevision,
            `round ${round} reopened at the revision the last check saw`,
          );
        }
        for (const revision of acks)
          assert.ok(revision > lastRevision, `round ${round}: revision ${revision} reused`);

        const store = await RevisionedStore.open({ dir, retention: false });
        try {
          const maxAcked = Math.max(lastRevision, ...acks);
          assert.ok(store.currentRevision >= maxAcked, `lost acknowledged revision ${maxAcked}`);
          for (const [key, history] of model) {
            const kv = store.get(key);
            const { acked, inflight } = history;
            const matchesAcked =
              acked === undefined
                ? kv === undefined
                : acked.type === 'delete'
                  ? kv === undefined
                  : kv?.value === acked.value && kv.modRevision === acked.revision;
            const matchesInflight =
              inflight !== undefined &&
              (inflight.type === 'delete' ? kv === undefined : kv?.value === inflight.value);
            assert.ok(
              matchesAcked || matchesInflight,
              `round ${round}: ${key} is ${JSON.stringify(kv)}, acked ${JSON.stringify(acked)}`,
            );
            // What is on disk is now the truth the next round builds on.
            if (matchesInflight && !matchesAcked) {
              history.acked =
                inflight.type === 'delete'
                  ? { type: 'delete', revision: 0 }
                  : { ...inflight, revision: kv!.modRevision };
            }
            history.inflight = undefined;
          }
          lastRevision = store.currentRevision;
        } finally {
          await store.close();
        }
      }
      assert.ok(totalAcks > 100, `only ${totalAcks} writes were acknowledged; the test proved little`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
