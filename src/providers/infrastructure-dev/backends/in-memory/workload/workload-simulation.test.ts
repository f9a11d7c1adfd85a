import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStatusError } from '../../../../../apiserver/errors/status-error.js';
import type { KubeObject } from '../../../../../apiserver/registry/resource-definition.js';
import { isPodReady } from './pod-helpers.js';
import { scope, useTestCluster, waitFor } from './test-support.js';
import { setNodeReady, startWorkloadSimulation } from './workload-simulation.js';

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

describe('workload simulation', () => {
  const cluster = useTestCluster();

  const readyOf = (node: KubeObject) =>
    ((node.status as { conditions?: NodeCondition[] } | undefined)?.conditions ?? []).find(
      (c) => c.type === 'Ready',
    );

  it('setNodeReady flips the Ready condition, moving the transition time only on a flip', async () => {
    await cluster.registry.create(cluster.nodeDef, undefined, { metadata: { name: 'node-1' } }, scope);
    await cluster.registry.mutate(
      cluster.nodeDef,
      undefined,
      'node-1',
      (node) => {
        node.status = {
          conditions: [
            { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: '' },
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: '2025-01-01T00:00:00Z',
              lastTransitionTime: '2025-01-01T00:00:00Z',
            },
          ],
        };
        return true;
      },
      'test',
    );

    const stillReady = readyOf(await setNodeReady(cluster.registry, cluster.catalog, 'node-1', true))!;
    assert.equal(stillReady.status, 'True');
    assert.equal(stillReady.lastTransitionTime, '2025-01-01T00:00:00Z', 'no flip, no transition');
    assert.notEqual(stillReady.lastHeartbeatTime, '2025-01-01T00:00:00Z', 'the heartbeat moves');

    const notReady = await setNodeReady(
      cluster.registry,
      cluster.catalog,
      'node-1',
      false,
      'NetworkPluginNotReady',
    );
    const condition = readyOf(notReady)!;
    assert.equal(condition.status, 'False');
    assert.equal(condition.reason, 'NetworkPluginNotReady');
    assert.notEqual(condition.lastTransitionTime, '2025-01-01T00:00:00Z');
    assert.equal(
      (notReady.status as { conditions: NodeCondition[] }).conditions[0]!.type,
      'MemoryPressure',
      'other conditions stay where they are',
    );
    assert.equal(
      readyOf(await setNodeReady(cluster.registry, cluster.catalog, 'node-1', false))!.reason,
      'KubeletNotReady',
    );

    await assert.rejects(
      setNodeReady(cluster.registry, cluster.catalog, 'nope', true),
      (err: unknown) => isStatusError(err) && err.code === 404,
    );
  });

  it('runs a fresh cluster end to end and picks up what changed while it was stopped', async () => {
    let simulation = startWorkloadSimulation(cluster.registry, cluster.catalog);
    try {
      await cluster.registry.create(cluster.nodeDef, undefined, { metadata: { name: 'node-1' } }, scope);
      await setNodeReady(cluster.registry, cluster.catalog, 'node-1', true);
      await cluster.createPod('first');
      await waitFor('first running', () => {
        const pod = cluster.getPod('first');
        return pod && isPodReady(pod);
      });
      await simulation.stop();
      await simulation.stop(); // idempotent

      // Created while nothing runs: scheduled and started from the snapshot of the next start.
      await cluster.createPod('second');
      assert.equal(
        (cluster.registry.get(cluster.podDef, 'default', 'second').spec as { nodeName?: string }).nodeName,
        undefined,
      );
      simulation = startWorkloadSimulation(cluster.registry, cluster.catalog);
      await waitFor('second running on node-1', () => {
        const pod = cluster.getPod('second');
        return pod && isPodReady(pod) && (pod.spec as { nodeName?: string }).nodeName === 'node-1';
      });
    } finally {
      await simulation.stop();
    }
  });
});
