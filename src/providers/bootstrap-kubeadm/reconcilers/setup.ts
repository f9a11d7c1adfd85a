import { keyString } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import type { Predicate } from '../../../controller-runtime/controller/predicates.js';
import type { Request } from '../../../controller-runtime/controller/reconciler.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import type { Cluster } from '../../../core/api/v1beta2/cluster-types.js';
import type { Machine } from '../../../core/api/v1beta2/machine-types.js';
import { Annotation, ClusterCondition, Label } from '../../../core/api/v1beta2/well-known.js';
import { GROUP } from '../api/index.js';
import { ClusterType, MachineType, type Stored } from './config-owner.js';
import { type InitLocker } from './control-plane-init-lock.js';
import { KubeadmConfigReconciler, KubeadmConfigType } from './kubeadm-config-reconciler.js';
import type { WorkloadClusterClients } from './workload-clusters.js';

export interface KubeadmConfigControllerOptions {
  workloadClusters: WorkloadClusterClients;
  /** Lifetime of join bootstrap tokens (upstream `--bootstrap-token-ttl`, default 15 minutes). */
  tokenTTLMs?: number;
  /** Workers (upstream `--kubeadmconfig-concurrency`, default 100). */
  maxConcurrentReconciles?: number;
  /** Replaces the `<cluster>-lock` ConfigMap (tests). */
  initLock?: InitLocker;
  now?: () => number;
}

/** The KubeadmConfig a Machine's `spec.bootstrap.configRef` names, if it names one. */
function configOf(machine: Stored<Machine>): Request[] {
  const ref = machine.spec?.bootstrap?.configRef;
  if (!ref?.name || ref.kind !== 'KubeadmConfig' || ref.apiGroup !== GROUP) return [];
  return [{ namespace: machine.metadata.namespace, name: ref.name }];
}

type ClusterObj = Stored<Cluster>;
const paused = (c: ClusterObj): boolean =>
  c.spec?.paused === true || Annotation.Paused in (c.metadata.annotations ?? {});
const infraProvisioned = (c: ClusterObj): boolean =>
  c.status?.initialization?.infrastructureProvisioned === true;
const cpInitialized = (c: ClusterObj): boolean =>
  c.status?.initialization?.controlPlaneInitialized === true ||
  (c.status?.conditions ?? []).some(
    (x) => x.type === ClusterCondition.ControlPlaneInitialized && x.status === 'True',
  );
const endpoint = (c: ClusterObj): string =>
  `${c.spec?.controlPlaneEndpoint?.host ?? ''}:${c.spec?.controlPlaneEndpoint?.port ?? ''}`;

/**
 * Cluster updates matter to its configs when they pause or unpause, when the infrastructure becomes provisioned
 * (upstream's ClusterPausedTransitionsOrInfrastructureProvisioned), and — so workers do not sit out their
 * 30 s wait — when the control plane becomes initialized or the endpoint appears.
 */
const clusterMilestones: Predicate<ClusterObj> = {
  update: (o, n) =>
    o === n ||
    paused(o) !== paused(n) ||
    infraProvisioned(o) !== infraProvisioned(n) ||
    cpInitialized(o) !== cpInitialized(n) ||
    endpoint(o) !== endpoint(n),
};

/** Registers the KubeadmConfig controller with the manager. */
export function setupKubeadmConfigController(
  manager: Manager,
  options: KubeadmConfigControllerOptions,
): Controller {
  const machines = () => manager.cache.getInformer<Stored<Machine>>(MachineType).store.values();
  const configsOfCluster = (namespace: string | undefined, name: string | undefined): Request[] => {
    const out: Request[] = [];
    for (const m of machines()) {
      if (m.metadata.namespace !== namespace) continue;
      if ((m.spec?.clusterName || m.metadata.labels?.[Label.ClusterName]) !== name) continue;
      out.push(...configOf(m));
    }
    return out;
  };
  const controller = new ControllerBuilder(manager)
    .named('kubeadmconfig')
    .for(KubeadmConfigType)
    .watches<Stored<Machine>>(MachineType, configOf)
    .watches<ClusterObj>(ClusterType, (c) => configsOfCluster(c.metadata.namespace, c.metadata.name), {
      predicates: [clusterMilestones],
    })
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 100 })
    .complete(
      new KubeadmConfigReconciler({
        client: manager.client,
        apiClient: manager.apiClient,
        workloadClusters: options.workloadClusters,
        ...(options.tokenTTLMs ? { tokenTTLMs: options.tokenTTLMs } : {}),
        ...(options.initLock ? { initLock: options.initLock } : {}),
        ...(options.now ? { now: options.now } : {}),
      }),
    );
  // A workload cluster that (re)connects lets waiting configs create or refresh their tokens at once.
  options.workloadClusters.onConnectionChange?.((cluster, connected) => {
    if (!connected) return;
    for (const r of configsOfCluster(cluster.namespace, cluster.name)) controller.queue.add(keyString(r));
  });
  return controller;
}
