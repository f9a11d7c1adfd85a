import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import {
  type Exported,
  exportedSeries,
  loadRules,
  problemsOf,
  promtoolMissing,
  recordedSeries,
  registeredInSource,
  stateMetricPrefixesInSource,
  root,
  run,
} from './exported-metrics.js';

const DASHBOARDS = 'deploy/grafana';
const DATASOURCE = '${DS_PROMETHEUS}';

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
  multi?: boolean;
  includeAll?: boolean;
  options?: { value: string }[];
}
interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  __inputs?: { name: string; type: string; pluginId: string }[];
  panels?: Panel[];
  templating?: { list?: Variable[] };
}

/** A PromQL expression of a dashboard, with Grafana's variables replaced, and where it comes from. */
interface Query {
  where: string;
  expr: string;
}

/** What a query may name: the series we export and the series the rule file records (with `ALERTS`). */
interface Known {
  exported: Exported;
  recorded: ReadonlyMap<string, ReadonlySet<string>>;
}

function known(): Known {
  const { series } = exportedSeries();
  // Prometheus' own series of each scrape target; its labels are the target labels every series has.
  const exported: Exported = new Map([...series, ['up', new Set<string>()]]);
  return { exported, recorded: recordedSeries(loadRules(), exported) };
}

/** Every panel, those inside rows included; rows themselves are containers, not panels with queries. */
function panelsOf(panels: readonly Panel[] = []): Panel[] {
  return panels.flatMap((p) => (p.type === 'row' ? panelsOf(p.panels) : [p, ...panelsOf(p.panels)]));
}

/** Grafana's variable syntax: `$var`, `[[var]]`, `[[var:format]]`, `${var}`, `${var.field}`, `${var:format}`. */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Values of Grafana's built-in variables that make valid PromQL where Grafana would put them. */
const BUILTINS: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
  __rate_interval_ms: '300000',
  __interval_ms: '60000',
  __range_ms: '3600000',
  __range_s: '3600',
};

/**
 * `expr` with every variable replaced by a value Grafana could put there: a sample value of the variable's
 * kind (a multi-value or "All" variable becomes a regex alternation, as Grafana formats it for Prometheus).
 * Problems: variables the dashboard does not define, and multi-value variables in `=`/`!=` matchers (which
 * match nothing once two values are selected).
 */
function substitute(
  expr: string,
  variables: ReadonlyMap<string, Variable>,
): { expr: string; problems: string[] } {
  const problems: string[] = [];
  for (const m of expr.matchAll(/(\w+)\s*(!=|=)(?![=~])\s*"[^"]*\$\{?(\w+)/g)) {
    const v = variables.get(m[3]!);
    if (v && (v.multi || v.includeAll))
      problems.push(`multi-value variable $${v.name} needs a regex matcher: ${m[1]}${m[2]}"…"`);
  }
  const substituted = expr.replace(VARIABLE, (whole, ...groups: (string | undefined)[]) => {
    const name = groups[0] ?? groups[1] ?? groups[3] ?? '';
    if (name in BUILTINS) return BUILTINS[name]!;
    const v = variables.get(name);
    if (!v) {
      problems.push(`undefined variable ${whole}`);
      return whole;
    }
    const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    switch (v.type) {
      case 'interval':
      case 'custom':
        return v.options?.[0]?.value ?? query.split(',')[0]!.trim();
      case 'constant':
      case 'textbox':
        return query;
      default:
        return v.multi || v.includeAll ? `(sample-${name}-a|sample-${name}-b)` : `sample-${name}`;
    }
  });
  return { expr: substituted, problems };
}

/**
 * The PromQL of a query variable: `label_values(<selector>, <label>)` (the label must be one the selector's
 * series have) or `query_result(<expr>)`. Other forms (`label_values(<label>)` over every series,
 * `metrics(...)`, `label_names()`) are reported.
 */
