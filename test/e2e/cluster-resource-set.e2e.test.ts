import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBuiltCli, generateKcpCluster, npxCapi } from './helpers/capi-cli.js';
import { startCapiUp } from './helpers/capi-process.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';

const KUBECTL = findKubectl('kubectl.1.32') ?? findKubectl('kubectl');
const UPSTREAM = fileURLToPath(new URL('../../../shared/compat/upstream-cluster-api/', import.meta.url));
const CRS_TEMPLATE = path.join(UPSTREAM, 'e2e-data', 'bases', 'crs.yaml');
const skip = !KUBECTL
  ? 'no kubectl on this machine'
  : !existsSync(CRS_TEMPLATE)
    ? `upstream manifests not found at ${UPSTREAM} (../shared is absent); ClusterResourceSet e2e not run`
    : false;

/**
 * The "CNI" the set installs: a DaemonSet written before the ServiceAccount it runs as. The controller creates
 * them in upstream's order (ServiceAccount first), whatever order the manifest has.
 */
const KINDNET = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kindnet
  namespace: kube-system
  labels:
    app: kindnet
spec:
  selector:
    matchLabels:
      app: kindnet
  template:
    metadata:
      labels:
        app: kindnet
    spec:
      serviceAccountName: kindnet
      containers:
        - name: kindnet-cni
          image: busybox:1.36
          command: ["sleep", "infinity"]
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: kindnet
  namespace: kube-system
