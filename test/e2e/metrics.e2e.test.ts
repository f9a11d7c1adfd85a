// Issue 11: `capi up` with a few in-memory clusters — one topology cluster, one KubeadmControlPlane cluster that
// gets upgraded, and one whose worker fails to provision (injected) — then `/metrics` is scraped, checked with
// Prometheus' own `promtool check metrics`, and read for every SLI (M1–M7) and the object state metrics, with
// values that must match what happened (e.g. one provisioning-time observation per Machine that got a Node).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { generateCluster } from '../../src/clusterctl/generate/generate-cluster.js';
import { eventually } from '../providers/infrastructure-dev/harness.js';
import { startCapiUp } from './helpers/capi-process.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';
import { parseExposition, type Sample, select, sumOf } from './helpers/prometheus-text.js';

const KUBECTL = findKubectl('kubectl.1.32') ?? findKubectl('kubectl');
const PROMTOOL = findKubectl('promtool');
const FROM = 'v1.33.0';
const TO = 'v1.34.0';

type Doc = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: unknown };

function generated(name: string, flavor: string, workers: number, edit?: (docs: Doc[]) => void): string {
  const { yaml } = generateCluster({
    name,
    flavor,
    kubernetesVersion: FROM,
    controlPlaneMachineCount: 1,
    workerMachineCount: workers,
    targetNamespace: 'default',
    env: {},
  });
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Doc);
  edit?.(docs);
  return docs.map((d) => stringify(d)).join('---\n');
}

/** `promtool check metrics` reads the exposition on stdin; it exits non-zero on format errors and lint problems. */
function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL!, ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
        output: `${stdout}${stderr}`,
      }),
    );
    child.stdin!.end(text);
  });
}

async function scrape(url: string): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

interface MachineJson {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { nodeRef?: { name: string }; phase?: string };
}

