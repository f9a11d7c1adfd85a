import type { Logger } from 'pino';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import type { Client, Reader } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import { setCondition } from '../../../controller-runtime/conditions/index.js';
import type {
  ReconcileContext,
  Reconciler,
  Request,
  Result,
} from '../../../controller-runtime/controller/reconciler.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { Annotation, ClusterCondition, ClusterReason } from '../../api/v1beta2/well-known.js';
import type { ContractResolver } from '../../contract/contract-version.js';
import type { CoreMetrics } from '../../metrics/core-metrics.js';
import type { RandomSource } from '../../topology/desired-state/index.js';
import { topologyReconciledProgress } from '../../topology/upgrade/index.js';
import { ClusterType } from '../cluster/cluster-reconciler.js';
import type { ExternalTracker } from '../external-tracker.js';
import { computeTopology } from './compute.js';
import { ClusterClassNotReadyError, loadBlueprint, loadCurrentState } from './current-state.js';
import { AppliedObjects, reconcileState } from './reconcile-state.js';

export interface TopologyReconcilerOptions {
  /** Writes; and cached reads: the Cluster, its ClusterClass and templates, Machines, MachineHealthChecks. */
  client: Client;
  /**
   * Reads of the objects whose templates may rotate (infrastructure cluster, control plane, MachineDeployments and
   * their current templates), straight from the API server: rotation compares with them, and a cache that has not
   * seen the last write yet would rotate a template twice.
   */
  apiReader: Reader;
  resolver: ContractResolver;
  /** Watches the infrastructure cluster and control plane kinds as they are met. */
  tracker?: ExternalTracker;
  /** The random part of new names; tests fix it. */
  random?: RandomSource;
  /** Counts the objects put back after someone else changed what the topology applied. */
  metrics?: Pick<CoreMetrics, 'driftCorrected'>;
  /** TopologyCreate/TopologyUpdate/TopologyDelete Events on the Cluster. */
  recorder?: EventRecorder;
}

type StoredCluster = Cluster & KubeObject;

const OWNED_CONDITIONS = [ClusterCondition.TopologyReconciled];

/**
 * The topology controller (upstream `internal/controllers/topology/cluster`): for a Cluster with `spec.topology`,
 * computes the desired state from its ClusterClass and applies it with server-side apply (`capi-topology`), in
 * upstream's order, upgrading the control plane before the MachineDeployments. It owns the Cluster's
 * `TopologyReconciled` condition and `status.{controlPlane,workers}.upgradePlan`.
 */
export class TopologyReconciler implements Reconciler {
  readonly #o: TopologyReconcilerOptions;
  readonly #applied: AppliedObjects;

  constructor(options: TopologyReconcilerOptions) {
    this.#o = options;
    const metrics = options.metrics;
    this.#applied = new AppliedObjects(
      metrics ? (obj) => metrics.driftCorrected('topology/cluster', obj.kind ?? '') : undefined,
    );
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    let cluster: StoredCluster;
    try {
      cluster = await this.#o.client.get<StoredCluster>(ClusterType, request);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (!cluster.spec?.topology) return undefined;
    return withPatch(this.#o.client, cluster, OWNED_CONDITIONS, () => this.#reconcile(cluster, log));
  }

  async #reconcile(cluster: StoredCluster, log: Logger): Promise<Result | undefined> {
    const topologyReconciled = (status: 'True' | 'False', reason: string, message?: string) =>
      setCondition(cluster, {
        type: ClusterCondition.TopologyReconciled,
        status,
        reason,
        ...(message ? { message } : {}),
      });
    // Paused before deleting, as upstream: a paused Cluster's deletion waits, and the condition says so.
    if (cluster.spec.paused || Annotation.Paused in (cluster.metadata.annotations ?? {})) {
      topologyReconciled('False', ClusterReason.TopologyReconcilePaused, pausedMessage(cluster));
      return undefined;
    }
    if (cluster.metadata.deletionTimestamp) {
      topologyReconciled('False', ClusterReason.TopologyReconciledDeleting, 'Cluster is deleting');
      return undefined;
    }
    try {
      const blueprint = await loadBlueprint(this.#o.client, cluster);
      const current = await loadCurrentState(
        this.#o.apiReader,
        this.#o.resolver,
        cluster,
        blueprint,
        this.#o.client,
      );
      const computed = computeTopology({
        cluster,
        blueprint,
        current,
        ...(this.#o.random ? { random: this.#o.random } : {}),
      });
      this.#watchKinds(computed.desired);
      await reconcileState({
        client: this.#o.client,
        reader: this.#o.apiReader,
        cached: this.#o.client,
        applied: this.#applied,
        cluster,
        blueprint,
        current,
        computed,
        log,
        ...(this.#o.recorder ? { recorder: this.#o.recorder } : {}),
      });
      setUpgradePlan(cluster, computed.upgrade.upgradePlan);
      // The step under way lets KubeadmControlPlane and MachineSet preflight checks tell it from a pending one.
      const annotations = (cluster.metadata.annotations ??= {});
      if (computed.upgrade.upgradeStep)
        annotations[Annotation.ClusterTopologyUpgradeStep] = computed.upgrade.upgradeStep;
      else delete annotations[Annotation.ClusterTopologyUpgradeStep];
      const progress = topologyReconciledProgress(computed.upgrade, cluster.spec.topology!.version);
      if (progress) topologyReconciled('False', progress.reason, progress.message);
      else topologyReconciled('True', ClusterReason.TopologyReconcileSucceeded);
      return undefined;
    } catch (err) {
      if (err instanceof ClusterClassNotReadyError && err.notReconciled) {
        // The ClusterClass watch brings the Cluster back once the class is reconciled.
        topologyReconciled('False', ClusterReason.TopologyReconciledClusterClassNotReconciled, err.message);
        return undefined;
      }
      topologyReconciled('False', ClusterReason.TopologyReconciledFailed, errorText(err));
      throw err;
    }
  }

  #watchKinds(current: {
    infrastructureCluster?: KubeObject | undefined;
    controlPlane?: KubeObject | undefined;
  }) {
    for (const obj of [current.infrastructureCluster, current.controlPlane])
      if (obj?.apiVersion && obj.kind) this.#o.tracker?.watch({ apiVersion: obj.apiVersion, kind: obj.kind });
  }
}

/** Upstream's message: each way the Cluster is paused, comma separated. */
function pausedMessage(cluster: StoredCluster): string {
  const messages: string[] = [];
  if (cluster.spec.paused) messages.push('Cluster spec.paused is set to true');
  if (Annotation.Paused in (cluster.metadata.annotations ?? {}))
    messages.push('Cluster has the cluster.x-k8s.io/paused annotation');
  return messages.join(', ');
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** `status.{controlPlane,workers}.upgradePlan`: the versions still to go through (absent when none). */
function setUpgradePlan(cluster: StoredCluster, plan: { controlPlane: string[]; workers: string[] }): void {
  const status = (cluster.status ??= {}) as Record<string, unknown>;
  for (const part of ['controlPlane', 'workers'] as const) {
    const versions = plan[part];
    const counters = (status[part] ?? {}) as Record<string, unknown>;
    if (versions.length > 0) {
      counters.upgradePlan = versions.map((version) => ({ version }));
      status[part] = counters;
    } else if (status[part]) delete counters.upgradePlan;
  }
}
