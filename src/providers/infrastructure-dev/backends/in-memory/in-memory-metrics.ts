import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The in-memory backend's own series, beside controller-runtime's; upstream's names where it has them. */
export class InMemoryMetrics {
  readonly workloadClusters: Gauge;
  readonly apiServerRequests: Counter<'method' | 'code'>;
  readonly apiServerRequestDuration: Histogram<'method'>;
  readonly providerApiErrors: Counter<'provider' | 'kind' | 'operation' | 'code'>;
  readonly stepDuration: Histogram<'step'>;

  constructor(registry: Registry, clusters: () => number) {
    const registers = [registry];
    this.workloadClusters = new Gauge({
      name: 'capi_inmemory_workload_clusters',
      help: 'Simulated workload clusters held by this process (each with its own API endpoint).',
      registers,
      collect() {
        this.set(clusters());
      },
    });
    this.apiServerRequests = new Counter({
      name: 'inmemory_apiserver_request_total',
      help: 'Requests answered by the simulated workload API servers.',
      labelNames: ['method', 'code'],
      registers,
    });
    this.apiServerRequestDuration = new Histogram({
      name: 'inmemory_apiserver_request_duration_seconds',
      help: 'Time the simulated workload API servers took to answer (watches: until they ended).',
      labelNames: ['method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.providerApiErrors = new Counter({
      name: 'capi_provider_api_errors_total',
      help: 'Errors the infrastructure provider API returned to a reconcile, by HTTP-style status code (injected, for the in-memory backend).',
      labelNames: ['provider', 'kind', 'operation', 'code'],
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'capi_inmemory_machine_step_duration_seconds',
      help: 'Simulated provisioning time of each machine step (vm, node, etcd, apiServer), as configured plus jitter.',
      labelNames: ['step'],
      buckets: [0, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers,
    });
  }
}