describe(
  'capi up: /metrics with a few in-memory clusters',
  {
    skip: !KUBECTL
      ? 'no kubectl on this machine'
      : !PROMTOOL
        ? 'promtool is not installed (Debian package `prometheus`)'
        : false,
  },
  () => {
    it('passes promtool check metrics and reports M1–M7 and object state with the values that happened', async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-metrics-'));
      const up = await startCapiUp(dataDir, ['--workload-ports', '44000-44999', '--metrics-port', '0']);
      try {
        const metricsUrl = /metrics: (http\S+\/metrics)/.exec(up.readyLine)?.[1];
        assert.ok(metricsUrl, `the ready line names the metrics URL: ${up.readyLine}`);
        const k = await Kubectl.create(KUBECTL!, up.kubeconfig);

        // alpha: ClusterClass topology (the default flavor); beta: KubeadmControlPlane + MachineDeployment of 2,
        // upgraded below; broken: its worker's infrastructure fails at the `node` step with a 503 every time.
        const manifests = [
          generated('alpha', 'in-memory', 1),
          generated('beta', 'in-memory-kcp', 2),
          generated('broken', 'in-memory-kcp', 1, (docs) => {
            const template = docs.find(
              (d) => d.kind === 'DevMachineTemplate' && d.metadata.name === 'broken-md-0',
            )!;
            const spec = template.spec as {
              template: { metadata?: { annotations?: Record<string, string> } };
            };
            spec.template.metadata = {
              annotations: {
                'inmemory.capi-ts.io/fail-at-step': 'node',
                'inmemory.capi-ts.io/api-error-code': '503',
              },
            };
          }),
        ];
        await k.ok(['apply', '-f', '-'], { input: manifests.join('---\n'), timeoutMs: 60_000 });
        for (const name of ['alpha', 'beta'])
          await k.ok(['wait', '--for=condition=Available', `cluster/${name}`, '--timeout=180s'], {
            timeoutMs: 190_000,
          });
        await k.ok(
          ['wait', '--for=jsonpath={.status.availableReplicas}=2', 'md/beta-md-0', '--timeout=120s'],
          {
            timeoutMs: 130_000,
          },
        );
        await k.ok(['wait', '--for=condition=Available', 'kcp/broken-control-plane', '--timeout=120s'], {
          timeoutMs: 130_000,
        });

        // M4: a control plane upgrade that succeeds (one replica: a new Machine, then the old one goes).
        await k.ok([
          'patch',
          'kcp/beta-control-plane',
          '--type=merge',
          '-p',
          JSON.stringify({ spec: { version: TO } }),
        ]);
        await k.ok(
          ['wait', `--for=jsonpath={.status.version}=${TO}`, 'kcp/beta-control-plane', '--timeout=120s'],
          {
            timeoutMs: 130_000,
          },
        );
        await k.ok(
          ['wait', '--for=jsonpath={.status.upToDateReplicas}=1', 'kcp/beta-control-plane', '--timeout=120s'],
          {
            timeoutMs: 130_000,
          },
        );

        // M7: someone removes the annotation tracing a Node of beta to its Machine, in the workload cluster;
        // the Machine controller puts it back.
        const encoded = await k.ok(['get', 'secret', 'beta-kubeconfig', '-o', 'jsonpath={.data.value}']);
        const wl = await Kubectl.create(
          KUBECTL!,
          await k.file('beta.kubeconfig', Buffer.from(encoded, 'base64').toString('utf8')),
        );
        const node = (await wl.ok(['get', 'nodes', '-o', 'name'])).trim().split('\n')[0]!;
        const machineOf = async () =>
          (
            JSON.parse(await wl.ok(['get', node, '-o', 'json'])) as {
              metadata: { annotations?: Record<string, string> };
            }
          ).metadata.annotations?.['cluster.x-k8s.io/machine'];
        const machineName = await machineOf();
        assert.ok(machineName, `${node} names its Machine`);
        await wl.ok(['annotate', node, 'cluster.x-k8s.io/machine-']);
        await eventually(
          'the Machine controller to put the annotation back',
          async () => ((await machineOf()) === machineName ? true : undefined),
          60_000,
        );

        // The broken worker: counted as a provisioning failure, and its provider errors carry the 503.
        const { text, samples } = await eventually(
          'the broken worker to be counted',
          async () => {
            const s = await scrape(metricsUrl);
            return sumOf(s.samples, 'capi_machine_failures_total', { cluster_name: 'broken' }) > 0 &&
              sumOf(s.samples, 'capi_drift_corrections_total') > 0
              ? s
              : undefined;
          },
          90_000,
        );

        const check = await promtoolCheck(text);
        assert.equal(check.code, 0, `promtool check metrics:\n${check.output}`);

        // M1: reconcile outcomes per controller; the broken DevMachine's reconciles fail.
        for (const controller of [
          'cluster',
          'machine',
          'machineset',
          'machinedeployment',
          'kubeadmcontrolplane',
          'topology/cluster',
        ])
          assert.ok(
            sumOf(samples, 'controller_runtime_reconcile_total', { controller, result: 'success' }) > 0,
            `${controller} reconciled successfully`,
          );
        assert.ok(
          sumOf(samples, 'controller_runtime_reconcile_errors_total', { controller: 'devmachine' }) > 0,
        );

        // M2: one observation per Machine that got a Node: those alive now plus beta's replaced control plane.
        const machines = JSON.parse(await k.ok(['get', 'machines', '-A', '-o', 'json'])) as {
          items: MachineJson[];
        };
        const withNode = machines.items.filter((m) => m.status?.nodeRef);
        assert.equal(withNode.length, 2 + 3 + 1, 'alpha 2, beta 3, broken 1 (its worker has no Node)');
        assert.equal(
          sumOf(samples, 'capi_machine_provisioning_duration_seconds_count'),
          withNode.length + 1,
          'provisioning observations = Machines that reached a Ready Node (incl. the one the upgrade replaced)',
        );
        assert.equal(
          sumOf(samples, 'capi_machine_provisioning_duration_seconds_count', {
            cluster_name: 'beta',
            owner_kind: 'MachineDeployment',
            owner_name: 'beta-md-0',
            provider: 'DevMachine',
          }),
          2,
        );
        assert.equal(
          sumOf(samples, 'capi_machine_provisioning_duration_seconds_count', {
            cluster_name: 'beta',
            owner_kind: 'KubeadmControlPlane',
          }),
          2,
        );
        const sum = sumOf(samples, 'capi_machine_provisioning_duration_seconds_sum');
        assert.ok(sum > 0 && sum / (withNode.length + 1) < 300, `mean provisioning time plausible: ${sum}`);

        // M3: the broken worker counted once, however many times its reconcile failed.
        assert.equal(sumOf(samples, 'capi_machine_failures_total', { cluster_name: 'broken' }), 1);
        assert.equal(sumOf(samples, 'capi_machine_failures_total', { cluster_name: /alpha|beta/ }), 0);

        // M4: the upgrade started and succeeded once, with a duration.
        assert.equal(
          sumOf(samples, 'capi_kubeadmcontrolplane_upgrades_started_total', { cluster_name: 'beta' }),
          1,
        );
        assert.equal(
          sumOf(samples, 'capi_kubeadmcontrolplane_upgrades_total', {
            cluster_name: 'beta',
            result: 'succeeded',
          }),
          1,
        );
        assert.equal(sumOf(samples, 'capi_kubeadmcontrolplane_upgrade_duration_seconds_count'), 1);

        // M5: requeues, retries and queue latency were recorded.
        assert.ok(
          sumOf(samples, 'controller_runtime_reconcile_total', { result: /requeue|requeue_after/ }) > 0,
        );
        assert.ok(sumOf(samples, 'workqueue_retries_total', { controller: 'devmachine' }) > 0);
        assert.ok(sumOf(samples, 'workqueue_queue_duration_seconds_count', { controller: 'machine' }) > 0);
        assert.ok(select(samples, 'workqueue_depth', { controller: 'machine' }).length > 0);

        // M6: the provider errors of the broken worker, with their code.
        assert.ok(
          sumOf(samples, 'capi_provider_api_errors_total', { kind: 'DevMachine', code: '503' }) > 0,
          'provider API errors counted with code 503',
        );

        // M7: the annotation put back on beta's Node is counted (what counts as a put-back is unit-tested in
        // node-sync-drift.test.ts; here another reconcile may race the workload Node cache).
        assert.ok(
          sumOf(samples, 'capi_drift_corrections_total', { controller: 'machine', kind: 'Node' }) >= 1,
        );

        // Object state, one series per object.
        assert.equal(
          sumOf(samples, 'capi_cluster_status_condition', {
            name: 'alpha',
            type: 'Available',
            status: 'True',
          }),
          1,
        );
        assert.equal(
          sumOf(samples, 'capi_cluster_status_condition', {
            name: 'broken',
            type: 'Available',
            status: 'True',
          }),
          0,
        );
        const brokenWorker = machines.items.find(
          (m) => m.metadata.labels?.['cluster.x-k8s.io/deployment-name'] === 'broken-md-0',
        )!;
        assert.equal(
          sumOf(samples, 'capi_machine_status_phase', { name: brokenWorker.metadata.name, phase: 'Running' }),
          0,
        );
        assert.equal(
          sumOf(samples, 'capi_machine_status_phase', { name: brokenWorker.metadata.name }),
          1,
          'exactly one phase series of the broken worker is 1',
        );
        assert.equal(
          sumOf(samples, 'capi_machinedeployment_status_replicas_available', { name: 'beta-md-0' }),
          2,
        );
        assert.equal(
          sumOf(samples, 'capi_kubeadmcontrolplane_status_replicas_ready', { name: 'beta-control-plane' }),
          1,
        );
      } finally {
        up.child.kill('SIGTERM');
        await up.exited;
      }
    });
  },
);
