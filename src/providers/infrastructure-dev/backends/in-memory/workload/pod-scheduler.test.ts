import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type EmbeddedApiServer,
  startEmbeddedApiServer,
} from '../../../../../apiserver/embedded/embedded-api-server.js';
import { internalScope } from '../../../../../apiserver/registry/generic-registry.js';
import type {
  KubeObject,
  ResourceDefinition,
} from '../../../../../apiserver/registry/resource-definition.js';
import { SimulatedScheduler } from './pod-scheduler.js';

const scope = internalScope('test');

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface NodeOptions {
  ready?: boolean;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
}

describe('SimulatedScheduler', () => {
  let dataDir: string;
  let server: EmbeddedApiServer;
  let scheduler: SimulatedScheduler;
  let podDef: ResourceDefinition;
  let nodeDef: ResourceDefinition;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-sim-scheduler-'));
    server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0, inMemory: true });
    podDef = server.catalog.get('', 'v1', 'pods')!;
    nodeDef = server.catalog.get('', 'v1', 'nodes')!;
    scheduler = new SimulatedScheduler(server.registry, server.catalog);
    scheduler.start();
  });
  afterEach(async () => {
    await scheduler.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function createNode(name: string, o: NodeOptions = {}): Promise<void> {
    await server.registry.create(
      nodeDef,
      undefined,
      {
        metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
        spec: {
          ...(o.taints ? { taints: o.taints } : {}),
          ...(o.unschedulable ? { unschedulable: true } : {}),
        },
      },
      scope,
    );
    await server.registry.mutate(
      nodeDef,
      undefined,
      name,
      (node) => {
        node.status = {
          conditions: [
            {
              type: 'Ready',
              status: o.ready === false ? 'False' : 'True',
              reason: o.ready === false ? 'KubeletNotReady' : 'KubeletReady',
              message: '',
              lastHeartbeatTime: '2025-01-01T00:00:00Z',
              lastTransitionTime: '2025-01-01T00:00:00Z',
            },
          ],
          addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
        };
        return true;
      },
      'test',
    );
  }

  const createPod = (name: string, spec: Record<string, unknown> = {}) =>
    server.registry.create(
      podDef,
      'default',
      { metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec } },
      scope,
    );
  const getPod = (name: string): KubeObject | undefined => server.registry.tryGet(podDef, 'default', name);
  const nodeOf = (name: string) => (getPod(name)?.spec as { nodeName?: string } | undefined)?.nodeName;
  const scheduledCondition = (name: string) =>
    (getPod(name)?.status as { conditions?: Record<string, unknown>[] } | undefined)?.conditions?.find(
      (c) => c.type === 'PodScheduled',
    );

  it('binds pods to Ready, uncordoned nodes, spreading them by pod count', async () => {
    await createNode('node-a');
    await createNode('node-b');
    await createNode('node-c', { ready: false });
    await createNode('node-d', { unschedulable: true });
    for (const name of ['p1', 'p2', 'p3', 'p4']) await createPod(name);

    const nodes = await waitFor('four pods bound', () => {
      const bound = ['p1', 'p2', 'p3', 'p4'].map(nodeOf);
      return bound.every(Boolean) ? (bound as string[]) : undefined;
    });
    assert.deepEqual([...nodes].sort(), ['node-a', 'node-a', 'node-b', 'node-b']);
    const condition = scheduledCondition('p1');
    assert.equal(condition?.status, 'True', 'binding sets PodScheduled=True');
    assert.ok(condition?.lastTransitionTime);
    assert.equal(
      (getPod('p1')?.status as { phase?: string }).phase,
      'Pending',
      'the scheduler does not run pods',
    );
  });

  it('keeps a pod no node fits Pending with upstream Unschedulable message, then binds it once a node fits', async () => {
    await createNode('cp', {
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    });
    await createNode('w1', { unschedulable: true });
    await createNode('w2', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }] });
    await createPod('web');

    const condition = await waitFor('the Unschedulable condition', () => {
      const c = scheduledCondition('web');
      return c?.status === 'False' ? c : undefined;
    });
    assert.equal(condition.reason, 'Unschedulable');
    assert.equal(
      condition.message,
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, ' +
        '1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ' +
        '1 node(s) were unschedulable. ' +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    assert.equal(nodeOf('web'), undefined);

    // Uncordoning is a node change: the pending pod is tried again without any timer.
    await server.registry.patch(nodeDef, undefined, 'w1', 'merge', { spec: { unschedulable: false } }, scope);
    await waitFor('web bound to w1', () => nodeOf('web') === 'w1');
    const scheduled = scheduledCondition('web');
    assert.equal(scheduled?.status, 'True');
    assert.equal(scheduled?.reason, undefined, 'binding replaces the Unschedulable condition');
  });

  it('honours tolerations, nodeSelector and required node affinity', async () => {
    await createNode('gpu-1', {
      labels: { accelerator: 'gpu', zone: 'a' },
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
    });
    await createNode('cpu-1', { labels: { zone: 'a' } });
    await createNode('cpu-2', { labels: { zone: 'b' } });

    await createPod('untolerating', { nodeSelector: { accelerator: 'gpu' } });
    await createPod('gpu-job', {
      nodeSelector: { accelerator: 'gpu' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
    });
    await createPod('tolerates-all', {
      tolerations: [{ operator: 'Exists' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'accelerator', operator: 'Exists' }] }],
          },
        },
      },
    });
    await createPod('zone-b-only', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] },
              { matchExpressions: [{ key: 'zone', operator: 'In', values: ['c'] }] },
            ],
          },
        },
      },
    });
    await createPod('other-scheduler', { schedulerName: 'my-scheduler' });

    await waitFor('gpu-job on gpu-1', () => nodeOf('gpu-job') === 'gpu-1');
    await waitFor('tolerates-all on gpu-1', () => nodeOf('tolerates-all') === 'gpu-1');
    await waitFor('zone-b-only on cpu-2', () => nodeOf('zone-b-only') === 'cpu-2');
    const condition = await waitFor('untolerating reported', () => {
      const c = scheduledCondition('untolerating');
      return c?.status === 'False' ? c : undefined;
    });
    assert.equal(
      condition.message,
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match " +
        "Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    await scheduler.idle();
    assert.equal(nodeOf('other-scheduler'), undefined, 'pods of another scheduler are left alone');
    assert.equal(scheduledCondition('other-scheduler'), undefined);
  });

  it('reports "no nodes available" without nodes and schedules when the first Ready node registers', async () => {
    await createPod('early');
    const condition = await waitFor('the Unschedulable condition', () => {
      const c = scheduledCondition('early');
      return c?.status === 'False' ? c : undefined;
    });
    assert.equal(condition.message, 'no nodes available to schedule pods');
    // A node registers NotReady first (the not-ready taint), then turns Ready.
    await createNode('late');
    await waitFor('early bound to late', () => nodeOf('early') === 'late');
  });
});
