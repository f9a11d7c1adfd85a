import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { ControllerBuilder } from '../../src/controller-runtime/controller/builder.js';
import { generationChangedPredicate } from '../../src/controller-runtime/controller/predicates.js';
import { type Request, TerminalError } from '../../src/controller-runtime/controller/reconciler.js';
import { PassThrough } from 'node:stream';
import { createLogger, silentLogger } from '../../src/controller-runtime/log/logger.js';
import { Manager, type ManagerOptions } from '../../src/controller-runtime/manager/manager.js';
import { ItemExponentialFailureRateLimiter } from '../../src/controller-runtime/workqueue/index.js';
import {
  CONFIG_MAP,
  eventually,
  startTestApiServer,
  type TestApiServer,
  WIDGET,
} from './helpers/api-server.js';

const SECRET = { apiVersion: 'v1', kind: 'Secret' } as const;

async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .filter(
      (v) =>
        !('metricName' in v) ||
        (v as { metricName?: string }).metricName === name ||
        (v as { metricName?: string }).metricName === undefined,
    )
    .reduce((sum, v) => sum + v.value, 0);
}

describe('controllers and the manager against the embedded API server', () => {
  let api: TestApiServer;
  let ns = 0;
  const namespace = async (): Promise<string> => {
    const name = `ctrl-${++ns}`;
    await api.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  };
  const manager = (options: Partial<ManagerOptions> = {}): Manager =>
    new Manager({
      restConfig: { ...api.client.config, qps: 1000, burst: 2000 },
      registry: new Registry(),
      logger: silentLogger(),
      ...options,
    });

  before(async () => {
    api = await startTestApiServer({ widgets: true });
  });
  after(async () => {
    await api?.stop();
  });

  it('never reconciles one key on two workers at once, while using several workers', async () => {
    const ns1 = await namespace();
    const mgr = manager();
    const inFlight = new Set<string>();
    let overlaps = 0;
    let maxParallel = 0;
    let reconciles = 0;
    const lastSeen = new Map<string, string>();
    new ControllerBuilder(mgr)
      .for(CONFIG_MAP)
      .withOptions({ maxConcurrentReconciles: 4 })
      .complete({
        reconcile: async (req: Request) => {
          const key = `${req.namespace}/${req.name}`;
          if (inFlight.has(key)) overlaps++;
          inFlight.add(key);
          maxParallel = Math.max(maxParallel, inFlight.size);
          const cm = await mgr.client.get<KubeObject & { data?: Record<string, string> }>(CONFIG_MAP, req);
          await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
          lastSeen.set(key, cm.data?.n ?? '');
          inFlight.delete(key);
          reconciles++;
        },
      });
    const abort = new AbortController();
    const run = mgr.start(abort.signal);
    await mgr.elected();
    const names = Array.from({ length: 12 }, (_, i) => `k${i}`);
    for (const name of names) await api.client.create({ ...CONFIG_MAP, metadata: { name, namespace: ns1 } });
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        api.client.patch(
          { ...CONFIG_MAP, metadata: { name: names[i % names.length] ?? 'k0', namespace: ns1 } },
          { type: 'merge', data: { data: { n: String(i) } } },
        ),
      ),
    );
    const fresh = await api.client.list<KubeObject & { data?: Record<string, string> }>(CONFIG_MAP, {
      namespace: ns1,
    });
    const expected = new Map(fresh.items.map((o) => [`${ns1}/${o.metadata.name ?? ''}`, o.data?.n ?? '']));
    // Level-based: whatever events were merged, the last reconcile of every key saw its final state.
    await eventually(
      () => inFlight.size === 0 && [...expected].every(([k, v]) => lastSeen.get(k) === v),
      'every key to be reconciled at its final state',
    );
    abort.abort();
    await run;
    assert.equal(overlaps, 0, 'a key was reconciled concurrently');
    assert.ok(maxParallel > 1, `workers ran in parallel (max ${maxParallel})`);
    assert.ok(reconciles >= 12);
  });

  it('backs a failing reconcile off exponentially, recovers, and does not retry terminal errors', async () => {
    const ns1 = await namespace();
    const registry = new Registry();
    const mgr = manager({ registry });
    const attempts: number[] = [];
    const terminal: number[] = [];
    new ControllerBuilder(mgr)
      .for(CONFIG_MAP, {
        predicates: [{ create: (o: KubeObject) => o.metadata.namespace === ns1, update: () => false }],
      })
      .named('flaky')
      .withOptions({
        rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 40, maxDelayMs: 2000 }),
      })
      .complete({
        reconcile: (req: Request) => {
          if (req.name === 'terminal') {
            terminal.push(performance.now());
            return Promise.reject(new TerminalError('spec.foo is invalid'));
          }
          attempts.push(performance.now());
          if (attempts.length <= 3) return Promise.reject(new Error('backend not ready'));
          return Promise.resolve();
        },
      });
    const abort = new AbortController();
    const run = mgr.start(abort.signal);
    await mgr.elected();
    await api.client.create({ ...CONFIG_MAP, metadata: { name: 'flaky', namespace: ns1 } });
    await api.client.create({ ...CONFIG_MAP, metadata: { name: 'terminal', namespace: ns1 } });
    await eventually(() => attempts.length >= 4, 'the fourth attempt');
    await new Promise((r) => setTimeout(r, 400));
    abort.abort();
    await run;
    assert.equal(attempts.length, 4, 'stops once it succeeds');
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] ?? 0));
    // 40 ms, 80 ms, 160 ms (plus scheduling): each retry waits longer than the one before.
    assert.ok((gaps[0] ?? 0) >= 35, `gaps ${gaps.join(', ')}`);
    assert.ok((gaps[1] ?? 0) >= 75 && (gaps[2] ?? 0) >= 150, `gaps ${gaps.join(', ')}`);
    assert.equal(terminal.length, 1, 'a terminal error is not retried');
    assert.equal(
      await metricValue(registry, 'controller_runtime_reconcile_total', {
        controller: 'flaky',
        result: 'error',
      }),
      4,
    );
    assert.equal(
      await metricValue(registry, 'controller_runtime_reconcile_total', {
        controller: 'flaky',
        result: 'success',
      }),
      1,
    );
    assert.equal(
      await metricValue(registry, 'controller_runtime_terminal_reconcile_errors_total', {
        controller: 'flaky',
      }),
      1,
    );
    assert.equal(await metricValue(registry, 'workqueue_retries_total', { name: 'flaky' }), 3);
  });

  it('drains in-flight reconciles on shutdown and takes no new work', async () => {
    const ns1 = await namespace();
    const mgr = manager({ gracefulShutdownTimeoutMs: 5000 });
    let started = 0;
    let finished = 0;
    new ControllerBuilder(mgr)
      .for(CONFIG_MAP, { predicates: [{ create: (o: KubeObject) => o.metadata.namespace === ns1 }] })
      .named('slow')
      .complete({
        reconcile: async () => {
          started++;
          await new Promise((r) => setTimeout(r, 300));
          finished++;
        },
      });
    const abort = new AbortController();
    const run = mgr.start(abort.signal);
    await mgr.elected();
    await api.client.create({ ...CONFIG_MAP, metadata: { name: 'one', namespace: ns1 } });
    await eventually(() => started === 1, 'the reconcile to start');
    abort.abort();
    await api.client.create({ ...CONFIG_MAP, metadata: { name: 'two', namespace: ns1 } });
    await run;
    assert.equal(finished, 1, 'start() resolved only after the in-flight reconcile finished');
    assert.equal(started, 1, 'no new work after shutdown began');
  });

  it('requeues after a delay, maps owned objects to their owner, and filters with predicates', async () => {
    const ns1 = await namespace();
    const mgr = manager();
    const seen: string[] = [];
    let requeued = 0;
    new ControllerBuilder(mgr)
      .for(WIDGET, { predicates: [generationChangedPredicate] })
      .owns(SECRET)
      .complete({
        reconcile: (req: Request) => {
          seen.push(req.name);
          if (req.name === 'again' && requeued++ === 0) return Promise.resolve({ requeueAfterMs: 50 });
          return Promise.resolve();
        },
      });
    const abort = new AbortController();
    const run = mgr.start(abort.signal);
    await mgr.elected();
    const parent = await api.client.create<KubeObject>({
      ...WIDGET,
      metadata: { name: 'parent', namespace: ns1 },
      spec: { replicas: 1 },
    });
    await eventually(() => seen.includes('parent'), 'parent reconciled');
    const count = (): number => seen.filter((n) => n === 'parent').length;
    const before = count();
    // A status-only write does not change generation: filtered out.
    await api.client.updateStatus({ ...parent, status: { replicas: 1 } });
    // A Secret it controls changes: the owner is reconciled.
    await api.client.create({
      ...SECRET,
      metadata: {
        name: 'child',
        namespace: ns1,
        ownerReferences: [
          {
            apiVersion: WIDGET.apiVersion,
            kind: 'Widget',
            name: 'parent',
            uid: parent.metadata.uid ?? '',
            controller: true,
          },
        ],
      },
    });
    await eventually(() => count() === before + 1, 'the owner to be reconciled for its Secret');
    await api.client.create({
      ...WIDGET,
      metadata: { name: 'again', namespace: ns1 },
      spec: { replicas: 1 },
    });
    await eventually(() => seen.filter((n) => n === 'again').length === 2, 'the requeue after 50 ms');
    await new Promise((r) => setTimeout(r, 150));
    abort.abort();
    await run;
    assert.equal(count(), before + 1, 'the status-only update was filtered by generationChangedPredicate');
  });

  it('serves /metrics that promtool accepts, and /healthz and /readyz', async (t) => {
    const ns1 = await namespace();
    const mgr = manager({
      metricsBindAddress: { host: '127.0.0.1', port: 0 },
      healthProbeBindAddress: { host: '127.0.0.1', port: 0 },
    });
    let done = 0;
    new ControllerBuilder(mgr)
      .for(CONFIG_MAP, { predicates: [{ create: (o: KubeObject) => o.metadata.namespace === ns1 }] })
      .named('metrics-demo')
      .complete({
        reconcile: () => {
          done++;
          return Promise.resolve(done === 1 ? { requeue: true } : undefined);
        },
      });
    const abort = new AbortController();
    const run = mgr.start(abort.signal);
    await mgr.elected();
    await api.client.create({ ...CONFIG_MAP, metadata: { name: 'm', namespace: ns1 } });
    await eventually(() => done >= 2, 'two reconciles');
    await eventually(async () => (await fetch(`${mgr.probeUrl ?? ''}/readyz`)).status === 200, 'readyz');
    const healthz = await fetch(`${mgr.probeUrl ?? ''}/healthz?verbose`);
    assert.equal(healthz.status, 200);
    assert.match(await healthz.text(), /\[\+\]ping ok/);
    const text = await (await fetch(`${mgr.metricsUrl ?? ''}/metrics`)).text();
    abort.abort();
    await run;
    for (const name of [
      'controller_runtime_reconcile_total{controller="metrics-demo",result="requeue"} 1',
      'controller_runtime_reconcile_total{controller="metrics-demo",result="success"} 1',
      'controller_runtime_reconcile_time_seconds_bucket',
      'controller_runtime_max_concurrent_reconciles{controller="metrics-demo"} 1',
      'controller_runtime_active_workers{controller="metrics-demo"}',
      'workqueue_depth{',
      'workqueue_adds_total{name="metrics-demo",controller="metrics-demo"}',
      'workqueue_queue_duration_seconds_bucket',
      'workqueue_work_duration_seconds_bucket',
      'workqueue_unfinished_work_seconds',
      'workqueue_longest_running_processor_seconds',
      'workqueue_retries_total{name="metrics-demo",controller="metrics-demo"} 1',
      'rest_client_requests_total{code="200",method="GET"',
      'rest_client_request_duration_seconds_bucket',
      'rest_client_rate_limiter_duration_seconds_bucket',
    ]) {
      assert.ok(text.includes(name), `metrics lack ${name}`);
    }
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (promtool.error) {
      t.skip('promtool not installed (Debian package prometheus; .ci/run installs it)');
      return;
    }
    assert.equal(promtool.status, 0, `promtool check metrics:\n${promtool.stdout}${promtool.stderr}`);
  });
  it('logs each reconcile with controller, kind, namespace, name and its own reconcileID', async () => {
    const ns1 = await namespace();
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (c: Buffer) => (text += c.toString()));
    const mgr = manager({ logger: createLogger({ level: 'info', destination: sink }) });
    let calls = 0;
    new ControllerBuilder(mgr)
      .for(CONFIG_MAP, {
        predicates: [{ create: (o: KubeObject) => o.metadata.namespace === ns1, update: () => false }],
      })
      .named('logging')
      .complete({
        reconcile: (_req, { log }) => {
          log.info('reconciling');
          return Promise.resolve(++calls === 1 ? { requeueAfterMs: 10 } : undefined);
        },
      });
    const abort = new AbortController();
    const run = mgr.start(abort.signal);
    await mgr.elected();
    await api.client.create({ ...CONFIG_MAP, metadata: { name: 'logged', namespace: ns1 } });
    await eventually(() => calls >= 2, 'two reconciles');
    abort.abort();
    await run;
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'reconciling');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.equal(line.controller, 'logging');
      assert.equal(line.kind, 'ConfigMap');
      assert.equal(line.namespace, ns1);
      assert.equal(line.name, 'logged');
      assert.equal(line.level, 'info');
      assert.match(String(line.reconcileID), /^[0-9a-f-]{36}$/);
    }
    assert.notEqual(lines[0]?.reconcileID, lines[1]?.reconcileID);
  });
});
