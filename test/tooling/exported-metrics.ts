/**
 * What the controller manager exports to Prometheus, and a checker for PromQL that names it: shared by the
 * tests of the Prometheus rules (deploy/prometheus) and of the Grafana dashboards (deploy/grafana).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { ControllerRuntimeMetrics, defaultRegistry } from '../../src/controller-runtime/metrics/metrics.js';
import { ClusterCacheMetrics } from '../../src/core/cluster-cache/cluster-cache-metrics.js';
import { CoreMetrics } from '../../src/core/metrics/core-metrics.js';
import { KubeadmControlPlaneMetrics } from '../../src/providers/control-plane-kubeadm/metrics.js';
import { InMemoryMetrics } from '../../src/providers/infrastructure-dev/backends/in-memory/in-memory-metrics.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RULES = 'deploy/prometheus/capi-rules.yaml';
export const run = promisify(execFile);

/** Why promtool cannot run (a message for `t.skip`), or false when it can. */
export async function promtoolMissing(): Promise<string | false> {
  try {
    await run('promtool', ['--version']);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return 'promtool is not installed (Debian package `prometheus`; .ci/run installs it)';
    throw err;
  }
}

/** A series name we export, with the label names a selector may match on. */
export type Exported = Map<string, ReadonlySet<string>>;

/**
 * The series the controller manager exposes, from the very registration code it runs: every metric class
 * registered on a fresh registry, plus the process metrics of the default registry. A histogram `x` exposes
 * `x_bucket` (with `le`), `x_sum` and `x_count`, never `x`.
 */
export function exportedSeries(): { series: Exported; metricNames: Set<string> } {
  const registry = new Registry();
  new ControllerRuntimeMetrics(registry);
  new CoreMetrics(registry, () => []);
  new ClusterCacheMetrics(registry);
  new KubeadmControlPlaneMetrics(registry);
  new InMemoryMetrics(registry, () => 0);
  const series: Exported = new Map();
  const metricNames = new Set<string>();
  for (const metric of [...registry.getMetricsAsArray(), ...defaultRegistry.getMetricsAsArray()]) {
    // prom-client types `type` as a numeric enum, but the instances carry the exposition type as a string.
    const { name, type, labelNames } = metric as unknown as {
      name: string;
      type: string;
      labelNames?: readonly string[];
    };
    assert.ok(Array.isArray(labelNames), `cannot read the label names of ${name}`);
    const labels = new Set(labelNames);
    metricNames.add(name);
    if (type === 'histogram') {
      series.set(`${name}_bucket`, new Set([...labels, 'le']));
      series.set(`${name}_sum`, labels);
      series.set(`${name}_count`, labels);
    } else if (type === 'summary') {
      series.set(name, new Set([...labels, 'quantile']));
      series.set(`${name}_sum`, labels);
      series.set(`${name}_count`, labels);
    } else {
      series.set(name, labels);
    }
  }
  return { series, metricNames };
}

/** The text of every non-test `.ts` file under src/. */
function* sourceFiles(dir = path.join(root, 'src')): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield readFileSync(full, 'utf8');
  }
}

/** Metric names registered anywhere under src/ (`new Counter({ name: '...' ...`), to keep the list above complete. */
export function registeredInSource(): Set<string> {
  const names = new Set<string>();
  for (const text of sourceFiles()) {
    if (!text.includes("from 'prom-client'")) continue;
    for (const m of text.matchAll(
      /new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: '([^']+)'/g,
    ))
      names.add(m[1]!);
  }
  return names;
}

/**
 * The `prefix` of every `registerObjectStateMetrics({ prefix: '...' })` call under src/: the per-object state
 * gauges build their names from it (`capi_cluster` + `_info`), so `registeredInSource` cannot see them.
 */
export function stateMetricPrefixesInSource(): Set<string> {
  const prefixes = new Set<string>();
  for (const text of sourceFiles())
    for (const call of text.split('registerObjectStateMetrics({').slice(1)) {
      const prefix = /^[^}]*?\bprefix: '([^']+)'/s.exec(call);
      if (prefix) prefixes.add(prefix[1]!);
    }
  return prefixes;
}

