import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateCluster } from '../../src/clusterctl/generate/generate-cluster.js';
import { locateClusters } from '../../src/clusterctl/move/index.js';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import { type CapiUpProcess, startCapiUp } from './helpers/capi-process.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';

const KUBECTL = findKubectl('kubectl.1.32') ?? findKubectl('kubectl');
const CLI = fileURLToPath(new URL('../../src/cli/capi.ts', import.meta.url));
const CLUSTER = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' } as const;

interface MoveRun {
  code: number | string;
  stderr: string;
  stdout: string;
}

/**
 * `capi move --to-kubeconfig <target>` as its own process; with `killAt`, SIGKILLed as soon as it reports a line
 * matching it, as if the machine running it died there.
 */
function runMove(env: NodeJS.ProcessEnv, target: string, killAt?: RegExp): Promise<MoveRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'move', '--to-kubeconfig', target, '--verbose'],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (killAt && killAt.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? signal ?? 'unknown', stderr, stdout }));
  });
}

/** Every object of the Cluster API kinds (and Secrets) of the test namespace, as `Kind/name`. */
async function clusterObjectNames(k: Kubectl): Promise<string[]> {
  const out = await k.ok(['get', 'cluster-api,secrets', '-n', 'default', '-o', 'name']);
  return out.split('\n').filter(Boolean).sort();
}

/**
 * Issue 9: `capi move` between two `capi up` management planes moves a running cluster, and a move killed at
 * any point leaves the cluster on exactly one side (the other side's copy paused), finished by running it again.
 */
