import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type EmbeddedApiServer,
  startEmbeddedApiServer,
} from '../../apiserver/embedded/embedded-api-server.js';
import { KubeClient } from '../../controller-runtime/client/kube-client.js';
import { EventRecorder } from '../../controller-runtime/events/event-recorder.js';
import { silentLogger } from '../../controller-runtime/log/logger.js';
import { clusterApiCrds } from '../../main/crds.js';
import { installCrds } from '../../main/install-crds.js';
import { machineTimeline } from './machine-timeline.js';

describe('machine timeline: Events survive a restart of the embedded API server (capi up data dir)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('reads the Events recorded before the restart back from the data dir', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-timeline-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const start = async (): Promise<{ server: EmbeddedApiServer; client: KubeClient }> => {
      const server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0 });
      const client = KubeClient.fromKubeconfig({ kubeconfigPath: server.paths.kubeconfig });
      return { server, client };
    };

    const first = await start();
    await installCrds(first.client, clusterApiCrds());
    const machine = await first.client.create({
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Machine',
      metadata: { name: 'm1', namespace: 'default' },
      spec: {
        clusterName: 'demo',
        bootstrap: { dataSecretName: 'm1' },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: 'm1' },
      },
    });
    const recorder = new EventRecorder({
      client: first.client,
      component: 'machine-controller',
      logger: silentLogger(),
    });
    recorder.event(machine, 'Normal', 'SuccessfulSetNodeRef', 'node-m1');
    recorder.event(machine, 'Normal', 'Running', 'Machine m1 is Running');
    recorder.event(machine, 'Normal', 'Running', 'Machine m1 is Running');
    await recorder.close();
    const before = await machineTimeline(first.client, 'default', 'm1');
    first.client.close();
    await first.server.stop();

    const second = await start();
    cleanup.push(async () => {
      second.client.close();
      await second.server.stop();
    });
    const afterRestart = await machineTimeline(second.client, 'default', 'm1');
    const events = afterRestart.entries.filter((e) => e.category === 'event');
    assert.deepEqual(
      events.map((e) => [e.reason, e.message, e.count]),
      [
        ['SuccessfulSetNodeRef', 'node-m1', undefined],
        ['Running', 'Machine m1 is Running', 2],
      ],
    );
    assert.deepEqual(afterRestart.entries, before.entries);
  });
});
