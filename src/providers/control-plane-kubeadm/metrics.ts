import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { registerKubeadmControlPlaneStateMetrics } from './state-metrics.js';

/** The Cluster a KubeadmControlPlane belongs to (its namespace and the Cluster's name). */
export interface ClusterKey {
  namespace: string;
  name: string;
}

type ClusterLabels = 'cluster_namespace' | 'cluster_name';
export type UpgradeResult = 'succeeded' | 'failed';
/**
 * What became of a Machine KCP was asked to remediate: deleted (`remediated`), held back by a rule (`deferred`,
 * the OwnerRemediated reason says which: RemediationDeferred, CannotBeRemediated), or an error (`failed`).
 */
export type RemediationOutcome = 'remediated' | 'deferred' | 'failed';

export interface RemediationEvent {
  machine: string;
  outcome: RemediationOutcome;
  /** The OwnerRemediated reason set on the Machine (MachineDeleting, RemediationDeferred, ...). */
  reason: string;
}

/** A control plane Machine and its `status.certificatesExpiryDate` (unset until known). */
export interface MachineCertificateExpiry {
  name: string;
  certificatesExpiryDate?: string | Date;
}

export interface KubeadmControlPlaneMetricsOptions {
  /** Milliseconds since the epoch; tests pin it. */
  now?: () => number;
}

interface Upgrade {
  startedAt: number;
  version: string;
}

const keyOf = (c: ClusterKey): string => `${c.namespace}/${c.name}`;
const labelsOf = (c: ClusterKey): Record<ClusterLabels, string> => ({
  cluster_namespace: c.namespace,
  cluster_name: c.name,
});
const RESULTS: readonly UpgradeResult[] = ['succeeded', 'failed'];
/** Remediation outcomes remembered per cluster, to count each decision once however often it is repeated. */
const REMEMBERED_MACHINES = 64;

