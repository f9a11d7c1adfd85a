import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedApiServer, type EmbeddedApiServer } from '../embedded/embedded-api-server.js';
import { isStatusError } from '../errors/status-error.js';
import { internalScope } from '../registry/generic-registry.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { PodTerminator } from './pod-terminator.js';

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('PodTerminator', () => {
  let dataDir: string;
  let server: EmbeddedApiServer;
  let podDef: ResourceDefinition;
  const scope = internalScope('test');

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-pod-terminator-'));
    server = await startEmbeddedApiServer({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      inMemory: true,
      workloadControllers: false,
    });
    podDef = server.catalog.get('', 'v1', 'pods')!;
  });
  after(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const createPod = (name: string, grace: number, extra: Record<string, unknown> = {}) =>
    server.registry.create(
      podDef,
      'default',
      {
        metadata: { name, ...extra },
        spec: {
          nodeName: 'node-1',
          terminationGracePeriodSeconds: grace,
          containers: [{ name: 'app', image: 'nginx:1.25' }],
        },
      },
      scope,
    );
  const getPod = (name: string): KubeObject | undefined => server.registry.tryGet(podDef, 'default', name);

  it('deletes a gracefully deleted pod once its grace period is over, not before', async () => {
    const terminator = new PodTerminator(server.registry, server.catalog);
    terminator.start();
    try {
      await createPod('graceful', 1);
      const started = Date.now();
      const result = await server.registry.delete(podDef, 'default', 'graceful', {}, scope);
      assert.equal(result.deleted, false, 'a bound pod is deleted gracefully');
      assert.equal(result.object.metadata?.deletionGracePeriodSeconds, 1);

      await sleep(400);
      assert.ok(getPod('graceful'), 'the pod is still there during its grace period');
      assert.equal(
        (getPod('graceful')?.status as { phase?: string }).phase,
        'Pending',
        'status is left alone',
      );
      await waitFor('the pod to go', () => getPod('graceful') === undefined);
      assert.ok(Date.now() - started >= 950, `finished after ${Date.now() - started} ms`);
      assert.equal(terminator.pendingCount, 0);
    } finally {
      await terminator.stop();
    }
  });

  it('with stopSeconds, deletes the pod once its containers stopped, within the grace period', async () => {
    const terminator = new PodTerminator(server.registry, server.catalog, {
      stopSeconds: (pod) => (pod.metadata?.name === 'stubborn' ? 60 : 1),
    });
    terminator.start();
    try {
      await createPod('prompt', 30);
      await createPod('stubborn', 2);
      const started = Date.now();
      await server.registry.delete(podDef, 'default', 'prompt', {}, scope);
      await server.registry.delete(podDef, 'default', 'stubborn', {}, scope);
      await waitFor('the prompt pod to go', () => getPod('prompt') === undefined);
      const prompt = Date.now() - started;
      assert.ok(prompt >= 950 && prompt < 1800, `stopped after ${prompt} ms, not its 30 s grace period`);
      assert.ok(getPod('stubborn'), 'a pod slower than its grace period waits for the grace period');
      await waitFor('the stubborn pod to go', () => getPod('stubborn') === undefined);
      assert.ok(Date.now() - started >= 1950, 'not before its 2 s grace period');
    } finally {
      await terminator.stop();
    }
  });

  it('finishes the deletion after a restart in the middle of the grace period', async () => {
    const first = new PodTerminator(server.registry, server.catalog);
    first.start();
    await createPod('restarted', 1);
    await server.registry.delete(podDef, 'default', 'restarted', {}, scope);
    await sleep(200);
    assert.equal(first.pendingCount, 1);
    await first.stop();
    assert.equal(first.pendingCount, 0, 'stop cancels the timers');

    // The grace period ends while nothing runs: the pod stays.
    const deadline = Date.parse(getPod('restarted')!.metadata!.deletionTimestamp!);
    await sleep(Math.max(0, deadline - Date.now()) + 1300);
    assert.ok(getPod('restarted'), 'nothing finished the pod while the terminator was stopped');

    const second = new PodTerminator(server.registry, server.catalog);
    second.start();
    try {
      await waitFor('the overdue pod to go', () => getPod('restarted') === undefined, 2000);
    } finally {
      await second.stop();
    }
  });

  it('leaves a pod held by a finalizer with grace 0 until the finalizer goes', async () => {
    const terminator = new PodTerminator(server.registry, server.catalog);
    terminator.start();
    try {
      await createPod('held', 1, { finalizers: ['example.com/hold'] });
      await server.registry.delete(podDef, 'default', 'held', {}, scope);
      await waitFor(
        'the grace period to be finished',
        () => getPod('held')?.metadata?.deletionGracePeriodSeconds === 0,
      );
      assert.ok(getPod('held')?.metadata?.deletionTimestamp);
      await server.registry.mutate(
        podDef,
        'default',
        'held',
        (pod) => {
          pod.metadata!.finalizers = [];
          return true;
        },
        'test',
      );
      assert.equal(getPod('held'), undefined, 'removing the last finalizer deletes it');
    } finally {
      await terminator.stop();
    }
  });

  it('never deletes a new pod that took the name of one whose deletion it was waiting for', async () => {
    const terminator = new PodTerminator(server.registry, server.catalog);
    terminator.start();
    try {
      await createPod('reused', 1);
      await server.registry.delete(podDef, 'default', 'reused', {}, scope);
      await server.registry.delete(podDef, 'default', 'reused', { gracePeriodSeconds: 0 }, scope);
      assert.equal(getPod('reused'), undefined, 'grace 0 deletes at once');
      const again = await createPod('reused', 1);
      await sleep(1600);
      assert.equal(getPod('reused')?.metadata?.uid, again.metadata?.uid);
      assert.equal(getPod('reused')?.metadata?.deletionTimestamp, undefined);
    } finally {
      await terminator.stop();
    }
  });

  it('has to DELETE with grace 0: an update may not shorten deletionGracePeriodSeconds', async () => {
    await createPod('immutable', 30);
    await server.registry.delete(podDef, 'default', 'immutable', {}, scope);
    await assert.rejects(
      server.registry.mutate(
        podDef,
        'default',
        'immutable',
        (pod) => {
          pod.metadata!.deletionGracePeriodSeconds = 0;
          return true;
        },
        'test',
      ),
      (err) => isStatusError(err) && err.code === 422,
    );
    await server.registry.delete(podDef, 'default', 'immutable', { gracePeriodSeconds: 0 }, scope);
    assert.equal(getPod('immutable'), undefined);
  });
});
