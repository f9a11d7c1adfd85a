import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { clusterApiCrds } from '../../src/main/crds.js';
import { type CrdLike, type Difference, diffCrd } from './crd-diff.js';

const CRD_DIR = fileURLToPath(new URL('../../../shared/compat/upstream-cluster-api/crds/', import.meta.url));
const VERSION = 'v1beta2';

/** Upstream CRDs we do not serve yet, with why. Shrinks to the out-of-scope ones as issue 5 lands. */
const NOT_SERVED: Record<string, string> = {
  'devmachinepools.infrastructure.cluster.x-k8s.io':
    'MachinePool support of the dev provider is a later issue',
  'devmachinepooltemplates.infrastructure.cluster.x-k8s.io':
    'MachinePool support of the dev provider is a later issue',
  // In progress (issue 5): removed from this list as each kind lands.
};

/** Known, deliberate differences: `where` is matched as a prefix, `what` exactly. Each has a reason. */
const ALLOWED: { where: string; what: string; reason: string }[] = [];

const allowed = (d: Difference): boolean =>
  ALLOWED.some((a) => d.where.startsWith(a.where) && a.what === d.what);

describe('our CRDs match upstream Cluster API v1beta2 field for field', () => {
  it('compares every upstream CRD and reports coverage', (t) => {
    if (!existsSync(CRD_DIR)) {
      t.skip(`upstream CRDs not found at ${CRD_DIR} (../shared is absent); compatibility not checked`);
      return;
    }
    const ours = new Map(clusterApiCrds().map((c) => [c.metadata.name, c as unknown as CrdLike]));
    let upstreamFields = 0;
    let matchedFields = 0;
    const failures: Difference[] = [];
    const report: string[] = [];
    for (const file of readdirSync(CRD_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      const upstream = parse(readFileSync(`${CRD_DIR}${file}`, 'utf8')) as CrdLike;
      if (!upstream.spec.versions.some((v) => v.name === VERSION)) continue;
      const name = upstream.metadata.name;
      const mine = ours.get(name);
      if (!mine) {
        const reason = NOT_SERVED[name];
        const result = diffCrd({ ...upstream, spec: { ...upstream.spec, versions: [] } }, upstream, VERSION);
        upstreamFields += result.upstreamFields;
        report.push(`  ${name}: not served (${reason ?? 'NO REASON GIVEN'})  0/${result.upstreamFields}`);
        if (!reason)
          failures.push({ where: name, what: 'CRD not served', ours: undefined, upstream: VERSION });
        continue;
      }
      assert.equal(NOT_SERVED[name], undefined, `${name} is served now: remove it from NOT_SERVED`);
      const result = diffCrd(mine, upstream, VERSION);
      upstreamFields += result.upstreamFields;
      matchedFields += result.matchedFields;
      const unexpected = result.differences.filter((d) => !allowed(d));
      failures.push(...unexpected);
      report.push(
        `  ${name}: ${result.matchedFields}/${result.upstreamFields} fields match` +
          (result.differences.length
            ? `, ${result.differences.length} differences (${unexpected.length} not allowed)`
            : ''),
      );
    }
    const pct = upstreamFields ? ((100 * matchedFields) / upstreamFields).toFixed(1) : '0';
    t.diagnostic(`coverage: ${matchedFields}/${upstreamFields} upstream v1beta2 fields matched (${pct}%)`);
    for (const line of report) t.diagnostic(line);
    assert.deepEqual(
      failures.map(
        (f) => `${f.where} ${f.what}: ours ${JSON.stringify(f.ours)} upstream ${JSON.stringify(f.upstream)}`,
      ),
      [],
    );
  });
});
