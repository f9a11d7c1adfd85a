import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { KubeObject, TypeRef } from '../../controller-runtime/api/object.js';

/** Reads the cached objects a gauge summarises at scrape time (no per-object series). */
export type CachedObjects = (type: TypeRef) => Iterable<KubeObject>;

/**
 * The SLIs platform teams track, beside controller-runtime's reconcile metrics (success ratio per controller
 * is `controller_runtime_reconcile_total{result}`): how long Machines take from creation to a Ready Node,
 * how many fail or get remediated, and how many Clusters and Machines are in each phase.
 */
export class CoreMetrics {
  readonly machineProvisioning: Histogram<'cluster_namespace'>;
  readonly machineFailures: Counter<'reason'>;
  readonly machineRemediations: Counter<'reason'>;

  constructor(registry: Registry, objects?: CachedObjects) {
    const registers = [registry];
    this.machineProvisioning = new Histogram({
      name: 'capi_machine_provisioning_duration_seconds',
      help: 'Time from Machine creation until its Node is linked and Ready.',
      labelNames: ['cluster_namespace'],
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers,
    });
    this.machineFailures = new Counter({
      name: 'capi_machine_failures_total',
      help: 'Machines that failed (infrastructure deleted underneath, Node lost, provisioning errors), by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.machineRemediations = new Counter({
      name: 'capi_machine_remediations_total',
      help: 'Machines deleted or handed to an external remediation because a MachineHealthCheck found them unhealthy, by reason.',
      labelNames: ['reason'],
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
      const clusters = byPhase({ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' });
      const machines = byPhase({ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine' });
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
    }
  }
}
