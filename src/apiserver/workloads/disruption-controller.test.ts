import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedApiServer, type EmbeddedApiServer } from '../embedded/embedded-api-server.js';
import { internalScope } from '../registry/generic-registry.js';
import type { KubeObject, OwnerReference, ResourceDefinition } from '../registry/resource-definition.js';
import { formatTime } from '../util/time.js';
import {
  DisruptionController,
  type PodDisruptionBudgetStatus,
  scaledValue,
} from './disruption-controller.js';

async function waitFor<T>(
  what: string,
  read: () => T,
  ok: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}; last seen ${JSON.stringify(value)}`);
    await sleep(25);
  }
}

describe('DisruptionController', () => {
  let dataDir: string;
  let server: EmbeddedApiServer;
  let controller: DisruptionController;
  let podDef: ResourceDefinition;
  let pdbDef: ResourceDefinition;
  const scope = internalScope('test');
  let namespaceCount = 0;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-disruption-'));
    server = await startEmbeddedApiServer({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      inMemory: true,
      workloadControllers: false,
    });
    podDef = server.catalog.get('', 'v1', 'pods')!;
    pdbDef = server.catalog.get('policy', 'v1', 'poddisruptionbudgets')!;
    controller = new DisruptionController(server.registry, server.catalog);
    controller.start();
  });
  after(async () => {
    await controller?.stop();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function namespace(): Promise<string> {
    const name = `pdb-${++namespaceCount}`;
    await server.registry.create(
      server.catalog.get('', 'v1', 'namespaces')!,
      undefined,
      { metadata: { name } },
      scope,
    );
    return name;
  }

  async function pod(
    ns: string,
    name: string,
    options: { ready?: boolean; labels?: Record<string, string>; owner?: OwnerReference } = {},
  ): Promise<void> {
    await server.registry.create(
      podDef,
      ns,
      {
        metadata: {
          name,
          labels: options.labels ?? { app: 'web' },
          ...(options.owner ? { ownerReferences: [options.owner] } : {}),
        },
        spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'nginx:1.25' }] },
      },
      scope,
    );
    if (options.ready ?? true) await setReady(ns, name, true);
  }

  async function setReady(ns: string, name: string, ready: boolean): Promise<void> {
    await server.registry.mutate(
      podDef,
      ns,
      name,
      (p) => {
        p.status = {
          ...(p.status ?? {}),
          phase: 'Running',
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        };
        return true;
      },
      'kubelet',
    );
  }

  async function pdb(ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
    await server.registry.create(
      pdbDef,
      ns,
      { metadata: { name }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } },
      scope,
    );
  }

  const statusOf = (ns: string, name: string): PodDisruptionBudgetStatus =>
    (server.registry.tryGet(pdbDef, ns, name)?.status ?? {}) as PodDisruptionBudgetStatus;

  const counts = (s: PodDisruptionBudgetStatus) => ({
    expectedPods: s.expectedPods,
    currentHealthy: s.currentHealthy,
    desiredHealthy: s.desiredHealthy,
    disruptionsAllowed: s.disruptionsAllowed,
  });

  it('minAvailable 2 over 3 ready pods allows one disruption', async () => {
    const ns = await namespace();
    for (const name of ['a', 'b', 'c']) await pod(ns, name);
    await pod(ns, 'other', { labels: { app: 'db' } });
    await pdb(ns, 'web', { minAvailable: 2 });
    const status = await waitFor(
      'status',
      () => statusOf(ns, 'web'),
      (s) => s.expectedPods === 3,
    );
    assert.deepEqual(counts(status), {
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
    });
    assert.equal(status.observedGeneration, 1);
    assert.equal(status.disruptedPods, undefined);
    assert.equal(status.conditions?.length, 1);
    const condition = status.conditions[0]!;
    assert.equal(condition.type, 'DisruptionAllowed');
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'SufficientPods');
    assert.equal(condition.observedGeneration, 1);
    assert.match(condition.lastTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('counts unready and terminating pods as unhealthy, and follows pod changes', async () => {
    const ns = await namespace();
    await pod(ns, 'a');
    await pod(ns, 'b');
    await pod(ns, 'c', { ready: false });
    await pdb(ns, 'web', { minAvailable: 2 });
    let status = await waitFor(
      'status',
      () => statusOf(ns, 'web'),
      (s) => s.expectedPods === 3,
    );
    assert.deepEqual(counts(status), {
      expectedPods: 3,
      currentHealthy: 2,
      desiredHealthy: 2,
      disruptionsAllowed: 0,
    });
    const before = status.conditions![0]!;
    assert.equal(before.status, 'False');
    assert.equal(before.reason, 'InsufficientPods');

    await setReady(ns, 'c', true);
    status = await waitFor(
      'c ready',
      () => statusOf(ns, 'web'),
      (s) => s.currentHealthy === 3,
    );
    assert.equal(status.disruptionsAllowed, 1);
    assert.equal(status.conditions![0]!.status, 'True');
    assert.equal(status.conditions![0]!.reason, 'SufficientPods');

    // A pod being deleted still counts as expected (integer minAvailable) but no longer as healthy.
    await server.registry.delete(podDef, ns, 'a', {}, scope);
    status = await waitFor(
      'a terminating',
      () => statusOf(ns, 'web'),
      (s) => s.currentHealthy === 2,
    );
    assert.deepEqual(counts(status), {
      expectedPods: 3,
      currentHealthy: 2,
      desiredHealthy: 2,
      disruptionsAllowed: 0,
    });

    // Relabelled out of the selector: no longer counted at all.
    await server.registry.mutate(
      podDef,
      ns,
      'b',
      (p) => {
        p.metadata!.labels = { app: 'elsewhere' };
        return true;
      },
      'test',
    );
    status = await waitFor(
      'b relabelled',
      () => statusOf(ns, 'web'),
      (s) => s.expectedPods === 2,
    );
    assert.deepEqual(counts(status), {
      expectedPods: 2,
      currentHealthy: 1,
      desiredHealthy: 2,
      disruptionsAllowed: 0,
    });
  });

  it('computes percentages and maxUnavailable, rounding up', async () => {
    const ns = await namespace();
    for (const name of ['a', 'b', 'c']) await pod(ns, name);
    await pdb(ns, 'min-half', { minAvailable: '50%' }); // ceil(1.5) = 2
    await pdb(ns, 'max-one', { maxUnavailable: 1 });
    await pdb(ns, 'max-third', { maxUnavailable: '34%' }); // ceil(1.02) = 2
    await pdb(ns, 'min-all', { minAvailable: '100%' });
    const settled = (name: string) =>
      waitFor(
        name,
        () => statusOf(ns, name),
        (s) => s.expectedPods === 3 && s.conditions !== undefined,
      );
    assert.deepEqual(counts(await settled('min-half')), {
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
    });
    assert.deepEqual(counts(await settled('max-one')), {
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
    });
    assert.deepEqual(counts(await settled('max-third')), {
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 1,
      disruptionsAllowed: 2,
    });
    assert.deepEqual(counts(await settled('min-all')), {
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 3,
      disruptionsAllowed: 0,
    });
  });

  it('uses the scale of the pods’ controller for maxUnavailable', async () => {
    const ns = await namespace();
    // A custom workload with a scale subresource (the finder upstream falls back to for unknown kinds).
    await server.registry.create(
      server.catalog.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!,
      undefined,
      {
        metadata: { name: 'webapps.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'webapps', singular: 'webapp', kind: 'WebApp', listKind: 'WebAppList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: {
                scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
              },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { replicas: { type: 'integer' } } },
                    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
                  },
                },
              },
            },
          ],
        },
      },
      scope,
    );
    const webAppDef = await waitFor(
      'the CRD to be served',
      () => server.catalog.get('example.com', 'v1', 'webapps'),
      (d) => d !== undefined,
    );
    const webApp = await server.registry.create(
      webAppDef!,
      ns,
      { metadata: { name: 'web' }, spec: { replicas: 4 } },
      scope,
    );
    const owner: OwnerReference = {
      apiVersion: 'example.com/v1',
      kind: 'WebApp',
      name: 'web',
      uid: webApp.metadata!.uid!,
      controller: true,
    };
    for (const name of ['a', 'b', 'c']) await pod(ns, name, { owner });
    await pdb(ns, 'web', { maxUnavailable: 1 });
    let status = await waitFor(
      'status',
      () => statusOf(ns, 'web'),
      (s) => s.expectedPods === 4,
    );
    assert.deepEqual(counts(status), {
      expectedPods: 4,
      currentHealthy: 3,
      desiredHealthy: 3,
      disruptionsAllowed: 0,
    });

    // Scaling the controller down wakes the budget.
    await server.registry.mutate(
      webAppDef!,
      ns,
      'web',
      (w) => {
        (w.spec as { replicas: number }).replicas = 3;
        return true;
      },
      'test',
    );
    status = await waitFor(
      'scaled down',
      () => statusOf(ns, 'web'),
      (s) => s.expectedPods === 3,
    );
    assert.deepEqual(counts(status), {
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
    });

    // A pod whose controller is unknown counts as one pod of its own.
    await pod(ns, 'stray', {
      owner: {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'gone',
        uid: 'no-such-uid',
        controller: true,
      },
    });
    status = await waitFor(
      'stray counted',
      () => statusOf(ns, 'web'),
      (s) => s.currentHealthy === 4,
    );
    assert.deepEqual(counts(status), {
      expectedPods: 4,
      currentHealthy: 4,
      desiredHealthy: 3,
      disruptionsAllowed: 1,
    });
  });

  it('prunes disruptedPods entries that are stale or whose pod is gone, and keeps recent ones unhealthy', async () => {
    const ns = await namespace();
    for (const name of ['a', 'b', 'c', 'd']) await pod(ns, name);
    await pdb(ns, 'web', { minAvailable: 1 });
    await waitFor(
      'status',
      () => statusOf(ns, 'web'),
      (s) => s.expectedPods === 4,
    );
    const now = Date.now();
    // What the eviction subresource writes: the pod and when it was evicted.
    await server.registry.mutate(
      pdbDef,
      ns,
      'web',
      (p) => {
        (p.status as PodDisruptionBudgetStatus).disruptedPods = {
          a: formatTime(new Date(now - 3 * 60 * 1000)),
          b: formatTime(new Date(now - 10 * 1000)),
          gone: formatTime(new Date(now - 10 * 1000)),
        };
        return true;
      },
      'eviction',
    );
    const status = await waitFor(
      'pruned',
      () => statusOf(ns, 'web'),
      (s) => s.disruptedPods !== undefined && !('gone' in s.disruptedPods),
    );
    assert.deepEqual(Object.keys(status.disruptedPods!), ['b']);
    assert.deepEqual(counts(status), {
      expectedPods: 4,
      currentHealthy: 3,
      desiredHealthy: 1,
      disruptionsAllowed: 2,
    });

    // Once the evicted pod is being deleted, its entry is no longer needed.
    await server.registry.delete(podDef, ns, 'b', {}, scope);
    const after = await waitFor(
      'b deleting',
      () => statusOf(ns, 'web'),
      (s) => s.disruptedPods === undefined,
    );
    assert.deepEqual(counts(after), {
      expectedPods: 4,
      currentHealthy: 3,
      desiredHealthy: 1,
      disruptionsAllowed: 2,
    });
  });

  it('writes status only when it changes', async () => {
    const ns = await namespace();
    for (const name of ['a', 'b']) await pod(ns, name);
    await pdb(ns, 'web', { minAvailable: 1 });
    await waitFor(
      'status',
      () => statusOf(ns, 'web'),
      (s) => s.expectedPods === 2,
    );
    await sleep(100);
    const rv = server.registry.tryGet(pdbDef, ns, 'web')!.metadata!.resourceVersion;
    // Annotating a pod wakes the budget without changing anything it reports.
    await server.registry.mutate(
      podDef,
      ns,
      'a',
      (p) => {
        p.metadata!.annotations = { touched: 'yes' };
        return true;
      },
      'test',
    );
    await sleep(200);
    await controller.idle();
    assert.equal(server.registry.tryGet(pdbDef, ns, 'web')!.metadata!.resourceVersion, rv);
  });

  it('recomputes when the budget changes and records its generation', async () => {
    const ns = await namespace();
    for (const name of ['a', 'b', 'c']) await pod(ns, name);
    await pdb(ns, 'web', { minAvailable: 3 });
    let status = await waitFor(
      'status',
      () => statusOf(ns, 'web'),
      (s) => s.expectedPods === 3,
    );
    assert.equal(status.disruptionsAllowed, 0);
    const updated: KubeObject | undefined = await server.registry.mutate(
      pdbDef,
      ns,
      'web',
      (p) => {
        (p.spec as { minAvailable: number }).minAvailable = 1;
        return true;
      },
      'test',
    );
    assert.equal(updated?.metadata?.generation, 2);
    status = await waitFor(
      'generation 2',
      () => statusOf(ns, 'web'),
      (s) => s.observedGeneration === 2,
    );
    assert.equal(status.disruptionsAllowed, 2);
    assert.equal(status.conditions![0]!.observedGeneration, 2);
  });
});

describe('scaledValue (intstr.GetScaledValueFromIntOrPercent, rounding up)', () => {
  it('scales percentages of the total and passes integers through', () => {
    assert.equal(scaledValue(2, 10), 2);
    assert.equal(scaledValue('50%', 3), 2);
    assert.equal(scaledValue('34%', 3), 2);
    assert.equal(scaledValue('33%', 3), 1);
    assert.equal(scaledValue('0%', 5), 0);
    assert.equal(scaledValue('10%', 0), 0);
    assert.throws(() => scaledValue('3', 5), /string is not a percentage/);
  });
});
