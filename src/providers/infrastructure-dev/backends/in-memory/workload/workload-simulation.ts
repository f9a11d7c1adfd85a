import { statusErrors } from '../../../../../apiserver/errors/status-error.js';
import type { GenericRegistry } from '../../../../../apiserver/registry/generic-registry.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type { KubeObject } from '../../../../../apiserver/registry/resource-definition.js';
import { formatTime } from '../../../../../apiserver/util/time.js';
import { BootstrapTokenCleaner } from './bootstrap-token-cleaner.js';
import { SimulatedDaemonSetController } from './daemon-set-controller.js';
import { SimulatedDeploymentController } from './deployment-controller.js';
import { SimulatedScheduler } from './pod-scheduler.js';
import { SimulatedKubelet } from './simulated-kubelet.js';

export interface WorkloadSimulation {
  /** Stops the simulated components and waits for their writes under way. */
  stop(): Promise<void>;
}

/**
 * Starts what makes a simulated workload cluster's pods behave: the scheduler, the kubelets (with pod GC
 * and the node lifecycle controller's pod readiness), the DaemonSet and Deployment controllers, and the
 * token cleaner that deletes expired bootstrap tokens. The
 * API server instance already runs the PodTerminator, the disruption controller and garbage collection.
 */
export function startWorkloadSimulation(
  registry: GenericRegistry,
  catalog: ResourceCatalog,
): WorkloadSimulation {
  const parts = [
    new SimulatedScheduler(registry, catalog),
    new SimulatedKubelet(registry, catalog),
    new SimulatedDaemonSetController(registry, catalog),
    new SimulatedDeploymentController(registry, catalog),
    new BootstrapTokenCleaner(registry, catalog),
  ];
  for (const part of parts) part.start();
  let stopping: Promise<void> | undefined;
  return {
    stop: () => (stopping ??= Promise.all(parts.map((part) => part.stop())).then(() => undefined)),
  };
}

/** Reasons the kubelet gives its Ready condition (`pkg/kubelet/nodestatus`). */
export const NodeReadyReasons = {
  ready: 'KubeletReady',
  notReady: 'KubeletNotReady',
} as const;

interface NodeCondition {
  type: string;
  status: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/**
 * Fault injection: sets a Node's Ready condition as its kubelet would report it (True/KubeletReady, or
 * False with `reason`, default KubeletNotReady). The heartbeat moves on every call, the transition time only
 * when the status flips. Fails with 404 when the Node does not exist.
 */
export async function setNodeReady(
  registry: GenericRegistry,
  catalog: ResourceCatalog,
  nodeName: string,
  ready: boolean,
  reason?: string,
): Promise<KubeObject> {
  const nodeDef = catalog.get('', 'v1', 'nodes');
  if (!nodeDef) throw new Error('setNodeReady: the catalog does not serve core/v1 nodes');
  const now = formatTime(new Date());
  const updated = await registry.mutate(
    nodeDef,
    undefined,
    nodeName,
    (node) => {
      const status = (node.status ??= {}) as { conditions?: NodeCondition[] };
      const conditions = Array.isArray(status.conditions) ? status.conditions : (status.conditions = []);
      const wanted = ready ? 'True' : 'False';
      const index = conditions.findIndex((c) => c.type === 'Ready');
      const previous = index >= 0 ? conditions[index] : undefined;
      const condition: NodeCondition = {
        type: 'Ready',
        status: wanted,
        lastHeartbeatTime: now,
        lastTransitionTime:
          previous?.status === wanted && previous.lastTransitionTime ? previous.lastTransitionTime : now,
        reason: reason ?? (ready ? NodeReadyReasons.ready : NodeReadyReasons.notReady),
        message: ready ? 'kubelet is posting ready status' : 'kubelet is not ready (simulated fault)',
      };
      if (index >= 0) conditions[index] = condition;
      else conditions.push(condition);
      return true;
    },
    'kubelet',
  );
  if (!updated) throw statusErrors.notFound({ group: '', resource: 'nodes' }, nodeName);
  return updated;
}
