import { Gauge, type Registry } from 'prom-client';
import type { KubeObject } from '../../controller-runtime/api/object.js';

/**
 * Per-object state gauges in the shape of kube-state-metrics' custom resource state metrics, which upstream
 * Cluster API configures in `config/metrics/crd-metrics-config.yaml` (`capi_cluster_info`,
 * `capi_machine_status_condition`, ...). Computed from cached objects at scrape time: every scrape replaces
 * the series, so a deleted object's series are gone on the next scrape.
 *
 * The kinds of metric are kube-state-metrics': an info metric (value 1, facts as labels), a gauge read from a
 * field (timestamps as Unix seconds), and a state set (one series per listed value, 1 for the current one and 0
 * for the others). The `customresource_group|kind|version` labels kube-state-metrics adds are left out.
 */

/** One series of a metric: its labels beyond the object's own, and its value. */
export type StateSeries = readonly [labels: Record<string, string>, value: number];

export interface StateMetricSpec<T extends KubeObject = KubeObject> {
  /** The name after the kind's prefix: `info` for `capi_cluster_info`. */
  name: string;
  help: string;
  /** Label names beyond the object's own (`name`, `namespace`, `uid`, ...). */
  labelNames: readonly string[];
  series(obj: T): Iterable<StateSeries>;
}

export interface ObjectStateMetricsOptions<T extends KubeObject = KubeObject> {
  registry: Registry;
  /** `capi_cluster`, `capi_machine`, ... */
  prefix: string;
  /** Label names of every series of the kind (upstream's `labelsFromPath` of the resource). */
  objectLabelNames: readonly string[];
  objectLabels(obj: T): Record<string, string>;
  metrics: readonly StateMetricSpec<T>[];
  /** The cached objects of the kind, read at scrape time. */
  objects(): Iterable<T>;
}

/** Registers the gauges of one kind; each recomputes its series from `objects()` when scraped. */
export function registerObjectStateMetrics<T extends KubeObject>(
  options: ObjectStateMetricsOptions<T>,
): void {
  for (const spec of options.metrics) {
    new Gauge({
      name: `${options.prefix}_${spec.name}`,
      help: spec.help,
      labelNames: [...options.objectLabelNames, ...spec.labelNames],
      registers: [options.registry],
      collect() {
        this.reset();
        for (const obj of options.objects()) {
          const own = options.objectLabels(obj);
          for (const [labels, value] of spec.series(obj)) this.set({ ...own, ...labels }, value);
        }
      },
    });
  }
}

/** A field read from an object (undefined when a step of the path is missing). */
export type Field<T> = (obj: T) => unknown;

/** `obj.a.b.c` for `path(['a','b','c'])`, without throwing on missing steps. */
export function path<T>(...steps: string[]): Field<T> {
  return (obj) => {
    let v: unknown = obj;
    for (const s of steps) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[s];
    }
    return v;
  };
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return v === undefined || v === null ? '' : JSON.stringify(v);
}

/**
 * A value as kube-state-metrics reads it into a gauge: numbers, booleans (1/0), RFC 3339 timestamps (Unix
 * seconds), numeric strings; undefined when absent or unreadable (a percentage such as `maxSurge: 25%`).
 */
export function gaugeValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return n;
  if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  return undefined;
}

/** An info metric: value 1, with the fields as labels (left out when unset, as Prometheus reads an empty one). */
export function infoMetric<T>(
  name: string,
  help: string,
  fields: Record<string, Field<T>>,
): StateMetricSpec<T & KubeObject> {
  const entries = Object.entries(fields);
  return {
    name,
    help,
    labelNames: entries.map(([label]) => label),
    *series(obj) {
      const labels: Record<string, string> = {};
      for (const [label, f] of entries) {
        const value = text(f(obj));
        if (value !== '') labels[label] = value;
      }
      yield [labels, 1];
    },
  };
}

/** A gauge read from a field; absent when unset unless `nilIsZero` (then 0), as kube-state-metrics does. */
export function fieldGauge<T>(
  name: string,
  help: string,
  field: Field<T>,
  options: { nilIsZero?: boolean } = {},
): StateMetricSpec<T & KubeObject> {
  return {
    name,
    help,
    labelNames: [],
    *series(obj) {
      const raw = field(obj);
      const value = gaugeValue(raw);
      if (value !== undefined) yield [{}, value];
      else if (raw === undefined || raw === null) {
        if (options.nilIsZero) yield [{}, 0];
      }
    },
  };
}

/** A state set: one series per value of `list`, 1 for the object's current value, nothing when unset. */
export function stateSet<T>(
  name: string,
  help: string,
  labelName: string,
  list: readonly string[],
  field: Field<T>,
): StateMetricSpec<T & KubeObject> {
  return {
    name,
    help,
    labelNames: [labelName],
    *series(obj) {
      const current = field(obj);
      if (current === undefined || current === null || current === '') return;
      for (const value of list) yield [{ [labelName]: value }, value === current ? 1 : 0];
    },
  };
}

interface ConditionLike {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
}

const conditionsOf = (obj: KubeObject): ConditionLike[] => {
  const list = (obj as { status?: { conditions?: unknown } }).status?.conditions;
  return Array.isArray(list) ? (list as ConditionLike[]) : [];
};

const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/**
 * `<prefix>_created`, `_annotation_paused`, `_status_condition` and `_status_condition_last_transition_time`:
 * the metrics upstream's configuration gives every kind (`templates/common_metrics.yaml`), reading the v1beta2
 * `status.conditions`.
 */
export function commonStateMetrics(kind: string): StateMetricSpec[] {
  return [
    fieldGauge('created', 'Unix creation timestamp.', path('metadata', 'creationTimestamp')),
    {
      name: 'annotation_paused',
      help: `Whether the ${kind} is paused and any of its resources will not be processed by the controllers.`,
      labelNames: ['paused_value'],
      *series(obj) {
        const value = obj.metadata.annotations?.['cluster.x-k8s.io/paused'];
        if (value !== undefined) yield [{ paused_value: value }, 1];
      },
    },
    {
      name: 'status_condition',
      help: `The condition of a ${kind}.`,
      labelNames: ['type', 'status'],
      *series(obj) {
        for (const c of conditionsOf(obj)) {
          if (!c.type) continue;
          for (const status of CONDITION_STATUSES)
            yield [{ type: c.type, status }, c.status === status ? 1 : 0];
        }
      },
    },
    {
      name: 'status_condition_last_transition_time',
      help: `The condition's last transition time of a ${kind}.`,
      labelNames: ['type', 'status'],
      *series(obj) {
        for (const c of conditionsOf(obj)) {
          const at = gaugeValue(c.lastTransitionTime);
          if (c.type && at !== undefined) yield [{ type: c.type, status: c.status ?? '' }, at];
        }
      },
    },
  ];
}
