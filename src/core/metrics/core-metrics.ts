import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';
import { Label } from '../api/v1beta2/well-known.js';
import { registerCoreStateMetrics, stateMetricsType } from './state-metrics.js';

/** Reads the cached objects the gauges summarise at scrape time (an informer's store; never the API server). */
export type CachedObjects = (type: TypeRef) => Iterable<KubeObject>;

type ClusterLabels = 'cluster_namespace' | 'cluster_name';
export type ProvisioningLabels = ClusterLabels | 'owner_kind' | 'owner_name' | 'provider';

/**
 * Why `capi_machine_failures_total` counted a Machine:
 * - `InfrastructureProvisioningFailed`: its infrastructure reported that provisioning failed (the in-memory
 *   backend: a step failed by `inmemory.capi-ts.io/fail-at-step`), counted once per failure the infrastructure
 *   reports, not once per retry;
 * - `InfrastructureDeleted`: the infrastructure object of a provisioned Machine is gone;
 * - `NodeDeleted`: the Node of a Machine went away.
 */
export const MachineFailureReason = {
  InfrastructureProvisioningFailed: 'InfrastructureProvisioningFailed',
  InfrastructureDeleted: 'InfrastructureDeleted',
  NodeDeleted: 'NodeDeleted',
} as const;
export type MachineFailureReason = (typeof MachineFailureReason)[keyof typeof MachineFailureReason];

/** The Cluster a Machine (or its infrastructure object) belongs to. */
export interface MachineClusterKey {
  namespace: string;
  /** `spec.clusterName`, or the `cluster.x-k8s.io/cluster-name` label. */
  clusterName: string;
}

type MachineLike = Pick<KubeObject, 'metadata'> & {
  spec?: { clusterName?: string; infrastructureRef?: { kind?: string } };
};

/** Provisioning durations remembered per process, so a Node that turns Ready again is not observed again. */
const REMEMBERED_PROVISIONED = 10_000;

export function clusterKeyOfMachine(machine: MachineLike): MachineClusterKey {
  return {
    namespace: machine.metadata.namespace ?? '',
    clusterName: machine.spec?.clusterName ?? machine.metadata.labels?.[Label.ClusterName] ?? '',
  };
}

const clusterLabels = (c: MachineClusterKey): Record<ClusterLabels, string> => ({
  cluster_namespace: c.namespace,
  cluster_name: c.clusterName,
});

/**
 * What a Machine belongs to, for the provisioning SLI: its MachineDeployment (`deployment-name` label), else its
 * controller owner (KubeadmControlPlane or another control plane, a MachineSet without deployment, a
 * MachinePool), else nothing (a stand-alone Machine: empty strings).
 */