`;

interface BindingJson {
  spec: {
    clusterName: string;
    bindings?: {
      clusterResourceSetName: string;
      resources?: { kind: string; name: string; applied: boolean; hash?: string; lastAppliedTime?: string }[];
    }[];
  };
}

interface Owned {
  metadata: { ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[] };
}

/**
 * The revision at which `kindnet` under a collection path was created: the resourceVersion of the ADDED event a
 * watch from revision 1 replays first (the workload API server keeps minutes of history). Revisions of one API
 * server are comparable across resource types, as etcd's are.
 */
async function creationRevision(wl: Kubectl, collection: string): Promise<number> {
  const events = await wl.ok([
    'get',
    '--raw',
    `${collection}?watch=1&resourceVersion=1&fieldSelector=metadata.name%3Dkindnet&timeoutSeconds=1`,
  ]);
  const first = JSON.parse(events.trim().split('\n')[0] ?? '{}') as {
    type?: string;
    object?: { metadata?: { resourceVersion?: string } };
  };
  assert.equal(first.type, 'ADDED', `first watch event of ${collection}/kindnet:\n${events}`);
  return Number(first.object?.metadata?.resourceVersion);
}

/**
 * Upstream's ClusterResourceSet e2e flow on `capi up`, as a user does it with the built CLI and the real kubectl:
 * render upstream's unchanged `e2e-data/bases/crs.yaml` with `capi generate yaml`, apply it, label a generated
 * in-memory cluster so the set selects it, wait for `ResourcesApplied`, find the CNI in the workload cluster, and
 * see the binding go with its Cluster while the set stays.
 */
describe('ClusterResourceSet from upstream e2e-data on capi up', { skip }, () => {
  before(() => ensureBuiltCli());

  it('applies the CNI ConfigMap to the labelled cluster, records it in the binding, and drops the binding with the cluster', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'capi-crs-e2e-'));
    const dataDir = path.join(root, 'data');
    // A user with no kubeconfig of their own: the CLI finds the running capi up through $CAPI_HOME.
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: root, CAPI_HOME: dataDir, NO_COLOR: '1' };
    delete env.KUBECONFIG;
    const up = await startCapiUp(dataDir, ['--workload-ports', '45000-45999']);
    try {
      const kubeconfig = path.join(dataDir, 'kubeconfig');
      const k = await Kubectl.create(KUBECTL!, kubeconfig);

      // The set and its ConfigMap, from upstream's template; `data: ${CNI_RESOURCES}` takes a JSON object.
      const crsYaml = await npxCapi(['generate', 'yaml', '--from', CRS_TEMPLATE], {
        env: { ...env, CLUSTER_NAME: 'demo', CNI_RESOURCES: JSON.stringify({ 'cni.yaml': KINDNET }) },
      });
      assert.equal(crsYaml.code, 0, crsYaml.stderr);
      const appliedCrs = await k.ok(['apply', '-n', 'default', '-f', '-'], { input: crsYaml.stdout });
      assert.match(appliedCrs, /^configmap\/cni-demo-crs-0 created$/m);
      assert.match(appliedCrs, /^clusterresourceset\.addons\.cluster\.x-k8s\.io\/demo-crs-0 created$/m);

      // A workload cluster, selected by its label once it has one.
      const generated = await generateKcpCluster('demo', { controlPlane: 1, workers: 1 }, env);
      const applied = await k.ok(['apply', '-f', await k.file('demo.yaml', generated)]);
      assert.match(applied, /cluster\.cluster\.x-k8s\.io\/demo created/);
      assert.match(
        await k.ok(['label', 'cluster', 'demo', 'cni=demo-crs-0']),
        /cluster\.cluster\.x-k8s\.io\/demo labeled/,
      );

      await k.ok(
        ['wait', '--for=condition=ResourcesApplied', 'clusterresourceset/demo-crs-0', '--timeout=180s'],
        { timeoutMs: 190_000 },
      );

      // The printer columns: NAME, APPLIED, AGE.
      const table = (await k.ok(['get', 'clusterresourceset', 'demo-crs-0'])).trim().split('\n');
      assert.equal(table.length, 2, table.join('\n'));
      assert.match(table[0]!, /^NAME\s+APPLIED\s+AGE$/, table[0]);
      assert.match(table[1]!, /^demo-crs-0\s+True\s+\S+$/, table[1]);

      // The Cluster's binding records the ConfigMap as applied, with its content hash.
      const binding = JSON.parse(
        await k.ok(['get', 'clusterresourcesetbinding', 'demo', '-o', 'json']),
      ) as BindingJson;
      assert.equal(binding.spec.clusterName, 'demo');
      assert.equal(binding.spec.bindings?.length, 1, JSON.stringify(binding.spec));
      const entry = binding.spec.bindings[0]!;
      assert.equal(entry.clusterResourceSetName, 'demo-crs-0');
      assert.equal(entry.resources?.length, 1, JSON.stringify(entry));
      const resource = entry.resources[0]!;
      assert.deepEqual(
        { kind: resource.kind, name: resource.name, applied: resource.applied },
        { kind: 'ConfigMap', name: 'cni-demo-crs-0', applied: true },
      );
      assert.match(resource.hash ?? '', /^sha256:[0-9a-f]{64}$/);

      // The ConfigMap is owned by the set now (so it moves with it).
      const crsUid = (
        await k.ok(['get', 'clusterresourceset', 'demo-crs-0', '-o', 'jsonpath={.metadata.uid}'])
      ).trim();
      const configMap = JSON.parse(await k.ok(['get', 'configmap', 'cni-demo-crs-0', '-o', 'json'])) as Owned;
      const owner = configMap.metadata.ownerReferences?.find((o) => o.kind === 'ClusterResourceSet');
      assert.ok(owner, `ConfigMap owned by the set: ${JSON.stringify(configMap.metadata.ownerReferences)}`);
      assert.equal(owner.name, 'demo-crs-0');
      assert.equal(owner.uid, crsUid);
      assert.match(owner.apiVersion, /^addons\.cluster\.x-k8s\.io\//);

      // In the workload cluster: the DaemonSet and its ServiceAccount, the ServiceAccount created first.
      const wlKubeconfig = await npxCapi(['get', 'kubeconfig', 'demo', '--kubeconfig', kubeconfig], { env });
      assert.equal(wlKubeconfig.code, 0, wlKubeconfig.stderr);
      const wl = await Kubectl.create(KUBECTL!, await k.file('demo.kubeconfig', wlKubeconfig.stdout));
      const ds = (await wl.ok(['get', 'daemonset', 'kindnet', '-n', 'kube-system', '-o', 'name'])).trim();
      assert.equal(ds, 'daemonset.apps/kindnet');
      const sa = (
        await wl.ok(['get', 'serviceaccount', 'kindnet', '-n', 'kube-system', '-o', 'name'])
      ).trim();
      assert.equal(sa, 'serviceaccount/kindnet');

      // A watch from revision 1 replays the history: each object's ADDED event carries its creation revision.
      const saCreated = await creationRevision(wl, '/api/v1/namespaces/kube-system/serviceaccounts');
      const dsCreated = await creationRevision(wl, '/apis/apps/v1/namespaces/kube-system/daemonsets');
      assert.ok(
        saCreated < dsCreated,
        `ServiceAccount created (revision ${saCreated}) before the DaemonSet (revision ${dsCreated})`,
      );

      // Deleting the Cluster takes its binding; the set stays.
      await k.ok(['delete', 'cluster', 'demo', '--wait=false']);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = await k.run(['get', 'clusterresourcesetbinding', 'demo']);
        if (r.code !== 0 && /NotFound/.test(r.stderr)) break;
        if (Date.now() > deadline)
          assert.fail(`binding demo still there 60 s after its Cluster was deleted:\n${r.stdout}${r.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.match(await k.ok(['get', 'clusterresourceset', 'demo-crs-0', '--no-headers']), /^demo-crs-0\s+/);
    } finally {
      up.child.kill('SIGTERM');
      await up.exited;
    }
  });
});