function variableQuery(v: Variable): { expr?: string; label?: string; problem?: string } {
  const query = (typeof v.query === 'string' ? v.query : (v.query?.query ?? '')).trim();
  const labelValues = /^label_values\((.+),\s*([a-zA-Z_]\w*)\s*\)$/s.exec(query);
  if (labelValues) return { expr: labelValues[1]!, label: labelValues[2]! };
  const result = /^query_result\((.+)\)$/s.exec(query);
  if (result) return { expr: result[1]! };
  return {
    problem: `unsupported query "${query}" (use label_values(<metric>, <label>) or query_result(...))`,
  };
}

/**
 * What is wrong with a dashboard, short of parsing its PromQL (see `promtoolProblems`), and its queries.
 * Checks the import essentials (uid, title, schema version, the DS_PROMETHEUS input used by every panel and
 * query), that every panel has a description and a query, and that each query names only series we export or
 * record, with labels they have, and only variables the dashboard defines.
 */
function checkDashboard(
  input: unknown,
  file: string,
  { exported, recorded }: Known,
): { problems: string[]; queries: Query[] } {
  const problems: string[] = [];
  const queries: Query[] = [];
  const d = input as Dashboard;
  if (typeof d.uid !== 'string' || !/^[\w-]{1,40}$/.test(d.uid)) problems.push(`${file}: uid ${d.uid}`);
  if (typeof d.title !== 'string' || d.title.trim() === '') problems.push(`${file}: no title`);
  if (d.schemaVersion !== 39) problems.push(`${file}: schemaVersion ${d.schemaVersion}, not 39`);
  if (
    !d.__inputs?.some(
      (i) => i.name === 'DS_PROMETHEUS' && i.type === 'datasource' && i.pluginId === 'prometheus',
    )
  )
    problems.push(`${file}: no DS_PROMETHEUS datasource input`);

  const variables = new Map((d.templating?.list ?? []).map((v) => [v.name, v]));
  const addQuery = (where: string, expr: string, label?: string): void => {
    const s = substitute(expr, variables);
    problems.push(...s.problems.map((p) => `${where}: ${p}`));
    problems.push(...problemsOf(s.expr, exported, recorded).map((p) => `${where}: ${p}`));
    if (label !== undefined)
      for (const p of problemsOf(`${s.expr.replace(/\{.*\}/s, '')}{${label}=""}`, exported, recorded))
        if (p.includes(' has no label '))
          problems.push(`${where}: label_values of a label the series lack: ${p}`);
    queries.push({ where, expr: s.expr });
  };

  for (const v of d.templating?.list ?? []) {
    const where = `${file}: variable $${v.name}`;
    if (v.type !== 'query') continue;
    if (v.datasource?.uid !== DATASOURCE) problems.push(`${where}: datasource is not ${DATASOURCE}`);
    const q = variableQuery(v);
    if (q.problem) problems.push(`${where}: ${q.problem}`);
    else addQuery(where, q.expr!, q.label);
  }

  const ids = new Set<number>();
  const walk = (panels: readonly Panel[] = []): void => {
    for (const p of panels) {
      if (p.id === undefined || ids.has(p.id))
        problems.push(`${file}: panel "${p.title ?? '(untitled)'}": missing or duplicate id ${p.id}`);
      else ids.add(p.id);
      walk(p.panels);
    }
  };
  walk(d.panels);
  for (const panel of panelsOf(d.panels)) {
    const where = `${file}: panel "${panel.title ?? '(untitled)'}"`;
    if (!panel.description?.trim()) problems.push(`${where}: no description`);
    if (panel.datasource?.uid !== DATASOURCE) problems.push(`${where}: datasource is not ${DATASOURCE}`);
    const targets = (panel.targets ?? []).filter((t) => t.expr?.trim());
    if (targets.length === 0) problems.push(`${where}: no query with an expr`);
    for (const t of targets) {
      if (t.datasource !== undefined && t.datasource.uid !== DATASOURCE)
        problems.push(`${where} query ${t.refId}: datasource is not ${DATASOURCE}`);
      addQuery(`${where} query ${t.refId}`, t.expr!);
    }
  }
  return { problems, queries };
}

/**
 * The queries the real Prometheus parser rejects: each becomes a recording rule of a temporary rule file that
 * `promtool check rules` parses (a query must be an instant vector or a scalar, as Grafana evaluates it).
 */