export function machineOwner(machine: Pick<KubeObject, 'metadata'>): { kind: string; name: string } {
  const deployment = machine.metadata.labels?.[Label.MachineDeploymentName];
  if (deployment) return { kind: 'MachineDeployment', name: deployment };
  const controller = (machine.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (controller) return { kind: controller.kind, name: controller.name };
  return { kind: '', name: '' };
}

/**
 * The SLIs platform teams track, beside controller-runtime's reconcile metrics (success ratio per controller
 * is `controller_runtime_reconcile_total{result}`): how long Machines take from creation to a Ready Node, how
 * many fail or get remediated, how often objects changed behind their controller's back are put back, how many
 * Clusters and Machines are in each phase, and (with `objects`) the per-object state metrics of upstream's
 * kube-state-metrics configuration (`capi_cluster_*`, `capi_machine_*`, ... see state-metrics.ts).
 */
export class CoreMetrics {
  readonly machineProvisioning: Histogram<ProvisioningLabels>;
  readonly machineFailures: Counter<ClusterLabels | 'reason'>;
  readonly machineRemediations: Counter<ClusterLabels | 'reason'>;
  readonly driftCorrections: Counter<'controller' | 'kind'>;
  readonly #provisioned = new Set<string>();

  constructor(registry: Registry, objects?: CachedObjects) {
    const registers = [registry];
    this.machineProvisioning = new Histogram({
      name: 'capi_machine_provisioning_duration_seconds',
      help: 'Time from Machine creation until its Node is first Ready, by cluster, owner (MachineDeployment, control plane, MachineSet, MachinePool) and infrastructure kind.',
      labelNames: ['cluster_namespace', 'cluster_name', 'owner_kind', 'owner_name', 'provider'],
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers,
    });
    this.machineFailures = new Counter({
      name: 'capi_machine_failures_total',
      help: 'Machines that failed, by cluster and reason (InfrastructureProvisioningFailed, InfrastructureDeleted, NodeDeleted).',
      labelNames: ['cluster_namespace', 'cluster_name', 'reason'],
      registers,
    });
    this.machineRemediations = new Counter({
      name: 'capi_machine_remediations_total',
      help: 'Machines deleted or handed to an external remediation because a MachineHealthCheck found them unhealthy, by cluster and reason.',
      labelNames: ['cluster_namespace', 'cluster_name', 'reason'],
      registers,
    });
    this.driftCorrections = new Counter({
      name: 'capi_drift_corrections_total',
      help: 'Objects changed outside their owning controller that the controller put back, by controller and kind of the corrected object.',
      labelNames: ['controller', 'kind'],
      registers,
    });
    if (objects) {
      const byPhase = (type: TypeRef) => (gauge: Gauge<'phase'>) => {
        gauge.reset();
        for (const obj of objects(type)) {
          const phase = (obj.status as { phase?: string } | undefined)?.phase ?? 'Unknown';
          gauge.inc({ phase });
        }
      };
      const clusters = byPhase(stateMetricsType('Cluster'));
      const machines = byPhase(stateMetricsType('Machine'));
      new Gauge({
        name: 'capi_clusters',
        help: 'Clusters by phase.',
        labelNames: ['phase'],
        registers,
        collect() {
          clusters(this);
        },
      });
      new Gauge({
        name: 'capi_machines',
        help: 'Machines by phase.',
        labelNames: ['phase'],
        registers,
        collect() {
          machines(this);
        },
      });
      registerCoreStateMetrics(registry, (kind) => objects(stateMetricsType(kind)));
    }
  }

  /**
   * The Machine's Node is Ready for the first time, `seconds` after the Machine was created. Observed once per
   * Machine in this process (a Node that turns NotReady and Ready again is not observed again). Returns whether
   * it was observed.
   */
  machineProvisioned(machine: MachineLike, seconds: number): boolean {
    const id = machine.metadata.uid ?? `${machine.metadata.namespace ?? ''}/${machine.metadata.name ?? ''}`;
    if (this.#provisioned.has(id)) return false;
    this.#provisioned.add(id);
    if (this.#provisioned.size > REMEMBERED_PROVISIONED)
      this.#provisioned.delete(this.#provisioned.values().next().value!);
    const owner = machineOwner(machine);
    this.machineProvisioning.observe(
      {
        ...clusterLabels(clusterKeyOfMachine(machine)),
        owner_kind: owner.kind,
        owner_name: owner.name,
        provider: machine.spec?.infrastructureRef?.kind ?? '',
      },
      Math.max(0, seconds),
    );
    return true;
  }

  /** A Machine failed (see MachineFailureReason); the caller counts each failure once. */
  machineFailed(cluster: MachineClusterKey, reason: MachineFailureReason): void {
    this.machineFailures.inc({ ...clusterLabels(cluster), reason });
  }

  /** A MachineHealthCheck marked a Machine unhealthy, for `reason`. */
  machineRemediated(machine: MachineLike, reason: string): void {
    this.machineRemediations.inc({ ...clusterLabels(clusterKeyOfMachine(machine)), reason });
  }

  /** `controller` put back an object of `kind` that someone else had changed. */
  driftCorrected(controller: string, kind: string): void {
    this.driftCorrections.inc({ controller, kind });
  }
}
