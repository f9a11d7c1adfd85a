// Core controllers on a provider-test harness: the cluster cache, the Cluster and Machine controllers.
import { Registry } from 'prom-client';
import type { Manager } from '../../src/controller-runtime/manager/manager.js';
import { ClusterCache } from '../../src/core/cluster-cache/cluster-cache.js';
import { remoteConnectionProbeCondition } from '../../src/core/cluster-cache/remote-connection-probe.js';
import { setupClusterController } from '../../src/core/reconcilers/cluster/setup.js';
import { setupMachineController } from '../../src/core/reconcilers/machine/setup.js';

/** Sets up the core controllers built so far on `manager`, with short cluster-cache intervals for tests. */
export function setupCore(manager: Manager): void {
  const cache = new ClusterCache({
    managementClient: manager.apiClient,
    registry: new Registry(),
    probeIntervalMs: 500,
    probeTimeoutMs: 1000,
    connectionRetryMs: 250,
  });
  cache.setupWithManager(manager);
  setupClusterController(manager, {
    remoteConnectionProbe: (cluster) =>
      remoteConnectionProbeCondition(
        cache.healthState({ namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' }),
        Date.now(),
      ),
  });
  setupMachineController(manager, { workload: cache });
}
