// The SLI metrics of issue 11 as a user scraping /metrics sees them, on the controllers `capi up` runs: the
// provisioning histogram's labels after a ClusterClass cluster comes up, the per-object state metrics, a
// topology-managed field changed by hand and put back (drift), and a worker whose infrastructure fails at a step
// (one failure however often it is retried, provider errors with the chosen code, not counted again after a
// restart).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments, stringify } from 'yaml';
import { generateCluster } from '../../src/clusterctl/generate/generate-cluster.js';
import type { Manager } from '../../src/controller-runtime/manager/manager.js';
import { type CoreControllers, setupCoreControllers } from '../../src/main/core-controllers.js';
import { provisioningFailureCounter } from '../../src/main/controllers.js';
import { setupKubeadmBootstrapProvider } from '../../src/providers/bootstrap-kubeadm/setup.js';
import { setupKubeadmControlPlaneProvider } from '../../src/providers/control-plane-kubeadm/setup.js';
import { applyManifests, KCP, MACHINE_DEPLOYMENT, waitAvailable } from '../e2e/helpers/topology.js';
import {
  condition,
  createBootstrapData,
  DEV_MACHINE,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  metricValue,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import { applyPlainCluster } from './core-helpers.js';

let core: CoreControllers | undefined;

/** Core and the kubeadm providers as `setupAllControllers` wires them, keeping core's metrics at hand. */
function setup(manager: Manager): void {
  core = setupCoreControllers(manager, {
    clusterCache: { probeIntervalMs: 500, probeTimeoutMs: 1000, connectionRetryMs: 250 },
  });
  setupKubeadmBootstrapProvider(manager, { workloadClusters: core.clusterCache });
  setupKubeadmControlPlaneProvider(manager, { workloadClusters: core.clusterCache });
}

/** The exposition lines of `name` (labels and value), as a scrape returns them. */
async function scraped(h: Harness, name: string): Promise<string[]> {
  return (await h.registry.metrics()).split('\n').filter((l) => l.startsWith(`${name}{`));
}

describe('SLI metrics (issue 11)', () => {
  const harness = useHarness({
    setup,
    webhooks: true,
    inMemory: { onProvisioningFailed: provisioningFailureCounter(() => core?.metrics) },
  });

  describe('a ClusterClass cluster: 1 control plane Machine, md-0 with 2 workers', () => {
    let h: Harness;
    let ns: string;
    const name = 'sli';
    let md0: Obj;

    before(async () => {
      h = harness();
      ns = await h.namespace();
      const { yaml } = generateCluster({
        name,
        kubernetesVersion: 'v1.33.0',
        controlPlaneMachineCount: 1,
        workerMachineCount: 2,
        targetNamespace: ns,
        env: {},
      });
      const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Obj);
      await applyManifests(h, ns, docs.map((d) => stringify(d)).join('---\n'));
      await waitAvailable(h, ns, name, 2, 120_000);
      const mds = await h.client.list<Obj>(MACHINE_DEPLOYMENT, { namespace: ns });
      md0 = mds.items[0]!;
    });

    it('one provisioning observation per Machine, labelled with cluster, owner and infrastructure kind', async () => {
      const lines = await scraped(h, 'capi_machine_provisioning_duration_seconds_count');
      const count = (owner: string) =>
        lines
          .filter((l) =>
            l.startsWith(
              `capi_machine_provisioning_duration_seconds_count{cluster_namespace="${ns}",cluster_name="${name}",${owner},provider="DevMachine"}`,
            ),
          )
          .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
      assert.equal(count(`owner_kind="MachineDeployment",owner_name="${md0.metadata.name}"`), 2);
      const kcp = (await scraped(h, 'capi_kubeadmcontrolplane_info')).find((l) =>
        l.includes(`namespace="${ns}"`),
      );
      const kcpName = /name="([^"]+)",namespace/.exec(kcp ?? '')?.[1];
      assert.ok(kcpName, 'the KubeadmControlPlane has an info series');
      assert.equal(count(`owner_kind="KubeadmControlPlane",owner_name="${kcpName}"`), 1);
      assert.equal(lines.length, 2, 'no other series');
    });

    it('per-object state: Cluster Available, replicas of md-0 and of the control plane, phases of the Machines', async () => {
      const own = (n: string) => `name="${n}",namespace="${ns}"`;
      assert.ok(
        (await scraped(h, 'capi_cluster_status_condition')).some(
          (l) => l.includes(own(name)) && l.endsWith('type="Available",status="True"} 1'),
        ),
      );
      assert.ok(
        (await scraped(h, 'capi_cluster_status_phase')).some(
          (l) => l.includes(own(name)) && l.endsWith('phase="Provisioned"} 1'),
        ),
      );
      const mdAvailable = (await scraped(h, 'capi_machinedeployment_status_replicas_available')).filter((l) =>
        l.includes(own(md0.metadata.name!)),
      );
      assert.deepEqual(
        mdAvailable.map((l) => l.split(' ').at(-1)),
        ['2'],
      );
      const kcpReady = (await scraped(h, 'capi_kubeadmcontrolplane_status_replicas_ready')).filter((l) =>
        l.includes(`cluster_name="${name}"`),
      );
      assert.deepEqual(
        kcpReady.map((l) => l.split(' ').at(-1)),
        ['1'],
      );
      const running = (await scraped(h, 'capi_machine_status_phase')).filter(
        (l) => l.includes(`cluster_name="${name}"`) && l.endsWith('phase="Running"} 1'),
      );
      assert.equal(running.length, 3);
      const nodeRefs = (await scraped(h, 'capi_machine_status_noderef')).filter((l) =>
        l.includes(`cluster_name="${name}"`),
      );
      assert.equal(nodeRefs.length, 3);
    });

    it('replicas of md-0 and of the control plane changed by hand are put back by the topology controller, each counted once', async () => {
      const drift = () =>
        metricValue(h.registry, 'capi_drift_corrections_total', {
          controller: 'topology/cluster',
          kind: 'MachineDeployment',
        });
      assert.equal(
        await metricValue(h.registry, 'capi_drift_corrections_total'),
        0,
        'creating the cluster is no correction',
      );
      await h.client.patch(md0, { type: 'merge', data: { spec: { replicas: 5 } } });
      await eventually(
        'replicas back to 2',
        async () => {
          const md = await getObj(h, MACHINE_DEPLOYMENT, ns, md0.metadata.name!);
          return (md?.spec as { replicas?: number }).replicas === 2 && (await drift()) === 1;
        },
        30_000,
      );
      const kcp = (await h.client.list<Obj>(KCP, { namespace: ns })).items[0]!;
      await h.client.patch(kcp, { type: 'merge', data: { spec: { replicas: 3 } } });
      await eventually(
        'the control plane back to 1 replica',
        async () => {
          const now = await getObj(h, KCP, ns, kcp.metadata.name!);
          return (
            (now?.spec as { replicas?: number }).replicas === 1 &&
            (await metricValue(h.registry, 'capi_drift_corrections_total', {
              kind: 'KubeadmControlPlane',
            })) === 1
          );
        },
        30_000,
      );
      await sleep(2_000);
      assert.deepEqual(await scraped(h, 'capi_drift_corrections_total'), [
        'capi_drift_corrections_total{controller="topology/cluster",kind="MachineDeployment"} 1',
        'capi_drift_corrections_total{controller="topology/cluster",kind="KubeadmControlPlane"} 1',
      ]);
    });
  });

  it('a worker whose infrastructure fails at the node step: one failure, its provider errors with code 503, none again after a restart', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'broken', [{ name: 'cp', controlPlane: true }]);
    await createBootstrapData(h, c, 'w1');
    await h.client.create({
      ...MACHINE,
      metadata: { name: 'w1', namespace: ns },
      spec: {
        clusterName: 'broken',
        version: 'v1.33.1',
        bootstrap: { dataSecretName: 'w1-bootstrap' },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: 'w1' },
      },
    });
    const step = { provisioning: { startupDuration: '0s' } };
    await h.client.create({
      ...DEV_MACHINE,
      metadata: {
        name: 'w1',
        namespace: ns,
        annotations: {
          'inmemory.capi-ts.io/fail-at-step': 'node',
          'inmemory.capi-ts.io/api-error-code': '503',
        },
      },
      spec: { backend: { inMemory: { vm: step, node: step } } },
    });
    const failures = () =>
      metricValue(h.registry, 'capi_machine_failures_total', {
        cluster_namespace: ns,
        cluster_name: 'broken',
        reason: 'InfrastructureProvisioningFailed',
      });
    const providerErrors = () =>
      metricValue(h.registry, 'capi_provider_api_errors_total', {
        provider: 'in-memory',
        kind: 'DevMachine',
        operation: 'ProvisionNode',
        code: '503',
      });
    await eventually('retried several times', async () => (await providerErrors()) >= 3, 30_000);
    assert.equal(await failures(), 1, 'one failure, not one per retry');
    // The Machine mirrors the DevMachine's condition on its own next reconcile, which may come a bit later.
    const machine = await eventually(
      'the Machine to show why its infrastructure is not ready',
      async () => {
        const m = await getObj(h, MACHINE, ns, 'w1');
        return /simulated failure of the node step/.test(condition(m, 'InfrastructureReady')?.message ?? '')
          ? m
          : undefined;
      },
      30_000,
    );
    assert.equal((machine?.status as { nodeRef?: unknown }).nodeRef, undefined, 'no Node');

    await h.restartControllers();
    const before = await providerErrors();
    await eventually(
      'failing again after the restart',
      async () => (await providerErrors()) > before + 1,
      30_000,
    );
    assert.equal(await failures(), 0, 'the failure the DevMachine already reports is not counted again');
  });
});
