import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createAdminKubeconfig, stringifyKubeconfig } from '../../../src/pki/index.js';
import {
  createCluster,
  createMachine,
  DEV_CLUSTER,
  eventually,
  getObj,
  machineReady,
  markControlPlaneInitialized,
  NODE,
  type Obj,
  POD,
  useHarness,
  workloadClient,
} from './harness.js';

const run = promisify(execFile);

describe('in-memory backend: the simulated kubelets honour a drain', () => {
  const harness = useHarness();

  it('kubectl drain evicts through PodDisruptionBudgets, skips DaemonSet Pods, and the Pods land on another Node', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await createCluster(h, ns, 'drain');
    await markControlPlaneInitialized(h, c);
    const machines = [
      await createMachine(h, c, 'drain-cp-0', { controlPlane: true }),
      await createMachine(h, c, 'drain-md-0'),
      await createMachine(h, c, 'drain-md-1'),
    ];
    for (const m of machines) await machineReady(h, ns, m.devMachineName);
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, 'drain'))!.spec!.controlPlaneEndpoint!;
    const server = `https://${endpoint.host}:${endpoint.port}`;
    const wl = await workloadClient(c, server);
    const dir = await mkdtemp(path.join(tmpdir(), 'capi-drain-'));
    try {
      // An application of 4 replicas that must keep 3 available, on the two workers.
      await wl.create({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      });
      await wl.create({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'web', namespace: 'default' },
        spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } },
      });
      const onNode = async (node: string, selector?: string) =>
        (
          await wl.list<Obj>(POD, {
            fieldSelector: `spec.nodeName=${node}`,
            ...(selector ? { labelSelector: selector } : {}),
          })
        ).items;
      const target = machines[1]!.devMachineName;
      await eventually('web Pods running on both workers', async () => {
        const pods = (await wl.list<Obj>(POD, { namespace: 'default', labelSelector: 'app=web' })).items;
        const running = pods.filter((p) => (p.status as { phase?: string }).phase === 'Running');
        return running.length === 4 && (await onNode(target, 'app=web')).length > 0;
      });

      const kubeconfig = path.join(dir, 'kubeconfig');
      await writeFile(
        kubeconfig,
        stringifyKubeconfig(await createAdminKubeconfig({ ca: c.ca, clusterName: 'drain', server })),
      );
      const { stdout } = await run(
        'kubectl',
        ['--kubeconfig', kubeconfig, 'drain', target, '--ignore-daemonsets', '--timeout=60s'],
        { timeout: 90_000 },
      );
      assert.match(stdout, new RegExp(`node/${target} cordoned`));
      assert.match(stdout, /evicting pod default\/web-/);
      assert.match(stdout, new RegExp(`node/${target} drained`));

      const node = await wl.get<Obj>(NODE, { name: target });
      assert.equal((node.spec as { unschedulable?: boolean }).unschedulable, true);
      assert.deepEqual(
        (await onNode(target, 'app=web')).map((p) => p.metadata.name),
        [],
        'no application Pod left on the drained node',
      );
      // The kube-proxy Pod, owned by a DaemonSet, stays, as kubectl leaves it.
      assert.equal((await onNode(target, 'k8s-app=kube-proxy')).length, 1);
      await eventually('the application is whole again elsewhere', async () => {
        const pods = (await wl.list<Obj>(POD, { namespace: 'default', labelSelector: 'app=web' })).items;
        const running = pods.filter(
          (p) => (p.status as { phase?: string }).phase === 'Running' && !p.metadata.deletionTimestamp,
        );
        return (
          running.length === 4 && running.every((p) => (p.spec as { nodeName?: string }).nodeName !== target)
        );
      });
    } finally {
      wl.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
