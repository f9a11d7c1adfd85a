import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { up, type RunningManagementPlane } from '../../src/main/up.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';

const UPSTREAM = fileURLToPath(new URL('../../../shared/compat/upstream-cluster-api/', import.meta.url));
const KUBECTL = findKubectl('kubectl.1.33');
const skip = !existsSync(UPSTREAM)
  ? `upstream manifests not found at ${UPSTREAM} (../shared is absent); upstream compatibility not checked`
  : !KUBECTL
    ? 'kubectl.1.33 not found on this machine; upstream manifests not checked'
    : false;

/** The folders whose `*.yaml` files are whole manifests, as upstream's e2e suite and clusterctl use them. */
const MANIFEST_DIRS = ['templates', 'e2e-data', 'e2e-data/bases'];

/**
 * Values for the variables upstream's e2e config sets (test/e2e/config/docker.yaml); everything else takes
 * the default written in the manifest. CLUSTER_NAME and NAMESPACE are per file.
 */
const VARIABLES: Record<string, string> = {
  KUBERNETES_VERSION: 'v1.33.0',
  CONTROL_PLANE_MACHINE_COUNT: '1',
  WORKER_MACHINE_COUNT: '1',
  DOCKER_SERVICE_DOMAIN: 'cluster.local',
  DOCKER_SERVICE_CIDRS: '10.128.0.0/12',
  DOCKER_POD_CIDRS: '192.168.0.0/16',
  // `data: ${CNI_RESOURCES}` in a ConfigMap: a JSON object is a YAML flow map, so the file stays valid.
  CNI_RESOURCES: JSON.stringify({
    'cni.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cni\n  namespace: kube-system\n',
  }),
};

/**
 * `${VAR}`, `${VAR:-default}`, `${VAR:=default}`, `${VAR-default}` and `${VAR=default}` with defaults that
 * nest (`${A:-${B}}`), as clusterctl's envsubst does. A variable with neither value nor default is collected
 * in `missing` (clusterctl refuses such a template). Only the braced form is handled: the manifests use no
 * other, and a bare `$x` in an embedded script must survive.
 */
export function substitute(
  text: string,
  values: Record<string, string>,
): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const expand = (s: string): string => {
    let out = '';
    let i = 0;
    while (i < s.length) {
      const start = s.indexOf('${', i);
      if (start < 0) {
        out += s.slice(i);
        break;
      }
      out += s.slice(i, start);
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(start + 2))?.[0];
      if (!name) {
        out += '${';
        i = start + 2;
        continue;
      }
      let j = start + 2 + name.length;
      const op = /^(:-|:=|-|=)?/.exec(s.slice(j))![0];
      j += op.length;
      // The default runs to the `}` that balances this `${`, so nested references stay inside it.
      let depth = 1;
      let k = j;
      for (; k < s.length && depth > 0; k++) {
        if (s.startsWith('${', k)) {
          depth++;
          k++;
        } else if (s[k] === '}') depth--;
      }
      if (depth > 0 || (!op && k - 1 !== j)) {
        // Not a well-formed reference: keep it literally, as envsubst does.
        out += s.slice(start, j);
        i = j;
        continue;
      }
      const raw = s.slice(j, k - 1);
      const value = values[name];
      const useDefault = op.startsWith(':') ? value === undefined || value === '' : value === undefined;
      if (op && useDefault) out += expand(raw);
      else if (value !== undefined) out += value;
      else missing.add(name);
      i = k;
    }
    return out;
  };
  const result = expand(text);
  return { text: result, missing: [...missing].sort() };
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

interface ObjectRef {
  apiVersion: string;
  kind: string;
}

/** Discovery path of an apiVersion: `/apis/<group>/<version>`, or `/api/v1` for the core group. */
const groupVersionPath = (apiVersion: string): string =>
  apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;

/** Kustomize overlays under `dir` (folders with a kustomization.yaml): their files are patches, not manifests. */
function overlays(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const sub = path.join(dir, entry.name);
    if (existsSync(path.join(sub, 'kustomization.yaml'))) found.push(sub);
    found.push(...overlays(sub));
  }
  return found;
}