export interface Selector {
  name: string;
  labels: string[];
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/** The metric selectors of a PromQL expression: every metric name with the label names its matchers use. */
export function selectorsOf(expr: string): Selector[] {
  const matchers: string[] = [];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    // Label matchers out of the way of the name scan: `{...}` becomes `#<index>#`.
    .replace(/\{([^}]*)\}/g, (_, m: string) => `#${matchers.push(m) - 1}#`);
  const labelsOf = (i: string | undefined): string[] =>
    [...(matchers[Number(i)] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!);
  const selectors: Selector[] = [];
  for (const m of stripped.matchAll(/(?<![\w.:#])([a-zA-Z_:][\w:]*)\s*(?:#(\d+)#)?(\s*\()?/g)) {
    const [, name, matcher, call] = m;
    if (call !== undefined || KEYWORDS.has(name!.toLowerCase())) continue;
    selectors.push({ name: name!, labels: labelsOf(matcher) });
  }
  // Matchers that follow no metric name belong to a selector without one (`{__name__=~"..."}`).
  for (const m of stripped.matchAll(/(?<![\w:]\s*)#(\d+)#/g))
    selectors.push({ name: '', labels: labelsOf(m[1]) });
  return selectors;
}

/** Labels every scraped series carries (target labels), whatever the metric. */
const TARGET_LABELS = new Set(['job', 'instance']);

/**
 * What is wrong with the selectors of `expr`: unknown metrics, labels a metric does not have. `recorded` are
 * the recording rules: as a set of names their labels go unchecked; as a map (see `recordedSeries`) the
 * matchers on them are checked like those on exported series.
 */
export function problemsOf(
  expr: string,
  exported: Exported,
  recorded: ReadonlySet<string> | ReadonlyMap<string, ReadonlySet<string>>,
): string[] {
  const problems: string[] = [];
  const recordedLabels = 'get' in recorded ? recorded : undefined;
  for (const { name, labels } of selectorsOf(expr)) {
    if (name === '') {
      problems.push(`a selector without a metric name: {${labels.join(',')}}`);
      continue;
    }
    if (!recordedLabels && recorded.has(name)) continue;
    const known = exported.get(name) ?? recordedLabels?.get(name);
    if (!known) {
      problems.push(`unknown metric ${name}`);
      continue;
    }
    for (const label of labels)
      if (!known.has(label) && !TARGET_LABELS.has(label)) problems.push(`${name} has no label ${label}`);
  }
  return problems;
}

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}
export interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

/** The rules of deploy/prometheus/capi-rules.yaml (or another rule file under the repository). */
export function loadRules(file = RULES): Rule[] {
  const rules = parse(readFileSync(path.join(root, file), 'utf8')) as RuleFile;
  return rules.groups.flatMap((g) => g.rules);
}

const AGGREGATIONS =
  /\b(sum|min|max|avg|group|stddev|stdvar|count|count_values|bottomk|topk|quantile)\s*(?:(by|without)\s*\(([^)]*)\)\s*)?\(/g;

/**
 * The labels of the series an expression returns, read off its text: with an aggregation, the `by (...)`
 * labels of every outermost aggregation (one not inside another's argument; without `by` it keeps none;
 * `histogram_quantile` drops `le`); without one, the labels of the series it selects; plus the label each
 * `label_replace` outside an aggregation writes. Good enough for the rule file, whose expressions aggregate at
 * the top or combine series of identical labels; `without` is not supported and throws.
 */
export function outputLabelsOf(
  expr: string,
  exported: Exported,
  recorded: ReadonlyMap<string, ReadonlySet<string>>,
): Set<string> {
  // Strings blanked out, keeping their length so that positions in `text` are positions in `expr`.
  const text = expr.replace(
    /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g,
    (q) => `"${' '.repeat(q.length - 2)}"`,
  );
  const labels = new Set<string>();
  let aggregated = false;
  let insideUntil = -1;
  const aggregatedSpans: [number, number][] = [];
  for (const m of text.matchAll(AGGREGATIONS)) {
    const [agg, , modifier, list] = m;
    const open = m.index + agg.length - 1;
    if (open < insideUntil) continue;
    if (modifier === 'without') throw new Error(`cannot tell the labels of \`${agg}\` in ${expr}`);
    aggregated = true;
    for (const l of (list ?? '').split(',')) if (l.trim()) labels.add(l.trim());
    let depth = 0;
    for (insideUntil = open; insideUntil < text.length; insideUntil++) {
      if (text[insideUntil] === '(') depth++;
      else if (text[insideUntil] === ')' && --depth === 0) break;
    }
    aggregatedSpans.push([open, insideUntil]);
  }
  if (aggregated) {
    if (/\bhistogram_quantile\s*\(/.test(text)) labels.delete('le');
  } else {
    for (const { name } of selectorsOf(expr))
      for (const l of exported.get(name) ?? recorded.get(name) ?? []) labels.add(l);
  }
  // `label_replace(v, "dst", "replacement", "src", "regex")` outside an aggregation adds `dst` (the first of its
  // four string arguments at the end).
  for (const m of text.matchAll(/,\s*("\s*")\s*,\s*"\s*"\s*,\s*"\s*"\s*,\s*"\s*"\s*\)/g)) {
    const at = m.index + m[0].indexOf(m[1]!);
    if (aggregatedSpans.some(([from, to]) => at > from && at < to)) continue;
    labels.add(expr.slice(at + 1, at + m[1]!.length - 1));
  }
  return labels;
}

/**
 * The series the recording rules write, with their labels (see `outputLabelsOf`, plus the rule's `labels`),
 * and `ALERTS`, whose labels are `alertname`, `alertstate` and those of the alerts' expressions and rules.
 */
export function recordedSeries(rules: readonly Rule[], exported: Exported): Map<string, Set<string>> {
  const recorded = new Map<string, Set<string>>();
  const alerts = new Set(['alertname', 'alertstate']);
  // Rules may use rules recorded later in the file: resolve until nothing changes.
  for (let changed = true; changed;) {
    changed = false;
    for (const rule of rules) {
      const labels = outputLabelsOf(rule.expr, exported, recorded);
      for (const l of Object.keys(rule.labels ?? {})) labels.add(l);
      const into = rule.record ? (recorded.get(rule.record) ?? new Set<string>()) : alerts;
      if (rule.record) recorded.set(rule.record, into);
      for (const l of labels) {
        if (into.has(l)) continue;
        into.add(l);
        changed = true;
      }
    }
  }
  recorded.set('ALERTS', alerts);
  return recorded;
}
