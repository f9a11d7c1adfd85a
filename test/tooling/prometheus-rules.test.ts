import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { ControllerRuntimeMetrics, defaultRegistry } from '../../src/controller-runtime/metrics/metrics.js';
import { ClusterCacheMetrics } from '../../src/core/cluster-cache/cluster-cache-metrics.js';
import { CoreMetrics } from '../../src/core/metrics/core-metrics.js';
import { KubeadmControlPlaneMetrics } from '../../src/providers/control-plane-kubeadm/metrics.js';
import { InMemoryMetrics } from '../../src/providers/infrastructure-dev/backends/in-memory/in-memory-metrics.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULES = 'deploy/prometheus/capi-rules.yaml';
const RULE_TESTS = 'deploy/prometheus/capi-rules.test.yaml';
const run = promisify(execFile);

async function promtoolMissing(): Promise<string | false> {
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
type Exported = Map<string, ReadonlySet<string>>;

/**
 * The series the controller manager exposes, from the very registration code it runs: every metric class
 * registered on a fresh registry, plus the process metrics of the default registry. A histogram `x` exposes
 * `x_bucket` (with `le`), `x_sum` and `x_count`, never `x`.
 */
function exportedSeries(): { series: Exported; metricNames: Set<string> } {
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

/** Metric names registered anywhere under src/ (`new Counter({ name: '...' ...`), to keep the list above complete. */
function registeredInSource(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const text = readFileSync(full, 'utf8');
        if (!text.includes("from 'prom-client'")) continue;
        for (const m of text.matchAll(
          /new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: '([^']+)'/g,
        ))
          names.add(m[1]!);
      }
    }
  };
  walk(path.join(root, 'src'));
  return names;
}

interface Selector {
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
function selectorsOf(expr: string): Selector[] {
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

/** What is wrong with the selectors of `expr`: unknown metrics, labels a metric does not have. */
function problemsOf(expr: string, exported: Exported, recorded: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const { name, labels } of selectorsOf(expr)) {
    if (name === '') {
      problems.push(`a selector without a metric name: {${labels.join(',')}}`);
      continue;
    }
    if (recorded.has(name)) continue;
    const known = exported.get(name);
    if (!known) {
      problems.push(`unknown metric ${name}`);
      continue;
    }
    for (const label of labels)
      if (!known.has(label) && label !== 'job' && label !== 'instance')
        problems.push(`${name} has no label ${label}`);
  }
  return problems;
}

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface RuleTests {
  tests: {
    name: string;
    input_series?: { series: string }[];
    promql_expr_test?: { expr: string }[];
    alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
  }[];
}

const rules = parse(readFileSync(path.join(root, RULES), 'utf8')) as RuleFile;
const ruleTests = parse(readFileSync(path.join(root, RULE_TESTS), 'utf8')) as RuleTests;
const allRules = rules.groups.flatMap((g) => g.rules);
const recorded = new Set(allRules.flatMap((r) => (r.record ? [r.record] : [])));
const alerts = new Set(allRules.flatMap((r) => (r.alert ? [r.alert] : [])));

describe('Prometheus rules (deploy/prometheus)', () => {
  it('promtool accepts the rule file and its unit tests pass', async (t) => {
    const missing = await promtoolMissing();
    if (missing) {
      t.skip(missing);
      return;
    }
    const check = await run('promtool', ['check', 'rules', RULES], { cwd: root });
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);
    // promtool exits non-zero (execFile rejects, with its report in the error) when a test fails.
    const tests = await run('promtool', ['test', 'rules', RULE_TESTS], { cwd: root, maxBuffer: 16 << 20 });
    assert.match(tests.stdout, /SUCCESS/);
  });

  it('every metric the rules name is one we export or a rule records, with labels it has', () => {
    const { series, metricNames } = exportedSeries();
    const unlisted = [...registeredInSource()].filter((name) => !metricNames.has(name));
    assert.deepEqual(unlisted, [], 'metrics registered in src/ that this test does not instantiate');
    const problems = allRules.flatMap((r) =>
      problemsOf(r.expr, series, recorded).map((p) => `${r.record ?? r.alert}: ${p}`),
    );
    assert.deepEqual(problems, []);
    // Input series of the unit tests too: a misspelt input would leave a test asserting on nothing.
    const inputs = ruleTests.tests.flatMap((test) =>
      (test.input_series ?? []).flatMap((s) =>
        problemsOf(s.series, series, new Set()).map((p) => `${test.name}: ${p}`),
      ),
    );
    assert.deepEqual(inputs, []);
  });

  it('the metric-name check rejects what we do not export', () => {
    const { series } = exportedSeries();
    assert.deepEqual(
      problemsOf(
        'sum by (controller) (rate(capi_no_such_metric_total{controller="x"}[5m])) / on () group_left capi:not:recorded',
        series,
        recorded,
      ),
      ['unknown metric capi_no_such_metric_total', 'unknown metric capi:not:recorded'],
    );
    // A histogram is only its _bucket/_sum/_count series; the machine metrics have no cluster label.
    assert.deepEqual(problemsOf('rate(capi_machine_provisioning_duration_seconds[5m])', series, recorded), [
      'unknown metric capi_machine_provisioning_duration_seconds',
    ]);
    assert.deepEqual(problemsOf('capi_machines{phase="Running", cluster_name="prod"}', series, recorded), [
      'capi_machines has no label cluster_name',
    ]);
    assert.deepEqual(problemsOf('count({__name__=~"capi_.*"})', series, recorded), [
      'a selector without a metric name: {__name__}',
    ]);
    assert.deepEqual(
      problemsOf(
        'histogram_quantile(0.9, sum by (le) (rate(capi_machine_provisioning_duration_seconds_bucket{le="300"}[1h]))) > bool 2',
        series,
        recorded,
      ),
      [],
    );
  });

  it('the unit tests evaluate every recording rule and show every alert firing and silent', () => {
    const evaluated = new Set(
      ruleTests.tests.flatMap((t) =>
        (t.promql_expr_test ?? []).flatMap((e) => selectorsOf(e.expr).map((s) => s.name)),
      ),
    );
    assert.deepEqual(
      [...recorded].filter((r) => !evaluated.has(r)),
      [],
      'recording rules no promql_expr_test evaluates',
    );
    const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert}: no test where it fires`,
      );
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert}: no test where it stays silent`,
      );
    }
    for (const rule of allRules.filter((r) => r.alert))
      assert.match(rule.labels?.severity ?? '', /^(page|ticket)$/, `${rule.alert}: severity`);
  });
});
