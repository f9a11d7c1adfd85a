import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ControllerBuilder } from '../../src/controller-runtime/controller/builder.js';
import { silentLogger } from '../../src/controller-runtime/log/logger.js';
import {
  LeaderElectionLostError,
  LeaderElector,
} from '../../src/controller-runtime/manager/leader-election.js';
import { Manager } from '../../src/controller-runtime/manager/manager.js';
import { CONFIG_MAP, eventually, startTestApiServer, type TestApiServer } from './helpers/api-server.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

const fast = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };

describe('leader election over a Lease', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestApiServer();
  });
  after(async () => {
    await api?.stop();
  });

  it('lets one candidate win; releasing on cancel hands over at once', async () => {
    const options = { id: 'release', namespace: 'default', releaseOnCancel: true, ...fast };
    const a = new LeaderElector(api.newClient(), { ...options, identity: 'a' });
    const b = new LeaderElector(api.newClient(), { ...options, identity: 'b' });
    const stopA = new AbortController();
    const stopB = new AbortController();
    assert.ok(await a.acquire(stopA.signal));
    const holdA = a.holdUntil(stopA.signal);
    let bWon = false;
    const bAcquire = b.acquire(stopB.signal).then((won) => (bWon = won));
    await new Promise((r) => setTimeout(r, fast.leaseDurationMs + 300));
    assert.equal(bWon, false, 'b must wait while a renews');
    const releasedAt = performance.now();
    stopA.abort();
    await holdA;
    await bAcquire;
    assert.ok(bWon);
    // Released, not expired: b took over within a retry period or two, not a lease duration.
    assert.ok(
      performance.now() - releasedAt < fast.leaseDurationMs,
      'handover after release waited for expiry',
    );
    stopB.abort();
  });

  it('stops the controllers and fails start() when the lease cannot be renewed', async () => {
    const proxy = await TcpProxy.start(Number(new URL(api.server.url).port));
    const registry = new Registry();
    const mgr = new Manager({
      restConfig: { ...api.client.config, server: `https://127.0.0.1:${proxy.port}` },
      registry,
      logger: silentLogger(),
      gracefulShutdownTimeoutMs: 1000,
      leaderElection: { id: 'lost', namespace: 'default', identity: 'doomed', ...fast },
    });
    let reconciling = 0;
    let stoppedWorkers = false;
    new ControllerBuilder(mgr).for(CONFIG_MAP).complete({
      reconcile: () => {
        reconciling++;
        return Promise.resolve();
      },
    });
    mgr.add({
      name: 'probe',
      start: (signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            stoppedWorkers = true;
            resolve();
          }),
        ),
    });
    await api.client.create({ ...CONFIG_MAP, metadata: { name: 'something', namespace: 'default' } });
    const run = mgr.start(new AbortController().signal);
    await mgr.elected();
    await eventually(() => reconciling > 0, 'the controller to run');
    assert.equal(
      (await registry.getSingleMetric('leader_election_master_status')?.get())?.values[0]?.value,
      1,
    );
    const cutAt = performance.now();
    proxy.cut(true);
    await assert.rejects(run, LeaderElectionLostError);
    assert.ok(stoppedWorkers, 'leader-only runnables were stopped');
    assert.ok(
      performance.now() - cutAt >= fast.renewDeadlineMs - 250,
      'gave up only after the renew deadline',
    );
    assert.equal(mgr.isLeader, false);
    await proxy.close();
  });
});