describe('upstream Cluster API manifests against the embedded API server', { skip }, () => {
  let plane: RunningManagementPlane;
  let k: Kubectl;
  let dataDir: string;
  /** `apiVersion` → kind → whether namespaced, for what is served there (undefined: version not served). */
  const served = new Map<string, Map<string, boolean> | undefined>();

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-upstream-manifests-'));
    plane = await up({ dataDir, host: '127.0.0.1', port: 0, noControllers: true, log: () => undefined });
    k = await Kubectl.create(KUBECTL!, plane.apiServer.paths.kubeconfig);
  });
  after(async () => {
    await plane?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The kinds this server serves at `apiVersion`, asked of discovery as kubectl itself does. */
  async function servedKinds(apiVersion: string): Promise<Map<string, boolean> | undefined> {
    if (!served.has(apiVersion)) {
      const r = await k.run(['get', '--raw', groupVersionPath(apiVersion)]);
      const list = r.code === 0 ? (JSON.parse(r.stdout) as ApiResourceList) : undefined;
      served.set(
        apiVersion,
        list &&
          new Map(list.resources.filter((x) => !x.name.includes('/')).map((x) => [x.kind, x.namespaced])),
      );
    }
    return served.get(apiVersion);
  }

  it('accepts every upstream template and e2e manifest with kubectl apply --dry-run=server', async (t) => {
    for (const overlay of overlays(path.join(UPSTREAM, 'e2e-data')))
      t.diagnostic(
        `skipped ${path.relative(UPSTREAM, overlay)}/: a kustomize overlay (its files are patches, not manifests)`,
      );
    const files = MANIFEST_DIRS.flatMap((dir) => {
      if (existsSync(path.join(UPSTREAM, dir, 'kustomization.yaml'))) return [];
      return readdirSync(path.join(UPSTREAM, dir))
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => `${dir}/${f}`);
    });
    assert.ok(files.length > 0, `no manifests found under ${UPSTREAM}`);

    const failures: string[] = [];
    let accepted = 0;
    let skipped = 0;
    for (const [index, file] of files.entries()) {
      const ns = `upstream-${index}`;
      const { text, missing } = substitute(readFileSync(path.join(UPSTREAM, file), 'utf8'), {
        ...VARIABLES,
        CLUSTER_NAME: `compat-${index}`,
        NAMESPACE: ns,
      });
      if (missing.length) {
        failures.push(`${file}: variables with neither value nor default: ${missing.join(', ')}`);
        continue;
      }
      const parsed = parseAllDocuments(text);
      const syntax = parsed.flatMap((d) => d.errors.map((e) => e.message));
      if (syntax.length) {
        failures.push(`${file}: not valid YAML after substitution: ${syntax.join('; ')}`);
        continue;
      }
      // Documents holding only comments (or nothing) are not objects; kubectl skips them too.
      const docs = parsed.filter((d) => d.toJS() !== null);
      const objects = docs.map((d) => d.toJS() as ObjectRef);
      const unserved: string[] = [];
      const keep: typeof docs = [];
      for (const [i, o] of objects.entries()) {
        const kinds = await servedKinds(o.apiVersion);
        if (!kinds) unserved.push(`${o.kind} ${o.apiVersion} (version not served)`);
        else if (!kinds.has(o.kind)) unserved.push(`${o.kind} ${o.apiVersion} (kind not served)`);
        else {
          // clusterctl generate --target-namespace moves every namespaced object into the target namespace,
          // whatever the template says (bases/cluster-with-topology.yaml has `namespace: default`).
          if (kinds.get(o.kind)) docs[i]!.setIn(['metadata', 'namespace'], ns);
          keep.push(docs[i]!);
        }
      }
      if (unserved.length === objects.length) {
        t.diagnostic(`skipped ${file}: every object uses an API we do not serve yet: ${unserved.join(', ')}`);
        skipped++;
        continue;
      }
      // Objects of kinds we do not serve yet are left out, loudly; the rest of the file is still checked.
      const manifest = await k.file(
        `${index}-${path.basename(file)}`,
        keep.map((d) => d.toString()).join('---\n'),
      );
      await k.ok(['create', 'namespace', ns]);
      const r = await k.run(['apply', '--dry-run=server', '-n', ns, '-f', manifest]);
      // ClusterClasses with external patches need the Runtime SDK (feature gate RuntimeSDK, not built yet):
      // upstream's webhook refuses them while the gate is off, and so must ours, with its message.
      const external = objects.some(
        (o) =>
          o.kind === 'ClusterClass' &&
          JSON.stringify((o as { spec?: unknown }).spec ?? {}).includes('"external":'),
      );
      if (external) {
        const refusedForGate =
          r.code !== 0 &&
          /patch\.external can be used only if the RuntimeSDK feature flag is enabled/.test(r.stderr);
        t.diagnostic(
          `${refusedForGate ? 'refused as upstream does without RuntimeSDK' : 'NOT refused for RuntimeSDK'}: ${file}`,
        );
        if (refusedForGate) skipped++;
        else
          failures.push(
            `${file}: expected the RuntimeSDK feature-gate refusal, got exit ${r.code}:\n${r.stderr.trim()}`,
          );
        continue;
      }
      const outcome = r.code === 0 ? 'accepted' : `REJECTED (exit ${r.code})`;
      const partly = unserved.length ? ` — left out, not served yet: ${unserved.join(', ')}` : '';
      t.diagnostic(`${outcome} ${file} (${keep.length} objects)${partly}`);
      if (r.stderr.trim() && r.code === 0) t.diagnostic(`  kubectl said: ${r.stderr.trim()}`);
      if (r.code === 0) accepted++;
      else failures.push(`${file}:\n${r.stderr.trim()}${r.stdout.trim() ? `\n${r.stdout.trim()}` : ''}`);
    }
    t.diagnostic(
      `${files.length} manifests: ${accepted} accepted, ${skipped} skipped, ${failures.length} failed`,
    );
    assert.deepEqual(failures, [], `rejected manifests:\n\n${failures.join('\n\n')}`);
  });

  it('shows upstream printer columns, the cluster-api category and explain for created objects', async () => {
    const ns = 'printer-columns';
    await k.ok(['create', 'namespace', ns]);
    const values = { ...VARIABLES, CLUSTER_NAME: 'in-memory', NAMESPACE: ns };
    // The in-memory template as users create it (ClusterClass and Cluster), then a KCP-based cluster with a
    // MachineDeployment: without controllers nothing would create those or Machines from the topology.
    const sources = [
      'templates/clusterclass-in-memory.yaml',
      'templates/cluster-template-in-memory.yaml',
      'e2e-data/bases/cluster-with-kcp.yaml',
      'e2e-data/bases/md.yaml',
    ];
    const created = new Set<string>();
    for (const [i, source] of sources.entries()) {
      const { text, missing } = substitute(readFileSync(path.join(UPSTREAM, source), 'utf8'), {
        ...values,
        // The bases build a second cluster: its own name, so it does not collide with the template's.
        CLUSTER_NAME: source.startsWith('e2e-data/') ? 'with-kcp' : values.CLUSTER_NAME,
      });
      assert.deepEqual(missing, [], `${source} needs variables`);
      for (const doc of parseAllDocuments(text)) {
        const o = doc.toJS() as ObjectRef | null;
        if (o && o.apiVersion.includes('cluster.x-k8s.io'))
          created.add(`${o.kind.toLowerCase()}.${o.apiVersion.split('/')[0]!}`);
      }
      await k.ok(['apply', '-n', ns, '-f', await k.file(`real-${i}.yaml`, text)]);
    }
    // A Machine as the MachineSet controller would create it for md.yaml's template.
    await k.ok(['apply', '-n', ns, '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'Machine',
        metadata: { name: 'with-kcp-md-0-abcde', labels: { 'cluster.x-k8s.io/cluster-name': 'with-kcp' } },
        spec: {
          clusterName: 'with-kcp',
          version: VARIABLES.KUBERNETES_VERSION,
          bootstrap: { dataSecretName: 'with-kcp-md-0-abcde' },
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachine',
            name: 'with-kcp-md-0-abcde',
          },
        },
      }),
    });
    created.add('machine.cluster.x-k8s.io');

    const out = await k.ok(['get', 'clusters,machines,machinedeployments,kcp', '-A']);
    // One table per resource type, separated by a blank line; the first row names the type.
    const tables = out
      .trim()
      .split(/\n\s*\n/)
      .map((block) => block.split('\n'));
    const expected: [string, string][] = [
      ['cluster.x-k8s.io_clusters.yaml', 'cluster.cluster.x-k8s.io/'],
      ['cluster.x-k8s.io_machines.yaml', 'machine.cluster.x-k8s.io/'],
      ['cluster.x-k8s.io_machinedeployments.yaml', 'machinedeployment.cluster.x-k8s.io/'],
      [
        'controlplane.cluster.x-k8s.io_kubeadmcontrolplanes.yaml',
        'kubeadmcontrolplane.controlplane.cluster.x-k8s.io/',
      ],
    ];
    for (const [crdFile, prefix] of expected) {
      const table = tables.find((rows) => rows[1]?.split(/\s+/)[1]?.startsWith(prefix));
      assert.ok(table, `no ${prefix} rows in:\n${out}`);
      const crd = parse(readFileSync(path.join(UPSTREAM, 'crds', crdFile), 'utf8')) as {
        spec: {
          versions: { name: string; additionalPrinterColumns?: { name: string; priority?: number }[] }[];
        };
      };
      const columns = crd.spec.versions
        .find((v) => v.name === 'v1beta2')!
        .additionalPrinterColumns!.filter((c) => !c.priority)
        .map((c) => c.name.toUpperCase());
      // kubectl pads columns with at least three spaces; names have at most one inside ("CP DESIRED").
      assert.deepEqual(table[0]!.trim().split(/\s{2,}/), ['NAMESPACE', 'NAME', ...columns], crdFile);
    }

    const all = await k.run(['get', 'cluster-api', '-A', '-o', 'name']);
    assert.equal(all.code, 0, all.stderr);
    for (const kind of created)
      assert.match(all.stdout, new RegExp(`^${kind.replace(/\./g, '\\.')}/`, 'm'), `${kind} not listed`);

    const explain = await k.run(['explain', 'machinedeployment.spec.rollout']);
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /strategy/);
  });
});

describe('clusterctl-style variable substitution', () => {
  it('substitutes values, defaults and nested defaults, and names what is missing', () => {
    const values = { A: 'a', EMPTY: '' };
    assert.deepEqual(substitute('x ${A} ${B:-b} ${B:=[]} ${EMPTY:-e} ${EMPTY-e} ${C:-${A}}', values), {
      text: 'x a b [] e  a',
      missing: [],
    });
    assert.deepEqual(substitute('${C:-"scale"} ${D} ${E:-${F}} $HOME ${', values), {
      text: '"scale"   $HOME ${',
      missing: ['D', 'F'],
    });
  });
});
