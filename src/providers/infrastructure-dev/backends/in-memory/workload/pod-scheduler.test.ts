import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimulatedScheduler } from './pod-scheduler.js';
import { useTestCluster, waitFor } from './test-support.js';

describe('SimulatedScheduler', () => {
  const cluster = useTestCluster((server) => {
    const scheduler = new SimulatedScheduler(server.registry, server.catalog);
    scheduler.start();
    return scheduler;
  });
  const nodeOf = (name: string) =>
    (cluster.getPod(name)?.spec as { nodeName?: string } | undefined)?.nodeName;
  const scheduledCondition = (name: string) =>
    (
      cluster.getPod(name)?.status as { conditions?: Record<string, unknown>[] } | undefined
    )?.conditions?.find((c) => c.type === 'PodScheduled');

  it('binds pods to Ready, uncordoned nodes, spreading them by pod count', async () => {
    await cluster.createNode('node-a');
    await cluster.createNode('node-b');
    await cluster.createNode('node-c', { ready: false });
    await cluster.createNode('node-d', { unschedulable: true });
    for (const name of ['p1', 'p2', 'p3', 'p4']) await cluster.createPod(name);

    const nodes = await waitFor('four pods bound', () => {
      const bound = ['p1', 'p2', 'p3', 'p4'].map(nodeOf);
      return bound.every(Boolean) ? (bound as string[]) : undefined;
    });
    assert.deepEqual([...nodes].sort(), ['node-a', 'node-a', 'node-b', 'node-b']);
    const condition = scheduledCondition('p1');
    assert.equal(condition?.status, 'True', 'binding sets PodScheduled=True');
    assert.ok(condition?.lastTransitionTime);
    assert.equal(
      (cluster.getPod('p1')?.status as { phase?: string }).phase,
      'Pending',
      'the scheduler does not run pods',
    );
  });

  it('keeps a pod no node fits Pending with upstream Unschedulable message, then binds it once a node fits', async () => {
    await cluster.createNode('cp', {
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    });
    await cluster.createNode('w1', { unschedulable: true });
    await cluster.createNode('w2', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }] });
    await cluster.createPod('web');

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
    await cluster.patchNode('w1', { spec: { unschedulable: false } });
    await waitFor('web bound to w1', () => nodeOf('web') === 'w1');
    const scheduled = scheduledCondition('web');
    assert.equal(scheduled?.status, 'True');
    assert.equal(scheduled?.reason, undefined, 'binding replaces the Unschedulable condition');
  });

  it('honours tolerations, nodeSelector and required node affinity', async () => {
    await cluster.createNode('gpu-1', {
      labels: { accelerator: 'gpu', zone: 'a' },
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
    });
    await cluster.createNode('cpu-1', { labels: { zone: 'a' } });
    await cluster.createNode('cpu-2', { labels: { zone: 'b' } });

    await cluster.createPod('untolerating', { nodeSelector: { accelerator: 'gpu' } });
    await cluster.createPod('gpu-job', {
      nodeSelector: { accelerator: 'gpu' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
    });
    await cluster.createPod('tolerates-all', {
      tolerations: [{ operator: 'Exists' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'accelerator', operator: 'Exists' }] }],
          },
        },
      },
    });
    await cluster.createPod('zone-b-only', {
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
    await cluster.createPod('other-scheduler', { schedulerName: 'my-scheduler' });

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
    await cluster.running.idle();
    assert.equal(nodeOf('other-scheduler'), undefined, 'pods of another scheduler are left alone');
    assert.equal(scheduledCondition('other-scheduler'), undefined);
  });

  it('reports "no nodes available" without nodes and schedules when the first Ready node registers', async () => {
    await cluster.createPod('early');
    const condition = await waitFor('the Unschedulable condition', () => {
      const c = scheduledCondition('early');
      return c?.status === 'False' ? c : undefined;
    });
    assert.equal(condition.message, 'no nodes available to schedule pods');
    // A node registers NotReady first (the not-ready taint), then turns Ready.
    await cluster.createNode('late');
    await waitFor('early bound to late', () => nodeOf('early') === 'late');
  });
});