async function promtoolProblems(queries: readonly Query[]): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'capi-grafana-'));
  const file = path.join(dir, 'dashboard-queries.yaml');
  try {
    const groups = queries.map((q, i) => ({
      name: `q${i}`,
      rules: [{ record: `grafana_dashboard_query_${i}`, expr: q.expr }],
    }));
    writeFileSync(file, stringify({ groups }));
    try {
      const { stdout } = await run('promtool', ['check', 'rules', file]);
      assert.match(stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
      return [];
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      const problems = [...`${stdout}\n${stderr}`.matchAll(/group "q(\d+)", rule \d+, "[^"]*": (.*)/g)].map(
        ([, i, message]) => `${queries[Number(i)]!.where}: ${message}`,
      );
      if (problems.length === 0) throw err;
      return problems;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const files = readdirSync(path.join(root, DASHBOARDS))
  .filter((f) => f.endsWith('.json'))
  .sort();

/** An in-memory dashboard around the given queries, with a multi-value `cluster` and an interval variable. */
function dashboard(exprs: string[], extra: Partial<Dashboard> = {}): Dashboard {
  const ds = { type: 'prometheus', uid: DATASOURCE };
  return {
    uid: 'test',
    title: 'test',
    schemaVersion: 39,
    __inputs: [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }],
    templating: {
      list: [
        {
          name: 'cluster',
          type: 'query',
          datasource: ds,
          query: 'label_values(capi_cluster_cache_connection_up, cluster_name)',
          multi: true,
          includeAll: true,
        },
        { name: 'window', type: 'interval', query: '1h,6h,1d', options: [{ value: '1h' }] },
      ],
    },
    panels: exprs.map((expr, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: `p${i + 1}`,
      description: 'd',
      datasource: ds,
      targets: [{ refId: 'A', expr, datasource: ds }],
    })),
    ...extra,
  };
}

describe('Grafana dashboards (deploy/grafana)', () => {
  const k = known();

  it('there are the executive, on-call and debug dashboards, each with a unique uid', () => {
    for (const name of ['capi-executive.json', 'capi-on-call.json', 'capi-debug.json'])
      assert.ok(files.includes(name), `${DASHBOARDS}/${name} missing`);
    const uids = files.map(
      (f) => (JSON.parse(readFileSync(path.join(root, DASHBOARDS, f), 'utf8')) as Dashboard).uid,
    );
    assert.equal(new Set(uids).size, uids.length, `duplicate uids: ${uids.join(', ')}`);
  });

  it('the series the checker knows include every metric src/ registers, per-object state gauges too', () => {
    const { metricNames } = exportedSeries();
    assert.deepEqual(
      [...registeredInSource()].filter((name) => !metricNames.has(name)),
      [],
      'metrics registered in src/ that exportedSeries() does not instantiate',
    );
    const prefixes = [...stateMetricPrefixesInSource()];
    assert.ok(prefixes.includes('capi_machine'), `state metric prefixes found: ${prefixes.join(', ')}`);
    // Every kind's state metrics include `<prefix>_status_condition` (commonStateMetrics; a ClusterResourceSet
    // has only its conditions).
    assert.deepEqual(
      prefixes.filter((prefix) => !metricNames.has(`${prefix}_status_condition`)),
      [],
      'state metrics registered in src/ that exportedSeries() does not instantiate',
    );
  });

  for (const file of files) {
    describe(file, () => {
      const text = readFileSync(path.join(root, DASHBOARDS, file), 'utf8');
      const parsed = (): unknown => JSON.parse(text);

      it('is an importable dashboard whose queries name only series we export or record', () => {
        const { problems, queries } = checkDashboard(parsed(), file, k);
        assert.deepEqual(problems, []);
        assert.ok(queries.length > 0);
      });

      it('every query parses with the Prometheus parser (promtool)', async (t) => {
        const missing = await promtoolMissing();
        if (missing) {
          t.skip(missing);
          return;
        }
        assert.deepEqual(await promtoolProblems(checkDashboard(parsed(), file, k).queries), []);
      });
    });
  }

  it('the checker reports misspelt metrics, labels a series lacks, unknown variables and panels without a query', () => {
    const d = dashboard([
      'sum by (reason) (increase(capi_machine_failure_total[$__rate_interval]))',
      'sum(rate(controller_runtime_reconcile_total{cluster_name=~"$cluster"}[5m]))',
      'sum(reason:capi_machine_remediations:increase15m{cluster_name=~"$cluster"})',
      'cluster:capi_cluster_cache_connection_up:max{cluster_name=~"$cluster", namespace=~"$namespace"}',
      'max(cluster:capi_cluster_cache_connection_up:max{cluster_name="$cluster"})',
      'count(ALERTS{alertstate="firing", severity="page", cluster_name=~"$cluster"})',
    ]);
    d.panels!.push({
      id: 100,
      type: 'row',
      title: 'row',
      panels: [
        { id: 101, type: 'stat', title: 'empty', description: 'd', datasource: d.panels![0]!.datasource },
      ],
    });
    d.templating!.list!.push({
      name: 'host',
      type: 'query',
      datasource: d.panels![0]!.datasource,
      query: 'label_values(rest_client_requests_total, hostname)',
    });
    assert.deepEqual(checkDashboard(d, 'bad.json', k).problems, [
      'bad.json: variable $host: label_values of a label the series lack: rest_client_requests_total has no label hostname',
      'bad.json: panel "p1" query A: unknown metric capi_machine_failure_total',
      'bad.json: panel "p2" query A: controller_runtime_reconcile_total has no label cluster_name',
      'bad.json: panel "p3" query A: reason:capi_machine_remediations:increase15m has no label cluster_name',
      'bad.json: panel "p4" query A: undefined variable $namespace',
      'bad.json: panel "p4" query A: cluster:capi_cluster_cache_connection_up:max has no label namespace',
      'bad.json: panel "p5" query A: multi-value variable $cluster needs a regex matcher: cluster_name="…"',
      'bad.json: panel "empty": no query with an expr',
    ]);
    const bare = dashboard([]);
    delete bare.uid;
    bare.schemaVersion = 27;
    bare.__inputs = [];
    assert.deepEqual(checkDashboard(bare, 'bare.json', k).problems, [
      'bare.json: uid undefined',
      'bare.json: schemaVersion 27, not 39',
      'bare.json: no DS_PROMETHEUS datasource input',
    ]);
  });

  it('promtool parses queries with Grafana variables substituted and reports the broken ones', async (t) => {
    const missing = await promtoolMissing();
    if (missing) {
      t.skip(missing);
      return;
    }
    const good = [
      'histogram_quantile(0.99, sum by (controller, le) (rate(controller_runtime_reconcile_time_seconds_bucket[$__rate_interval])))',
      'sum(increase(capi_cluster_cache_healthchecks_total{cluster_name=~"${cluster:regex}", status="error"}[$__range])) / $__range_s',
      'max_over_time(cluster:capi_cluster_cache_connection_up:max{cluster_name=~"[[cluster]]"}[$window:$__interval])',
    ];
    const bad = [
      'sum by (controller) (rate(controller_runtime_reconcile_total[$__rate_interval])',
      'rate(workqueue_depth[5m])[1h]',
    ];
    const { problems, queries } = checkDashboard(dashboard([...good, ...bad]), 'parse.json', k);
    assert.deepEqual(problems, []);
    assert.deepEqual(queries.map((q) => q.expr).slice(1, 4), [
      'histogram_quantile(0.99, sum by (controller, le) (rate(controller_runtime_reconcile_time_seconds_bucket[5m])))',
      'sum(increase(capi_cluster_cache_healthchecks_total{cluster_name=~"(sample-cluster-a|sample-cluster-b)", status="error"}[1h])) / 3600',
      'max_over_time(cluster:capi_cluster_cache_connection_up:max{cluster_name=~"(sample-cluster-a|sample-cluster-b)"}[1h:1m])',
    ]);
    const reported = await promtoolProblems(queries);
    assert.equal(reported.length, 2, reported.join('\n'));
    assert.match(
      reported[0]!,
      /^parse\.json: panel "p4" query A: could not parse expression: .*unclosed left parenthesis/,
    );
    assert.match(reported[1]!, /^parse\.json: panel "p5" query A: could not parse expression: /);
  });
});