describe('capi move between two capi up management planes', { skip: KUBECTL ? false : 'no kubectl' }, () => {
  let root: string;
  let source: CapiUpProcess;
  let target: CapiUpProcess;
  let from: KubeClient;
  let to: KubeClient;
  let ks: Kubectl;
  let kt: Kubectl;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'capi-move-e2e-'));
    // Both planes simulate workload endpoints in the same port range: the moved cluster keeps its endpoint, which
    // the target binds once the source has let it go.
    source = await startCapiUp(path.join(root, 'source'), ['--workload-ports', '43000-43999']);
    target = await startCapiUp(path.join(root, 'target'), ['--workload-ports', '43000-43999']);
    from = KubeClient.fromKubeconfig({ kubeconfigPath: source.kubeconfig });
    to = KubeClient.fromKubeconfig({ kubeconfigPath: target.kubeconfig });
    ks = await Kubectl.create(KUBECTL!, source.kubeconfig);
    kt = await Kubectl.create(KUBECTL!, target.kubeconfig);
  });
  after(async () => {
    from?.close();
    to?.close();
    for (const p of [source, target]) {
      p?.child.kill('SIGTERM');
      await p?.exited;
    }
  });

  it('moves a running cluster, surviving kills before and after the commit, and the target keeps managing it', async () => {
    const { yaml } = generateCluster({
      name: 'm1',
      flavor: 'in-memory-kcp',
      kubernetesVersion: 'v1.33.1',
      controlPlaneMachineCount: 1,
      workerMachineCount: 1,
      env: {},
    });
    await ks.ok(['apply', '-f', await ks.file('m1.yaml', yaml)]);
    await ks.ok(['wait', '--for=condition=Available', 'cluster/m1', '--timeout=120s'], {
      timeoutMs: 130_000,
    });
    await ks.ok(['wait', '--for=jsonpath={.status.availableReplicas}=1', 'md/m1-md-0', '--timeout=60s']);
    const before = await clusterObjectNames(ks);
    const machines = (await ks.ok(['get', 'machines', '-o', 'name'])).trim().split('\n').sort();
    const env: NodeJS.ProcessEnv = { ...process.env, CAPI_HOME: path.join(root, 'source'), HOME: root };
    delete env.KUBECONFIG;

    // Killed while copying: the source still holds the cluster; the target's partial copy is paused.
    const first = await runMove(env, target.kubeconfig, /create: created .*\n(.*\n){3}/);
    assert.equal(first.code, 'SIGKILL', first.stderr);
    let [where] = await locateClusters(from, to);
    assert.equal(where?.authoritative, 'source');
    assert.equal(where?.paused, true, 'the source is paused while it is being moved');
    assert.ok(!where?.leftover || where.leftoverPaused, 'a partial copy on the target is paused');
    assert.deepEqual(await clusterObjectNames(ks), before, 'nothing was lost on the source');

    // Killed after the commit, while deleting from the source: the target is authoritative from then on.
    const second = await runMove(env, target.kubeconfig, /delete: deleted .*\n(.*\n){2}/);
    assert.equal(second.code, 'SIGKILL', second.stderr);
    [where] = await locateClusters(from, to);
    assert.equal(where?.authoritative, 'target');
    assert.ok(!where?.leftover || where.leftoverPaused, 'what is left on the source stays paused');
    assert.equal(where?.paused, true, 'the target stays paused until the move finishes');

    // Run again: it finishes.
    const third = await runMove(env, target.kubeconfig);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /^moved 1 cluster\(s\) \(default\/m1\)/);
    [where] = await locateClusters(from, to);
    assert.deepEqual(
      [where?.authoritative, where?.paused, where?.leftover, where?.incoming],
      ['target', false, false, false],
    );
    assert.deepEqual(await clusterObjectNames(ks), [], 'nothing of the cluster is left on the source');
    assert.deepEqual(await clusterObjectNames(kt), before, 'every object arrived once, under its own name');
    assert.deepEqual((await kt.ok(['get', 'machines', '-o', 'name'])).trim().split('\n').sort(), machines);

    // The target runs it. Its status came along with the move, so Available holds at once; what shows the target
    // really serves the cluster is its workload endpoint answering with the cluster's Nodes, rebuilt there.
    await kt.ok(['wait', '--for=condition=Available', 'cluster/m1', '--timeout=120s'], {
      timeoutMs: 130_000,
    });
    const cluster = await to.get<KubeObject & { spec: { paused?: boolean } }>(CLUSTER, {
      namespace: 'default',
      name: 'm1',
    });
    assert.notEqual(cluster.spec.paused, true);
    const encoded = await kt.ok(['get', 'secret', 'm1-kubeconfig', '-o', 'jsonpath={.data.value}']);
    const wl = await Kubectl.create(
      KUBECTL!,
      await kt.file('m1.kubeconfig', Buffer.from(encoded, 'base64').toString()),
    );
    const readyNodes = async (): Promise<string[]> => {
      const res = await wl.run(['get', 'nodes', '--no-headers', '--request-timeout=5s']);
      return res.code === 0 ? res.stdout.split('\n').filter((l) => /^\S+\s+Ready\s+/.test(l)) : [];
    };
    const deadline = Date.now() + 120_000;
    while ((await readyNodes()).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1000));
    assert.equal(
      (await readyNodes()).length,
      2,
      'the target serves the workload cluster with both Nodes Ready',
    );

    // And it manages it: a third Machine joins.
    await kt.ok(['scale', 'md/m1-md-0', '--replicas=2']);
    try {
      await kt.ok(['wait', '--for=jsonpath={.status.availableReplicas}=2', 'md/m1-md-0', '--timeout=240s'], {
        timeoutMs: 250_000,
      });
    } catch (err) {
      // What the target's controllers say, so a failure here explains itself.
      const described = await kt.run(['get', 'machines,devmachines,kubeadmconfigs', '-o', 'yaml']);
      throw new Error(
        `${(err as Error).message}\n${described.stdout.slice(-20_000)}\n--- target log ---\n${target.output().slice(-20_000)}`,
      );
    }
    const nodes = await readyNodes();
    assert.equal(nodes.length, 3, nodes.join('\n'));
  });
});