function epochMs(t: string | Date | number | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The SLIs of the kubeadm control plane provider (issue 8), beside controller-runtime's reconcile metrics: how
 * many control plane upgrades start, how they end and how long they take, what KCP's remediation does, and how
 * far away the earliest certificate expiry of each control plane is. Upstream has no metrics of its own for
 * these (kube-state-metrics' `capi_machine_status_certificatesexpirydate` is the nearest); the names follow its
 * `capi_kubeadmcontrolplane_` prefix and the `cluster_namespace`/`cluster_name` labels of our other per-cluster
 * series. Every method is idempotent, so the reconciler can call them on each pass.
 */
export class KubeadmControlPlaneMetrics {
  readonly upgradesStarted: Counter<ClusterLabels>;
  readonly upgrades: Counter<ClusterLabels | 'result'>;
  readonly upgradeDuration: Histogram<'cluster_namespace' | 'result'>;
  readonly upgradeStartTime: Gauge<ClusterLabels | 'version'>;
  readonly remediations: Counter<ClusterLabels | 'outcome' | 'reason'>;
  readonly certificatesExpiry: Gauge<ClusterLabels>;
  readonly machineCertificatesExpiry: Gauge<ClusterLabels | 'machine'>;
  readonly #now: () => number;
  readonly #upgrades = new Map<string, Upgrade>();
  readonly #remediations = new Map<string, Map<string, string>>();
  /** The outcome/reason pairs counted per cluster, to drop their series with the cluster. */
  readonly #remediationSeries = new Map<string, Map<string, RemediationOutcome>>();
  readonly #expiries = new Map<string, { cluster: ClusterKey; machines: Map<string, number> }>();
  #objects: () => Iterable<KubeObject> = () => [];

  constructor(registry: Registry, options: KubeadmControlPlaneMetricsOptions = {}) {
    const registers = [registry];
    this.#now = options.now ?? Date.now;
    const expiries = this.#expiries;
    const now = this.#now;
    this.upgradesStarted = new Counter({
      name: 'capi_kubeadmcontrolplane_upgrades_started_total',
      help: 'Control plane upgrades (a new Kubernetes version rolled out) that KubeadmControlPlane started.',
      labelNames: ['cluster_namespace', 'cluster_name'],
      registers,
    });
    this.upgrades = new Counter({
      name: 'capi_kubeadmcontrolplane_upgrades_total',
      help: 'Control plane upgrades that ended, by result (succeeded: every Machine at the version and the control plane stable).',
      labelNames: ['cluster_namespace', 'cluster_name', 'result'],
      registers,
    });
    this.upgradeDuration = new Histogram({
      name: 'capi_kubeadmcontrolplane_upgrade_duration_seconds',
      help: 'Time from the start of a control plane upgrade until it ended, by result.',
      labelNames: ['cluster_namespace', 'result'],
      buckets: [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 14400],
      registers,
    });
    this.upgradeStartTime = new Gauge({
      name: 'capi_kubeadmcontrolplane_upgrade_start_time_seconds',
      help: 'Start of the control plane upgrade in progress (Unix time), by target version; absent when none is.',
      labelNames: ['cluster_namespace', 'cluster_name', 'version'],
      registers,
    });
    this.remediations = new Counter({
      name: 'capi_kubeadmcontrolplane_remediations_total',
      help: 'Remediation decisions KubeadmControlPlane took on unhealthy control plane Machines, by outcome and OwnerRemediated reason.',
      labelNames: ['cluster_namespace', 'cluster_name', 'outcome', 'reason'],
      registers,
    });
    this.certificatesExpiry = new Gauge({
      name: 'capi_kubeadmcontrolplane_certificates_expiry_seconds',
      help: 'Seconds until the earliest certificate expiry among the control plane Machines (negative once expired).',
      labelNames: ['cluster_namespace', 'cluster_name'],
      registers,
      collect() {
        this.reset();
        for (const { cluster, machines } of expiries.values()) {
          if (machines.size === 0) continue;
          this.set(labelsOf(cluster), (Math.min(...machines.values()) - now()) / 1000);
        }
      },
    });
    registerKubeadmControlPlaneStateMetrics(registry, () => this.#objects());
    this.machineCertificatesExpiry = new Gauge({
      name: 'capi_kubeadmcontrolplane_machine_certificates_expiry_seconds',
      help: "Seconds until a control plane Machine's certificates expire (its status.certificatesExpiryDate).",
      labelNames: ['cluster_namespace', 'cluster_name', 'machine'],
      registers,
      collect() {
        this.reset();
        for (const { cluster, machines } of expiries.values()) {
          for (const [machine, at] of machines)
            this.set({ ...labelsOf(cluster), machine }, (at - now()) / 1000);
        }
      },
    });
  }

  /**
   * An upgrade to `version` is under way (the KCP's version differs from some Machine's). Counted once: later
   * calls while it runs only follow a changed target version. `startedAt` (e.g. when RollingOut turned True)
   * keeps the duration right across controller restarts. Returns whether this call started one.
   */
  upgradeStarted(cluster: ClusterKey, version: string, startedAt?: string | Date | number): boolean {
    const key = keyOf(cluster);
    const running = this.#upgrades.get(key);
    if (running) {
      if (running.version !== version) {
        this.upgradeStartTime.remove({ ...labelsOf(cluster), version: running.version });
        running.version = version;
        this.upgradeStartTime.set({ ...labelsOf(cluster), version }, running.startedAt / 1000);
      }
      return false;
    }
    const upgrade = { startedAt: epochMs(startedAt) ?? this.#now(), version };
    this.#upgrades.set(key, upgrade);
    this.upgradesStarted.inc(labelsOf(cluster));
    this.upgradeStartTime.set({ ...labelsOf(cluster), version }, upgrade.startedAt / 1000);
    return true;
  }

  /**
   * The upgrade in progress ended: `ok` when every Machine runs the version and the control plane is stable,
   * not ok when it was abandoned. Returns its duration in seconds, or undefined when none was in progress (so
   * calling it on every stable pass is harmless).
   */
  upgradeFinished(cluster: ClusterKey, ok: boolean): number | undefined {
    const key = keyOf(cluster);
    const running = this.#upgrades.get(key);
    if (!running) return undefined;
    this.#upgrades.delete(key);
    const result: UpgradeResult = ok ? 'succeeded' : 'failed';
    const seconds = Math.max(0, (this.#now() - running.startedAt) / 1000);
    this.upgrades.inc({ ...labelsOf(cluster), result });
    this.upgradeDuration.observe({ cluster_namespace: cluster.namespace, result }, seconds);
    this.upgradeStartTime.remove({ ...labelsOf(cluster), version: running.version });
    return seconds;
  }

  /** Whether an upgrade of the cluster is being tracked. */
  upgradeInProgress(cluster: ClusterKey): boolean {
    return this.#upgrades.has(keyOf(cluster));
  }

  /**
   * A remediation decision on a Machine. The same decision for the same Machine (a deferral repeated on every
   * pass) counts once; a different one counts again. Returns whether it was counted.
   */
  remediated(cluster: ClusterKey, event: RemediationEvent): boolean {
    const key = keyOf(cluster);
    let seen = this.#remediations.get(key);
    if (!seen) this.#remediations.set(key, (seen = new Map<string, string>()));
    const decision = `${event.outcome}/${event.reason}`;
    if (seen.get(event.machine) === decision) return false;
    seen.delete(event.machine);
    seen.set(event.machine, decision);
    if (seen.size > REMEMBERED_MACHINES) seen.delete(seen.keys().next().value!);
    this.remediations.inc({ ...labelsOf(cluster), outcome: event.outcome, reason: event.reason });
    let series = this.#remediationSeries.get(key);
    if (!series) this.#remediationSeries.set(key, (series = new Map<string, RemediationOutcome>()));
    series.set(decision, event.outcome);
    return true;
  }

  /**
   * The certificate expiry of the cluster's control plane Machines, replacing what was known: Machines absent
   * here (deleted) or without a date drop out. The gauges compute the remaining time when scraped.
   */
  setCertificateExpiry(cluster: ClusterKey, machines: readonly MachineCertificateExpiry[]): void {
    const known = new Map<string, number>();
    for (const m of machines) {
      const at = epochMs(m.certificatesExpiryDate);
      if (at !== undefined) known.set(m.name, at);
    }
    if (known.size === 0) this.#expiries.delete(keyOf(cluster));
    else this.#expiries.set(keyOf(cluster), { cluster: { ...cluster }, machines: known });
  }

  /**
   * Where the per-object state metrics (`capi_kubeadmcontrolplane_info`, `_status_replicas*`, ...) read the
   * KubeadmControlPlanes at scrape time: the controller's informer store; none until set.
   */
  readObjectsFrom(objects: () => Iterable<KubeObject>): void {
    this.#objects = objects;
  }

  /** Drops a deleted cluster's series and state (its in-progress upgrade is not counted as ended). */
  forget(cluster: ClusterKey): void {
    const key = keyOf(cluster);
    const labels = labelsOf(cluster);
    const running = this.#upgrades.get(key);
    if (running) this.upgradeStartTime.remove({ ...labels, version: running.version });
    this.#upgrades.delete(key);
    this.#remediations.delete(key);
    this.#expiries.delete(key);
    this.upgradesStarted.remove(labels);
    for (const result of RESULTS) this.upgrades.remove({ ...labels, result });
    for (const [decision, outcome] of this.#remediationSeries.get(key) ?? []) {
      this.remediations.remove({ ...labels, outcome, reason: decision.slice(outcome.length + 1) });
    }
    this.#remediationSeries.delete(key);
  }
}

const byRegistry = new WeakMap<Registry, KubeadmControlPlaneMetrics>();

/** One metric set per registry: prom-client refuses a second metric of the same name on a registry. */
export function kubeadmControlPlaneMetricsFor(registry: Registry): KubeadmControlPlaneMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = new KubeadmControlPlaneMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
