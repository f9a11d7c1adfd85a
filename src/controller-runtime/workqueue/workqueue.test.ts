import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import { type ControllerRuntimeMetrics, metricsFor } from '../metrics/metrics.js';
import { FakeClock } from './clock.js';
import { ItemExponentialFailureRateLimiter, type RateLimiter } from './rate-limiters.js';
import { LOW_PRIORITY, type WorkItem, WorkQueue } from './workqueue.js';

/** Each test reports to its own registry so counts do not leak between tests. */
const freshMetrics = (): ControllerRuntimeMetrics => metricsFor(new Registry());

function queue(name: string, rateLimiter?: RateLimiter<string>): WorkQueue {
  return new WorkQueue({ name, metrics: freshMetrics(), rateLimiter });
}

/** Whether `promise` settles within `ms`; used to show a `get` is (still) waiting. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([promise.then(() => true), sleep(ms).then(() => false)]);
}

async function keyOf(promise: Promise<WorkItem | undefined>): Promise<string | undefined> {
  return (await promise)?.key;
}

const refTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('WorkQueue', () => {
  it('keeps one entry per waiting key however often it is added', async () => {
    const q = queue('dedupe');
    q.add('a');
    q.add('b');
    q.add('a');
    q.addAfter('a', 10);
    assert.equal(q.len(), 2);
    assert.equal(await keyOf(q.get()), 'a');
    assert.equal(await keyOf(q.get()), 'b');
    assert.equal(q.len(), 0);
    q.done('a');
    q.done('b');
    await sleep(30);
    assert.equal(q.len(), 0, 'the delayed re-add was merged into the entry already handed out');
    q.shutdown();
  });

  it('merging keeps the higher priority and the earlier ready time', async () => {
    const q = queue('merge');
    q.add('p', { priority: LOW_PRIORITY });
    q.add('p', { priority: 10 });
    q.add('p', { priority: 0 });
    q.add('q', { priority: 5 });
    assert.deepEqual(await q.get(), { key: 'p', priority: 10 });

    const start = performance.now();
    q.addAfter('sooner', 5_000);
    q.addAfter('sooner', 30);
    q.addAfter('later', 30);
    q.addAfter('later', 5_000);
    assert.equal(await keyOf(q.get()), 'q');
    const got = [await keyOf(q.get()), await keyOf(q.get())].sort();
    assert.deepEqual(got, ['later', 'sooner']);
    assert.ok(performance.now() - start < 1_000, 'both came at the earlier time, not after 5 s');
    q.shutdown();
  });

  it('hands out higher priorities first, FIFO within a priority', async () => {
    const q = queue('priority');
    q.add('resync-1', { priority: LOW_PRIORITY });
    q.add('change-1');
    q.add('urgent', { priority: 10 });
    q.add('change-2');
    q.add('resync-2', { priority: LOW_PRIORITY });
    q.add('resync-3', { priority: LOW_PRIORITY });
    q.add('change-1', { priority: LOW_PRIORITY }); // does not demote
    q.add('resync-3', { priority: 10 }); // promotes, behind the key already at 10
    const order: string[] = [];
    while (q.len() > 0) order.push((await q.get())?.key ?? 'none');
    assert.deepEqual(order, ['urgent', 'resync-3', 'change-1', 'change-2', 'resync-1', 'resync-2']);
    q.shutdown();
  });

  it('hands a key re-added while processing out again after done, exactly once', async () => {
    const q = queue('readd');
    q.add('a');
    assert.equal(await keyOf(q.get()), 'a');
    q.add('a');
    q.add('a', { priority: 5 });
    assert.equal(q.len(), 1);

    const next = q.get();
    assert.equal(await settlesWithin(next, 30), false, 'a is in flight, so nobody else may have it');
    q.add('b');
    assert.equal(await keyOf(next), 'b', 'other keys are not held up behind it');

    const again = q.get();
    assert.equal(await settlesWithin(again, 30), false);
    q.done('a');
    assert.deepEqual(await again, { key: 'a', priority: 5 });
    q.done('a');
    q.done('b');
    assert.equal(q.len(), 0);
    const nothing = q.get();
    assert.equal(await settlesWithin(nothing, 30), false, 'handed out once, not once per add');
    q.shutdown();
    assert.equal(await nothing, undefined);
  });

  it('never hands one key to two concurrent consumers, and processes every add after it happened', async () => {
    const q = queue('concurrent');
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const keys = ['a', 'b', 'c', 'd', 'e'];
    let clock = 0;
    const lastAdded = new Map<string, number>();
    const lastStarted = new Map<string, number>();
    const inFlight = new Set<string>();
    let overlaps = 0;
    let processed = 0;
    const addKey = (key: string): void => {
      lastAdded.set(key, clock++);
      q.add(key);
    };

    const consumer = async (): Promise<void> => {
      for (let item = await q.get(); item; item = await q.get()) {
        const { key } = item;
        if (inFlight.has(key)) overlaps++;
        inFlight.add(key);
        lastStarted.set(key, clock++);
        await sleep(random(3));
        if (random(4) === 0) addKey(key); // a reconcile that requeues itself
        inFlight.delete(key);
        processed++;
        q.done(key);
      }
    };
    const consumers = Array.from({ length: 4 }, consumer);

    for (let i = 0; i < 300; i++) {
      addKey(keys[random(keys.length)] ?? 'a');
      if (i % 10 === 0) await sleep(1);
    }
    while (q.len() > 0 || inFlight.size > 0) await sleep(5);
    await q.shutdownWithDrain();
    await Promise.all(consumers);

    assert.equal(overlaps, 0);
    assert.ok(processed >= keys.length);
    for (const key of keys) {
      assert.ok(
        (lastStarted.get(key) ?? -1) > (lastAdded.get(key) ?? Infinity),
        `${key} was processed after its last add`,
      );
    }
  });

  it('hands delayed keys out at their time, on one timer for all of them', async () => {
    const q = queue('delayed');
    const start = performance.now();
    const elapsed = (): number => performance.now() - start;
    q.addAfter('late', 120);
    q.addAfter('early', 40);
    q.add('now');
    assert.equal(q.len(), 1, 'delayed keys are not counted until due');

    assert.equal(await keyOf(q.get()), 'now');
    assert.ok(elapsed() < 30);
    assert.equal(await keyOf(q.get()), 'early');
    const early = elapsed();
    assert.ok(early >= 35 && early < 40 + 150, `early after ${early} ms`);
    assert.equal(await keyOf(q.get()), 'late');
    const late = elapsed();
    assert.ok(late >= 115 && late < 120 + 150, `late after ${late} ms`);

    // While someone waits in get the timer is ref'd, so it shows up among the active resources.
    const before = refTimers();
    const waiting = q.get();
    for (let i = 0; i < 50; i++) q.addAfter(`k${i}`, 200 + i);
    assert.equal(refTimers(), before + 1);
    q.shutdown();
    assert.equal(refTimers(), before, 'shutdown leaves no timer behind');
    assert.equal(await waiting, undefined);
  });

  it('delays addRateLimited by the rate limiter and passes forget and numRequeues through', async () => {
    const q = queue('ratelimited', new ItemExponentialFailureRateLimiter({ baseDelayMs: 40 }));
    const start = performance.now();
    q.addRateLimited('a');
    assert.equal(q.len(), 0);
    assert.equal(q.numRequeues('a'), 1);
    assert.equal(await keyOf(q.get()), 'a');
    assert.ok(performance.now() - start >= 35);
    q.done('a');
    q.forget('a');
    assert.equal(q.numRequeues('a'), 0);
    q.shutdown();
  });

  it('withdraws only the aborted caller from get', async () => {
    const q = queue('abort');
    const controller = new AbortController();
    const aborted = q.get(controller.signal);
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    q.add('x');
    assert.equal(q.len(), 1, 'the aborted caller did not swallow the key');
    assert.equal(await keyOf(q.get()), 'x');
    await assert.rejects(q.get(AbortSignal.abort()), { name: 'AbortError' });
    q.shutdown();
  });

  it('shutdown releases waiting callers and stops handing out or accepting keys', async () => {
    const q = queue('shutdown');
    q.add('in-flight');
    assert.equal(await keyOf(q.get()), 'in-flight');
    const waiting = [q.get(), q.get()];
    q.add('in-flight'); // waits for its earlier run to be done
    q.addAfter('delayed', 20);
    assert.equal(q.len(), 1);
    q.shutdown();
    assert.equal(q.shuttingDown, true);
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
    q.add('after');
    q.done('in-flight');
    await sleep(40);
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
  });

  it('shutdownWithDrain resolves once every handed-out key is done', async () => {
    const q = queue('drain');
    q.add('a');
    q.add('b');
    q.add('c');
    assert.equal(await keyOf(q.get()), 'a');
    assert.equal(await keyOf(q.get()), 'b');
    let drained = false;
    const drain = q.shutdownWithDrain().then(() => (drained = true));
    assert.equal(await q.get(), undefined, 'no more keys once draining');
    q.add('d');
    assert.equal(q.len(), 0);
    await sleep(20);
    assert.equal(drained, false);
    q.done('a');
    await sleep(20);
    assert.equal(drained, false);
    q.done('b');
    await drain;
    assert.equal(drained, true);
    await q.shutdownWithDrain(); // already drained: resolves at once
  });

  it('reports workqueue metrics under the queue name, with depth per priority', async () => {
    const registry = new Registry();
    const clock = new FakeClock();
    const q = new WorkQueue({
      name: 'machine',
      metrics: metricsFor(registry),
      clock,
      // A zero delay keeps addRateLimited deterministic under the fake clock.
      rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 0 }),
    });
    const read = async (
      metric: string,
      series = metric,
      extra: Record<string, string> = {},
    ): Promise<number> =>
      sample(await registry.getSingleMetricAsString(metric), series, {
        name: 'machine',
        controller: 'machine',
        ...extra,
      });

    q.add('a');
    q.add('b', { priority: LOW_PRIORITY });
    q.add('a');
    assert.equal(await read('workqueue_depth', undefined, { priority: '0' }), 1);
    assert.equal(await read('workqueue_depth', undefined, { priority: '-100' }), 1);
    assert.equal(await read('workqueue_adds_total'), 2);

    clock.advance(2_000);
    assert.equal(await keyOf(q.get()), 'a');
    assert.equal(await read('workqueue_depth', undefined, { priority: '0' }), 0);
    assert.equal(await read('workqueue_queue_duration_seconds', 'workqueue_queue_duration_seconds_sum'), 2);

    q.addRateLimited('a');
    assert.equal(await read('workqueue_retries_total'), 1);
    assert.equal(await read('workqueue_adds_total'), 3);
    clock.advance(3_000);
    q.done('a');
    assert.equal(await read('workqueue_work_duration_seconds', 'workqueue_work_duration_seconds_sum'), 3);

    assert.equal(await keyOf(q.get()), 'a');
    assert.equal(await keyOf(q.get()), 'b');
    // a waited 3 s (since addRateLimited), b 5 s (since the start).
    assert.equal(
      await read('workqueue_queue_duration_seconds', 'workqueue_queue_duration_seconds_sum'),
      2 + 3 + 5,
    );
    assert.equal(await read('workqueue_queue_duration_seconds', 'workqueue_queue_duration_seconds_count'), 3);

    clock.advance(4_000);
    await sleep(600); // one refresh of the unfinished-work gauges
    assert.equal(await read('workqueue_unfinished_work_seconds'), 8);
    assert.equal(await read('workqueue_longest_running_processor_seconds'), 4);

    q.done('a');
    q.done('b');
    assert.equal(await read('workqueue_unfinished_work_seconds'), 0);
    assert.equal(await read('workqueue_longest_running_processor_seconds'), 0);
    assert.equal(await read('workqueue_work_duration_seconds', 'workqueue_work_duration_seconds_count'), 3);

    q.add('c', { priority: 7 });
    assert.equal(await read('workqueue_depth', undefined, { priority: '7' }), 1);
    q.shutdown();
    assert.equal(
      await read('workqueue_depth', undefined, { priority: '7' }),
      0,
      'dropped keys leave the depth',
    );
  });
});

describe('WorkQueue and process exit', () => {
  const index = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'index.ts')).href;
  const runModule = (source: string): Promise<{ code: number; stdout: string }> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', `import { WorkQueue } from '${index}';\n${source}`],
        { timeout: 20_000 },
        (err, stdout) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout }),
      );
    });

  it('keeps the process alive for a delayed key while someone awaits get', async () => {
    // Were the timer unref'd, Node would exit with 13 (unsettled top-level await) before it fired.
    const { code, stdout } = await runModule(
      `const q = new WorkQueue({ name: 'alive' });
       q.addAfter('late', 50);
       console.log((await q.get())?.key);`,
    );
    assert.equal(code, 0);
    assert.equal(stdout.trim(), 'late');
  });

  it('does not keep the process alive otherwise', async () => {
    const start = performance.now();
    const { code, stdout } = await runModule(
      `const q = new WorkQueue({ name: 'idle' });
       q.add('busy');
       await q.get();
       q.addAfter('later', 60_000);
       q.addRateLimited('retry');
       console.log('end');`,
    );
    assert.equal(code, 0);
    assert.equal(stdout.trim(), 'end');
    assert.ok(performance.now() - start < 15_000);
  });
});

/** The value of one series in Prometheus text format, matched on its name and exact label set. */
function sample(text: string, series: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== series) continue;
    const found: Record<string, string> = {};
    for (const [, key = '', value = ''] of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) found[key] = value;
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort())) {
      return Number(match[3]);
    }
  }
  assert.fail(`no ${series} ${JSON.stringify(labels)} in:\n${text}`);
}
