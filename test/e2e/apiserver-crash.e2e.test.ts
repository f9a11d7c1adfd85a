import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startCapiUp } from './helpers/capi-process.js';
import { KubeHttp } from './helpers/kube-http.js';

interface Acked {
  name: string;
  value: string;
  rv: number;
}

const ROUNDS = 4;
const WRITERS = 16;
const CM = '/api/v1/namespaces/default/configmaps';

/**
 * SIGKILLs the management plane at random moments under a concurrent write load, restarts it on the same
 * data directory, and checks what a user relies on: every acknowledged write is there with its value and
 * resourceVersion, nothing half-written is visible, resourceVersions only grow, and a watch can resume from
 * a resourceVersion acknowledged before the crash.
 */
describe('API server crash safety', () => {
  it('keeps every acknowledged write across SIGKILL under concurrent load', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-crash-'));
    const acked = new Map<string, Acked>();
    // Updates sent but not yet answered when the server was killed: either outcome is correct.
    const pending = new Map<string, string>();
    let maxRv = 0;
    let resumeFrom: number | undefined;

    for (let round = 0; round < ROUNDS; round++) {
      const server = await startCapiUp(dataDir);
      const http = await KubeHttp.fromKubeconfig(server.kubeconfig);
      try {
        // Everything acknowledged in earlier rounds survived the kill, exactly as acknowledged.
        const list = await http.send('GET', CM);
        assert.equal(list.code, 200);
        const items = (
          list.body as {
            items: { metadata: { name: string; resourceVersion: string }; data?: Record<string, string> }[];
          }
        ).items;
        const stored = new Map(items.map((i) => [i.metadata.name, i]));
        for (const a of acked.values()) {
          const got = stored.get(a.name);
          assert.ok(got, `acknowledged ${a.name} (rv ${a.rv}) lost after round ${round}`);
          const inFlight = pending.get(a.name);
          if (inFlight !== undefined && got.data?.v === inFlight) {
            // An update whose answer the kill cut off may have become durable: newer, never older.
            assert.ok(Number(got.metadata.resourceVersion) > a.rv);
            acked.set(a.name, { ...a, value: inFlight, rv: Number(got.metadata.resourceVersion) });
            continue;
          }
          assert.equal(got.data?.v, a.value, `${a.name} has a different value than acknowledged`);
          assert.equal(Number(got.metadata.resourceVersion), a.rv, `${a.name} resourceVersion changed`);
        }
        pending.clear();
        for (const item of items)
          assert.equal(typeof item.data?.v, 'string', `half-written object ${item.metadata.name}`);

        // A watch from a resourceVersion acknowledged before the crash resumes with the later changes.
        if (resumeFrom !== undefined) {
          const events = await http.watch(
            `${CM}?watch=true&resourceVersion=${resumeFrom}`,
            (e) => e.length >= 1,
            3000,
          );
          assert.ok(events.length >= 1, 'no events when resuming a watch after restart');
          assert.notEqual(events[0]!.type, 'ERROR', `watch did not resume: ${JSON.stringify(events[0])}`);
          for (const e of events)
            assert.ok(
              Number((e.object.metadata as { resourceVersion: string }).resourceVersion) > resumeFrom,
            );
        }

        // Concurrent writers until the kill; a write counts only once its response arrived.
        let stop = false;
        const writers = Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; !stop; i++) {
            const name = `r${round}-w${w}-${i}`;
            const value = `${round}/${w}/${i}/${'x'.repeat(200)}`;
            try {
              const res = await http.send('POST', CM, { metadata: { name }, data: { v: value } });
              if (res.code !== 201) continue;
              const rv = Number(
                (res.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
              );
              assert.ok(rv > maxRv || acked.size === 0 || rv > 0);
              acked.set(name, { name, value, rv });
              maxRv = Math.max(maxRv, rv);
              if (i % 7 === 3) {
                pending.set(name, `${value}-updated`);
                const upd = await http.send('PUT', `${CM}/${name}`, {
                  metadata: { name, resourceVersion: String(rv) },
                  data: { v: `${value}-updated` },
                });
                if (upd.code === 200) {
                  const rv2 = Number(
                    (upd.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
                  );
                  assert.ok(rv2 > rv);
                  acked.set(name, { name, value: `${value}-updated`, rv: rv2 });
                  pending.delete(name);
                  maxRv = Math.max(maxRv, rv2);
                }
              }
            } catch {
              return; // the server died mid-request: this write was never acknowledged
            }
          }
        });
        const before = maxRv;
        await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 900)));
        resumeFrom = before > 0 ? before : undefined;
        server.child.kill('SIGKILL');
        stop = true;
        await Promise.all(writers);
        assert.equal(await server.exited, 'SIGKILL');
      } finally {
        http.close();
        if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      }
    }
    assert.ok(acked.size > 50, `too few acknowledged writes to mean anything: ${acked.size}`);

    // Final restart: resourceVersions keep growing past everything acknowledged.
    const server = await startCapiUp(dataDir);
    const http = await KubeHttp.fromKubeconfig(server.kubeconfig);
    try {
      const res = await http.send('POST', CM, { metadata: { name: 'final' }, data: { v: 'x' } });
      assert.equal(res.code, 201);
      assert.ok(
        Number((res.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion) > maxRv,
      );
    } finally {
      http.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
