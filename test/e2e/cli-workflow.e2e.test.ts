import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ensureBuiltCli, generateKcpCluster, npxCapi } from './helpers/capi-cli.js';
import { startCapiUp } from './helpers/capi-process.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';

const KUBECTL = findKubectl('kubectl.1.32') ?? findKubectl('kubectl');

/**
 * Issue 9's "Done when", as a new user does it with the built CLI (`npx capi`, what `npm ci` builds):
 * `capi up`, `capi generate cluster ... | kubectl apply -f -`, `kubectl wait`, `capi describe cluster`,
 * `capi get kubeconfig` + `kubectl get nodes`, `capi delete cluster --wait`.
 */
describe(
  'the capi CLI workflow, from a fresh clone',
  { skip: KUBECTL ? false : 'no kubectl on this machine' },
  () => {
    before(() => ensureBuiltCli());

    it('generates, waits for, describes, reaches and deletes a cluster', async () => {
      const root = await mkdtemp(path.join(tmpdir(), 'capi-cli-e2e-'));
      const dataDir = path.join(root, 'data');
      // A user with no kubeconfig of their own: the CLI finds the running capi up through $CAPI_HOME.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOME: root,
        CAPI_HOME: dataDir,
        KUBECONFIG: '',
        NO_COLOR: '1',
      };
      delete env.KUBECONFIG;
      const up = await startCapiUp(dataDir, ['--workload-ports', '41000-41999'], 60_000, {
        command: ['npx', '--no-install', 'capi'],
        env,
      });
      try {
        const k = await Kubectl.create(KUBECTL!, path.join(dataDir, 'kubeconfig'));
        const generated = await generateKcpCluster('demo', { controlPlane: 3, workers: 2 }, env);
        const applied = await k.ok(['apply', '-f', await k.file('demo.yaml', generated)]);
        assert.match(applied, /cluster\.cluster\.x-k8s\.io\/demo created/);
        assert.match(
          applied,
          /kubeadmcontrolplane\.controlplane\.cluster\.x-k8s\.io\/demo-control-plane created/,
        );
        await k.ok(['wait', '--for=condition=Available', 'cluster/demo', '--timeout=180s'], {
          timeoutMs: 190_000,
        });
        await k.ok(
          ['wait', '--for=jsonpath={.status.availableReplicas}=2', 'md/demo-md-0', '--timeout=120s'],
          {
            timeoutMs: 130_000,
          },
        );

        const described = await npxCapi(['describe', 'cluster', 'demo'], { env });
        assert.equal(described.code, 0, described.stderr);
        const tree = described.stdout;
        assert.ok(!tree.includes('\u001b'), 'NO_COLOR: no escape codes');
        for (const row of [
          /^Cluster\/demo\s+5\/5\s+5\s+5\s+5\s+True\s+Available/m,
          /ClusterInfrastructure - DevCluster\/demo\s+True\s+Ready/,
          /ControlPlane - KubeadmControlPlane\/demo-control-plane, v1\.34\.0\s+3\/3\s+3\s+3\s+3\s+True\s+Available/,
          /3 Machines\.\.\.\s+3\s+3\s+3\s+True\s+Ready/,
          /MachineDeployment\/demo-md-0, v1\.34\.0\s+2\/2\s+2\s+2\s+2\s+True\s+Available/,
          /2 Machines\.\.\.\s+2\s+2\s+2\s+True\s+Ready/,
        ]) {
          assert.match(tree, row, tree);
        }
        assert.doesNotMatch(tree, /\bFalse\b|\bUnknown\b/, `every object is ready:\n${tree}`);

        const kubeconfig = await npxCapi(['get', 'kubeconfig', 'demo'], { env });
        assert.equal(kubeconfig.code, 0, kubeconfig.stderr);
        const wl = await Kubectl.create(KUBECTL!, await k.file('k', kubeconfig.stdout));
        const nodes = (await wl.ok(['get', 'nodes', '--no-headers'])).trim().split('\n');
        assert.equal(nodes.length, 5, nodes.join('\n'));
        for (const line of nodes) assert.match(line, /^\S+\s+Ready\s+/, line);
        assert.equal(nodes.filter((l) => /control-plane/.test(l)).length, 3);

        const deleted = await npxCapi(['delete', 'cluster', 'demo', '--wait'], { env, timeoutMs: 180_000 });
        assert.equal(deleted.code, 0, deleted.stderr);
        assert.match(deleted.stdout, /^cluster default\/demo deleted: nothing left/m);
        assert.match(deleted.stderr, /^deleting cluster demo: .*Machines.* left/m, 'progress while waiting');
        // Nothing behind: no Cluster API object of any kind, no Secret of the cluster.
        assert.equal((await k.ok(['get', 'cluster-api', '-A', '--no-headers'])).trim(), '');
        assert.equal((await k.ok(['get', 'secrets', '-n', 'default', '--no-headers'])).trim(), '');

        // And the error a typo gets.
        const missing = await npxCapi(['describe', 'cluster', 'demo'], { env });
        assert.equal(missing.code, 1);
        assert.equal(missing.stderr, 'error: cluster "demo" not found in namespace "default"\n');
      } finally {
        process.kill(-up.child.pid!, 'SIGTERM');
        await up.exited;
      }
    });
  },
);
