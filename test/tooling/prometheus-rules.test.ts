import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  exportedSeries,
  loadRules,
  outputLabelsOf,
  problemsOf,
  promtoolMissing,
  recordedSeries,
  registeredInSource,
  root,
  RULES,
  run,
  selectorsOf,
} from './exported-metrics.js';

const RULE_TESTS = 'deploy/prometheus/capi-rules.test.yaml';
const ALERTMANAGER_EXAMPLE = 'deploy/prometheus/alertmanager-example.yaml';

interface RuleTests {
  tests: {
    name: string;
    input_series?: { series: string }[];
    promql_expr_test?: { expr: string }[];
    alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
  }[];
}

const ruleTests = parse(readFileSync(path.join(root, RULE_TESTS), 'utf8')) as RuleTests;
const allRules = loadRules();
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

  it('the per-Machine and per-cluster machine rules keep the labels the alerts group and inhibit on', () => {
    const { series } = exportedSeries();
    const labels = recordedSeries(allRules, series);
    assert.deepEqual([...(labels.get('machine:capi_machine_provisioning:age_seconds') ?? [])].sort(), [
      'cluster_name',
      'cluster_namespace',
      'name',
      'namespace',
    ]);
    for (const rule of [
      'cluster:capi_machine_failures:increase15m',
      'cluster:capi_machine_remediations:increase15m',
      'cluster:capi_machine_provisioning_completions:increase15m',
      'cluster:capi_machines_provisioning:count',
    ])
      for (const label of ['cluster_namespace', 'cluster_name'])
        assert.ok(labels.get(rule)?.has(label), `${rule} has no label ${label}`);
    for (const label of ['cluster_namespace', 'cluster_name', 'namespace', 'name'])
      assert.ok(labels.get('ALERTS')?.has(label), `ALERTS has no label ${label}`);
    // A label_replace inside an aggregation does not reach the output.
    assert.deepEqual(
      [...outputLabelsOf('sum by (a) (label_replace(x, "b", "$1", "c", "(.*)"))', series, labels)],
      ['a'],
    );
  });

  it('the Alertmanager example groups and inhibits on labels the alerts have', () => {
    const example = readFileSync(path.join(root, ALERTMANAGER_EXAMPLE), 'utf8');
    interface Route {
      group_by?: string[];
      matchers?: string[];
      routes?: Route[];
    }
    const config = parse(example) as {
      route: Route;
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    };
    const used: string[] = [];
    const matcherLabels = (ms: string[] = []) =>
      ms.map((m) => /^\s*(\w+)\s*(?:=~|!~|!=|=)/.exec(m)?.[1] ?? `unparsable matcher ${m}`);
    const walk = (r: Route): void => {
      used.push(...(r.group_by ?? []), ...matcherLabels(r.matchers));
      (r.routes ?? []).forEach(walk);
    };
    walk(config.route);
    for (const rule of config.inhibit_rules)
      used.push(
        ...rule.equal,
        ...matcherLabels(rule.source_matchers),
        ...matcherLabels(rule.target_matchers),
      );
    const alertLabels = recordedSeries(allRules, exportedSeries().series).get('ALERTS') ?? new Set();
    assert.deepEqual(
      [...new Set(used)].filter((l) => !alertLabels.has(l)),
      [],
      'labels no alert carries',
    );
  });

  it('the Alertmanager example passes amtool check-config', async (t) => {
    try {
      const { stdout } = await run('amtool', ['check-config', ALERTMANAGER_EXAMPLE], { cwd: root });
      assert.match(stdout, /SUCCESS/);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      t.skip('amtool is not installed (Debian package `prometheus-alertmanager`; .ci/run installs it)');
    }
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
