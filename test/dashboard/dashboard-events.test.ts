import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../controller-runtime/helpers/api-server.js';
import { CORE, type DashboardFixture, startDashboardFixture } from './helpers.js';

interface EventStream {
  status: number;
  contentType: string;
  /** Everything received so far. */
  text(): string;
  /** The `change` events received so far, as their data. */
  changes(): unknown[];
  ended: Promise<void>;
  close(): void;
}

/** Opens `/events...` with the bearer token and collects what arrives. */
function openEvents(f: DashboardFixture, path: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${f.base}${path}`, { headers: { Authorization: `Bearer ${f.token}` } }, (res) => {
      let received = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (received += chunk));
      const ended = new Promise<void>((done) => res.once('close', () => done()));
      resolve({
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type']),
        text: () => received,
        changes: () =>
          received
            .split('\n\n')
            .filter((block) => block.startsWith('event: change\n'))
            .map((block) => JSON.parse(block.split('\n')[1]!.replace(/^data: /, '')) as unknown),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

const cluster = (name: string, namespace: string) => ({
  apiVersion: CORE,
  kind: 'Cluster',
  metadata: { name, namespace },
  spec: { paused: false },
});

describe('dashboard live updates (server-sent events)', () => {
  let f: DashboardFixture;
  before(async () => {
    f = await startDashboardFixture({ keepAliveMs: 150, feed: { lingerMs: 0 } });
  });
  after(async () => {
    await f.stop();
  });

  it('sends `change` after an object changes, keeps idle streams alive, and watches only while a page listens', async () => {
    assert.equal(f.dashboard.watching, false, 'no page, no watches');
    const stream = await openEvents(f, '/events');
    try {
      assert.equal(stream.status, 200);
      assert.match(stream.contentType, /^text\/event-stream/);
      assert.equal(f.dashboard.watching, true);
      assert.equal(f.dashboard.connectedPages, 1);
      // Let the watches start from the current resourceVersion before changing anything.
      await sleep(500);
      assert.deepEqual(stream.changes(), [], 'existing objects are not replayed');
      await eventually(() => stream.text().includes(': keep-alive\n\n'), 'a keep-alive comment');

      await f.client.create(cluster('live-1', 'fleet-a'));
      await eventually(() => stream.changes().length > 0, 'a change event', 5000);
      assert.deepEqual(stream.changes()[0], { kinds: ['Cluster'] });

      // Events count too: a Warning about a Machine changes what its page shows.
      const before = stream.changes().length;
      await f.client.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'm.1', namespace: 'fleet-a' },
        involvedObject: { kind: 'Machine', name: 'm', namespace: 'fleet-a' },
        reason: 'Something',
        message: 'happened',
        type: 'Normal',
      });
      await eventually(() => stream.changes().length > before, 'a change event for an Event', 5000);
      assert.deepEqual(stream.changes().at(-1), { kinds: ['Event'] });
    } finally {
      stream.close();
    }
    await eventually(() => !f.dashboard.watching, 'the watches to stop once no page listens');
    assert.equal(f.dashboard.connectedPages, 0);
  });

  it('sends at most about one `change` a second, however many objects change', async () => {
    const stream = await openEvents(f, '/events');
    try {
      await sleep(500);
      for (let i = 0; i < 12; i++) await f.client.create(cluster(`burst-${i}`, 'fleet-b'));
      await sleep(1500);
      const changes = stream.changes().length;
      assert.ok(changes >= 1 && changes <= 3, `${changes} change events for 12 writes`);
    } finally {
      stream.close();
    }
  });

  it('with ?namespace=, only changes in that namespace count', async () => {
    const stream = await openEvents(f, '/events?namespace=fleet-b');
    try {
      await sleep(500);
      await f.client.create(cluster('elsewhere', 'fleet-a'));
      await sleep(1200);
      assert.deepEqual(stream.changes(), [], 'a change in fleet-a is not news for a page of fleet-b');
      await f.client.create(cluster('here', 'fleet-b'));
      await eventually(() => stream.changes().length > 0, 'a change event for fleet-b', 5000);
    } finally {
      stream.close();
    }
  });

  it('ends open streams when the server stops', async () => {
    const other = await startDashboardFixture();
    const stream = await openEvents(other, '/events');
    assert.equal(other.dashboard.watching, true);
    await other.stop();
    await stream.ended;
    assert.equal(other.dashboard.watching, false);
  });
});
