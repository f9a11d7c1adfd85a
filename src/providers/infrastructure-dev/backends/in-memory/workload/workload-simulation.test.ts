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
import { isStatusError } from '../../../../../apiserver/errors/status-error.js';
import { internalScope } from '../../../../../apiserver/registry/generic-registry.js';
import type {
  KubeObject,
  ResourceDefinition,
} from '../../../../../apiserver/registry/resource-definition.js';
import { isPodReady } from './pod-scheduler.js';
import { setNodeReady, startWorkloadSimulation } from './workload-simulation.js';

const scope = internalScope('test');

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

describe('workload simulation', () => {
  let dataDir: string;
  let server: EmbeddedApiServer;
  let podDef: ResourceDefinition;
  let nodeDef: ResourceDefinition;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-sim-workload-'));
    server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0, inMemory: true });
    podDef = server.catalog.get('', 'v1', 'pods')!;
    nodeDef = server.catalog.get('', 'v1', 'nodes')!;
  });
  afterEach(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const readyOf = (node: KubeObject) =>
    ((node.status as { conditions?: NodeCondition[] } | undefined)?.conditions ?? []).find(
      (c) => c.type === 'Ready',
    );

  it('setNodeReady flips the Ready condition, moving the transition time only on a flip', async () => {
    await server.registry.create(nodeDef, undefined, { metadata: { name: 'node-1' } }, scope);
    await server.registry.mutate(
      nodeDef,
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

    const stillReady = readyOf(await setNodeReady(server.registry, server.catalog, 'node-1', true))!;
    assert.equal(stillReady.status, 'True');
    assert.equal(stillReady.lastTransitionTime, '2025-01-01T00:00:00Z', 'no flip, no transition');
    assert.notEqual(stillReady.lastHeartbeatTime, '2025-01-01T00:00:00Z', 'the heartbeat moves');

    const notReady = await setNodeReady(
      server.registry,
      server.catalog,
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
      readyOf(await setNodeReady(server.registry, server.catalog, 'node-1', false))!.reason,
      'KubeletNotReady',
    );

    await assert.rejects(
      setNodeReady(server.registry, server.catalog, 'nope', true),
      (err: unknown) => isStatusError(err) && err.code === 404,
    );
  });

  it('runs a fresh cluster end to end and picks up what changed while it was stopped', async () => {
    let simulation = startWorkloadSimulation(server.registry, server.catalog);
    try {
      await server.registry.create(nodeDef, undefined, { metadata: { name: 'node-1' } }, scope);
      await setNodeReady(server.registry, server.catalog, 'node-1', true);
      await server.registry.create(
        podDef,
        'default',
        { metadata: { name: 'first' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
        scope,
      );
      await waitFor('first running', () => {
        const pod = server.registry.tryGet(podDef, 'default', 'first');
        return pod && isPodReady(pod);
      });
      await simulation.stop();
      await simulation.stop(); // idempotent

      // Created while nothing runs: scheduled and started from the snapshot of the next start.
      await server.registry.create(
        podDef,
        'default',
        { metadata: { name: 'second' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
        scope,
      );
      assert.equal(
        (server.registry.get(podDef, 'default', 'second').spec as { nodeName?: string }).nodeName,
        undefined,
      );
      simulation = startWorkloadSimulation(server.registry, server.catalog);
      await waitFor('second running on node-1', () => {
        const pod = server.registry.tryGet(podDef, 'default', 'second');
        return pod && isPodReady(pod) && (pod.spec as { nodeName?: string }).nodeName === 'node-1';
      });
    } finally {
      await simulation.stop();
    }
  });
});
