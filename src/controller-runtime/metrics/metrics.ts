import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Buckets controller-runtime uses for `controller_runtime_reconcile_time_seconds`. */
const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** 10ns .. 1000s, as client-go's workqueue metrics (ExponentialBuckets(10e-9, 10, 12)). */
const WORKQUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 10e-9 * 10 ** i);
/** client-go's request latency buckets. */
const REST_LATENCY_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

/**
 * Every metric controller-runtime exposes, named and labelled as upstream does so existing Grafana
 * dashboards read them unchanged. One instance per prom-client `Registry` (see `metricsFor`).
 */
export class ControllerRuntimeMetrics {
  readonly registry: Registry;

  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalReconcileErrors: Counter<'controller'>;
  readonly reconcilePanics: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;

  readonly workqueueDepth: Gauge<'name' | 'controller' | 'priority'>;
  readonly workqueueAdds: Counter<'name' | 'controller'>;
  readonly workqueueQueueDuration: Histogram<'name' | 'controller'>;
  readonly workqueueWorkDuration: Histogram<'name' | 'controller'>;
  readonly workqueueUnfinishedWork: Gauge<'name' | 'controller'>;
  readonly workqueueLongestRunningProcessor: Gauge<'name' | 'controller'>;
  readonly workqueueRetries: Counter<'name' | 'controller'>;

  readonly restClientRequests: Counter<'code' | 'method' | 'host'>;
  readonly restClientRequestDuration: Histogram<'verb' | 'host'>;
  readonly restClientRateLimiterDuration: Histogram<'verb' | 'host'>;

  readonly leaderElectionStatus: Gauge<'name'>;

  constructor(registry: Registry) {
    this.registry = registry;
    const registers = [registry];
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.terminalReconcileErrors = new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcilePanics = new Counter({
      name: 'controller_runtime_reconcile_panics_total',
      help: 'Total number of reconciliation panics per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_TIME_BUCKETS,
      registers,
    });
    this.maxConcurrentReconciles = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    });
    this.activeWorkers = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    });

    this.workqueueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue by workqueue and priority',
      labelNames: ['name', 'controller', 'priority'],
      registers,
    });
    this.workqueueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name', 'controller'],
      registers,
    });
    this.workqueueQueueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name', 'controller'],
      buckets: WORKQUEUE_BUCKETS,
      registers,
    });
    this.workqueueWorkDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: ['name', 'controller'],
      buckets: WORKQUEUE_BUCKETS,
      registers,
    });
    this.workqueueUnfinishedWork = new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help:
        'How many seconds of work has been done that is in progress and has not been observed by work_duration. ' +
        'Large values indicate stuck workers.',
      labelNames: ['name', 'controller'],
      registers,
    });
    this.workqueueLongestRunningProcessor = new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: ['name', 'controller'],
      registers,
    });
    this.workqueueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name', 'controller'],
      registers,
    });

    this.restClientRequests = new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host.',
      labelNames: ['code', 'method', 'host'],
      registers,
    });
    this.restClientRequestDuration = new Histogram({
      name: 'rest_client_request_duration_seconds',
      help: 'Request latency in seconds. Broken down by verb, and host.',
      labelNames: ['verb', 'host'],
      buckets: REST_LATENCY_BUCKETS,
      registers,
    });
    this.restClientRateLimiterDuration = new Histogram({
      name: 'rest_client_rate_limiter_duration_seconds',
      help: 'Client side rate limiter latency in seconds. Broken down by verb, and host.',
      labelNames: ['verb', 'host'],
      buckets: REST_LATENCY_BUCKETS,
      registers,
    });

    this.leaderElectionStatus = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
      labelNames: ['name'],
      registers,
    });
  }
}

const byRegistry = new WeakMap<Registry, ControllerRuntimeMetrics>();

/**
 * The process-wide registry controllers report to unless told otherwise (controller-runtime's
 * `metrics.Registry`); it also carries the Node.js process metrics (`process_*`, `nodejs_*`).
 */
export const defaultRegistry = new Registry();
collectDefaultMetrics({ register: defaultRegistry });
// prom-client also exports the sums of `nodejs_active_{handles,requests,resources}{type}` as gauges named
// `..._total`, a suffix Prometheus reserves for counters (`promtool check metrics` rejects them). The per-type
// gauges stay; `sum(nodejs_active_handles)` is the same number.
for (const name of [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
])
  defaultRegistry.removeSingleMetric(name);

/** The metric set registered on `registry`, created on first use (metric names are unique per registry). */
export function metricsFor(registry: Registry = defaultRegistry): ControllerRuntimeMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = new ControllerRuntimeMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
