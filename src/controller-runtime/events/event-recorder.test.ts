import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import type { KubeObject } from '../api/object.js';
import { NotFoundError } from '../client/errors.js';
import { FakeClient } from '../helpers/testing/fake-client.js';
import { createLogger, silentLogger } from '../log/logger.js';
import {
  type CoreEvent,
  EventRecorder,
  type EventRecorderOptions,
  MAX_EVENT_MESSAGE_LENGTH,
} from './event-recorder.js';

const EVENT = { apiVersion: 'v1', kind: 'Event' };

const machine: KubeObject = {
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Machine',
  metadata: { namespace: 'ns', name: 'm0', uid: 'uid-m0', resourceVersion: '42' },
};

/** A clock the test moves by hand. */
function clock(start = '2025-03-01T10:00:00Z') {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

function recorder(fake: FakeClient, extra: Partial<EventRecorderOptions> = {}): EventRecorder {
  return new EventRecorder({
    client: fake,
    component: 'capi-controller-manager',
    instance: 'capi-controller-manager-abc',
    host: 'node-1',
    logger: silentLogger(),
    ...extra,
  });
}

/** Log lines as objects, for asserting that problems are reported rather than thrown. */
function capturingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as { level: string; msg: string });
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

describe('EventRecorder', () => {
  it('writes a core/v1 Event describing the object', async () => {
    const fake = new FakeClient();
    const t = clock();
    const r = recorder(fake, { now: t.now });
    r.event(machine, 'Normal', 'SuccessfulCreate', 'Created bootstrap config');
    await r.flush();

    const [event] = fake.peekAll<CoreEvent>(EVENT);
    assert.ok(event);
    assert.match(event.metadata.name!, /^m0\.[0-9a-f]+$/);
    assert.equal(event.metadata.namespace, 'ns');
    assert.deepEqual(event.involvedObject, {
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Machine',
      name: 'm0',
      namespace: 'ns',
      uid: 'uid-m0',
      resourceVersion: '42',
    });
    assert.equal(event.type, 'Normal');
    assert.equal(event.reason, 'SuccessfulCreate');
    assert.equal(event.message, 'Created bootstrap config');
    assert.deepEqual(event.source, { component: 'capi-controller-manager', host: 'node-1' });
    assert.equal(event.reportingComponent, 'capi-controller-manager');
    assert.equal(event.reportingInstance, 'capi-controller-manager-abc');
    assert.equal(event.firstTimestamp, '2025-03-01T10:00:00Z');
    assert.equal(event.lastTimestamp, '2025-03-01T10:00:00Z');
    assert.equal(event.count, 1);
  });

  it('turns repeats into one Event with a count', async () => {
    const fake = new FakeClient();
    const t = clock();
    const r = recorder(fake, { now: t.now });
    r.event(machine, 'Warning', 'DrainFailed', 'pod p0 blocks eviction');
    t.advance(30_000);
    r.event(machine, 'Warning', 'DrainFailed', 'pod p0 blocks eviction');
    t.advance(30_000);
    r.event(machine, 'Warning', 'DrainFailed', 'pod p0 blocks eviction');
    await r.flush();

    const events = fake.peekAll<CoreEvent>(EVENT);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.count, 3);
    assert.equal(events[0]!.firstTimestamp, '2025-03-01T10:00:00Z');
    assert.equal(events[0]!.lastTimestamp, '2025-03-01T10:01:00Z');
    assert.deepEqual(
      fake.writes().map((w) => w.verb),
      ['create', 'patch', 'patch'],
    );
  });

  it('keeps different messages, reasons, types and objects apart', async () => {
    const fake = new FakeClient();
    const r = recorder(fake);
    r.event(machine, 'Warning', 'DrainFailed', 'a');
    r.event(machine, 'Warning', 'DrainFailed', 'b');
    r.event(machine, 'Warning', 'Other', 'a');
    r.event(machine, 'Normal', 'DrainFailed', 'a');
    r.event(
      { ...machine, metadata: { ...machine.metadata, name: 'm1', uid: 'uid-m1' } },
      'Warning',
      'DrainFailed',
      'a',
    );
    await r.flush();
    assert.equal(fake.peekAll(EVENT).length, 5);
  });

  it('starts a new Event when the repeat comes after the aggregation window', async () => {
    const fake = new FakeClient();
    const t = clock();
    const r = recorder(fake, { now: t.now });
    r.event(machine, 'Normal', 'Scaled', 'x');
    t.advance(11 * 60 * 1000);
    r.event(machine, 'Normal', 'Scaled', 'x');
    await r.flush();
    const events = fake.peekAll<CoreEvent>(EVENT);
    assert.equal(events.length, 2);
    assert.deepEqual(
      events.map((e) => e.count),
      [1, 1],
    );
  });

  it('recreates the Event when the old one expired on the server', async () => {
    const fake = new FakeClient();
    const r = recorder(fake);
    r.event(machine, 'Normal', 'Scaled', 'x');
    await r.flush();
    await fake.deleteAllOf(EVENT, {});
    r.event(machine, 'Normal', 'Scaled', 'x');
    await r.flush();
    const events = fake.peekAll<CoreEvent>(EVENT);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.count, 2);
  });

  it('forgets the least recently seen events beyond the cache size', async () => {
    const fake = new FakeClient();
    const r = recorder(fake, { maxCachedEvents: 2 });
    for (const message of ['a', 'b', 'c', 'a']) r.event(machine, 'Normal', 'R', message);
    await r.flush();
    // 'a' was evicted by 'c', so its repeat creates a second Event.
    assert.equal(fake.peekAll(EVENT).length, 4);
  });

  it('puts events about cluster-scoped objects in the default namespace', async () => {
    const fake = new FakeClient();
    const r = recorder(fake);
    r.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u' } }, 'Normal', 'Ready', 'up');
    await r.flush();
    const [event] = fake.peekAll<CoreEvent>(EVENT);
    assert.equal(event!.metadata.namespace, 'default');
    assert.equal('namespace' in event!.involvedObject, false);
  });

  it('caps long messages', async () => {
    const fake = new FakeClient();
    const r = recorder(fake);
    r.event(machine, 'Warning', 'Long', 'x'.repeat(5000));
    await r.flush();
    assert.equal(fake.peekAll<CoreEvent>(EVENT)[0]!.message.length, MAX_EVENT_MESSAGE_LENGTH);
  });

  it('formats eventf messages like Go', async () => {
    const fake = new FakeClient();
    const r = recorder(fake);
    r.eventf(machine, 'Normal', 'Scaled', 'Scaled %s from %d to %d (%q)', 'ms-1', 2, 3, 'up');
    await r.flush();
    assert.equal(fake.peekAll<CoreEvent>(EVENT)[0]!.message, 'Scaled ms-1 from 2 to 3 ("up")');
  });

  it('never throws into the caller, and logs write failures', async () => {
    const fake = new FakeClient();
    fake.addReactor(() => {
      throw new NotFoundError({ reason: 'NotFound', message: 'namespaces "ns" not found' }, 404);
    });
    const { logger, lines } = capturingLogger();
    const r = recorder(fake, { logger });
    assert.doesNotThrow(() => r.event(machine, 'Normal', 'X', 'y'));
    await r.flush();
    assert.ok(lines.some((l) => l.level === 'error' && l.msg === 'failed to write event'));
  });

  it('does not wait for the API server: event() returns while writes are pending', async () => {
    const fake = new FakeClient();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    fake.addReactor(() => gate);
    const r = recorder(fake);
    r.event(machine, 'Normal', 'X', 'y');
    assert.equal(fake.peekAll(EVENT).length, 0);
    release();
    await r.flush();
    assert.equal(fake.peekAll(EVENT).length, 1);
  });

  it('drops events with a warning when the queue is full', async () => {
    const fake = new FakeClient();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    fake.addReactor(() => gate);
    const { logger, lines } = capturingLogger();
    const r = recorder(fake, { logger, maxQueuedEvents: 2 });
    // The first is taken by the writer at once; two more fit in the queue; the rest are dropped.
    for (let i = 0; i < 6; i++) r.event(machine, 'Normal', 'X', `m${i}`);
    release();
    await r.flush();
    assert.equal(fake.peekAll(EVENT).length, 3);
    assert.equal(
      lines.filter((l) => l.level === 'warn' && l.msg === 'event queue full; dropping event').length,
      3,
    );
  });

  it('ignores events after close, having written the queued ones', async () => {
    const fake = new FakeClient();
    const r = recorder(fake);
    r.event(machine, 'Normal', 'X', 'before');
    await r.close();
    r.event(machine, 'Normal', 'X', 'after');
    await r.flush();
    assert.deepEqual(
      fake.peekAll<CoreEvent>(EVENT).map((e) => e.message),
      ['before'],
    );
  });

  it('drops events about objects it cannot reference', async () => {
    const fake = new FakeClient();
    const { logger, lines } = capturingLogger();
    const r = recorder(fake, { logger });
    r.event({ metadata: { name: 'x' } }, 'Normal', 'X', 'y');
    await r.flush();
    assert.equal(fake.requests.length, 0);
    assert.ok(lines.some((l) => l.level === 'warn'));
  });
});
