// Issue 10: bumping spec.topology.version of a ClusterClass cluster with 3 control plane Machines and two
// MachineDeployments. A watch on Machines records when each one appears and goes; the test then checks that the
// control plane finished before any worker was replaced, that md-0 upgraded before md-1 (upgrade-concurrency 1),
// and that the cluster ends Available on the new version.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setupCore } from '../core/core-helpers.js';
import {
  CLUSTER,
  condition,
  eventually,
  getObj,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import {
  applyGeneratedTopologyCluster,
  KCP,
  listOf,
  MACHINE,
  MACHINE_DEPLOYMENT,
  waitAvailable,
} from './helpers/topology.js';

const FROM = 'v1.33.0';
const TO = 'v1.34.0';

interface MachineEvent {
  at: number;
  type: 'ADDED' | 'DELETED';
  name: string;
  /** `control-plane`, or the MachineDeployment topology name. */
  part: string;
  version: string;
}

describe('ClusterClass topology: upgrading spec.topology.version', () => {
  const harness = useHarness({ setup: setupCore, webhooks: true });

  it('upgrades the control plane first, then md-0, then md-1, and ends Available on the new version', async () => {
    const h = harness();
    const ns = await h.namespace();
    // The default flavor of `capi generate cluster`: ClusterClass in-memory and a topology Cluster, plus md-1.
    await applyGeneratedTopologyCluster(h, ns, {
      name: 'up',
      version: FROM,
      controlPlane: 3,
      md0Replicas: 1,
      md1Replicas: 1,
    });
    await waitAvailable(h, ns, 'up', 2, 120_000);
    // Available needs a quorum of the control plane, not all three: wait for the third before upgrading.
    await eventually(
      'all 3 control plane Machines ready',
      async () => {
        const c = await getObj(h, CLUSTER, ns, 'up');
        const cp = (c?.status as { controlPlane?: { readyReplicas?: number; replicas?: number } } | undefined)
          ?.controlPlane;
        return cp?.readyReplicas === 3 && cp.replicas === 3 ? true : undefined;
      },
      120_000,
    );
    const mds = await listOf(h, MACHINE_DEPLOYMENT, ns);
    const topologyOf = new Map(
      mds.map((md) => [
        md.metadata.name,
        md.metadata.labels?.['topology.cluster.x-k8s.io/deployment-name'] ?? '',
      ]),
    );
    assert.deepEqual([...topologyOf.values()].sort(), ['md-0', 'md-1']);

    // Record every Machine coming and going from here on.
    const events: MachineEvent[] = [];
    const reasons: string[] = [];
    const plans = new Set<string>();
    let availableWhileUpgrading = false;
    const stop = new AbortController();
    const start = await h.client.list<Obj>(MACHINE, { namespace: ns });
    const record = (type: 'ADDED' | 'DELETED', m: Obj) =>
      events.push({
        at: Date.now(),
        type,
        name: m.metadata.name ?? '',
        part:
          m.metadata.labels?.['cluster.x-k8s.io/control-plane'] !== undefined
            ? 'control-plane'
            : (topologyOf.get(m.metadata.labels?.['cluster.x-k8s.io/deployment-name']) ?? '?'),
        version: (m.spec as { version?: string }).version ?? '',
      });
    const watching = (async () => {
      for await (const e of h.client.watch<Obj>(MACHINE, {
        namespace: ns,
        resourceVersion: start.metadata.resourceVersion!,
        signal: stop.signal,
      }))
        if (e.type === 'ADDED' || e.type === 'DELETED') record(e.type, e.object);
    })();
    const sampling = setInterval(() => {
      void getObj(h, CLUSTER, ns, 'up').then((c) => {
        const r = condition(c, 'TopologyReconciled');
        if (r && reasons.at(-1) !== r.reason) reasons.push(String(r.reason));
        if (r?.reason === 'ClusterUpgrading' && condition(c, 'Available')?.status === 'True')
          availableWhileUpgrading = true;
        const plan = (c?.status as { controlPlane?: { upgradePlan?: { version: string }[] } })?.controlPlane
          ?.upgradePlan;
        if (plan) plans.add(plan.map((p) => p.version).join(','));
      });
    }, 200);

    try {
      const before = (await getObj(h, CLUSTER, ns, 'up'))!;
      await h.client.patch(before, { type: 'merge', data: { spec: { topology: { version: TO } } } });

      const done = await eventually(
        `every Machine on ${TO} and the Cluster Available again`,
        async () => {
          const c = await getObj(h, CLUSTER, ns, 'up');
          const machines = await listOf(h, MACHINE, ns);
          const onNew = machines.filter(
            (m) => (m.spec as { version?: string }).version === TO && !m.metadata.deletionTimestamp,
          );
          return machines.length === 5 &&
            onNew.length === 5 &&
            condition(c, 'Available')?.status === 'True' &&
            condition(c, 'TopologyReconciled')?.status === 'True'
            ? c
            : undefined;
        },
        300_000,
      );
      await waitAvailable(h, ns, 'up', 2, 60_000);
      const kcp = (await getObj(
        h,
        KCP,
        ns,
        (done.spec as { controlPlaneRef: { name: string } }).controlPlaneRef.name,
      ))!;
      assert.equal((kcp.spec as { version: string }).version, TO);
      for (const md of await listOf(h, MACHINE_DEPLOYMENT, ns))
        assert.equal((md.spec as { template: { spec: { version: string } } }).template.spec.version, TO);
    } finally {
      clearInterval(sampling);
      stop.abort();
      await watching.catch(() => undefined);
    }

    const when = (pred: (e: MachineEvent) => boolean, pick: 'first' | 'last') => {
      const matching = events.filter(pred).map((e) => e.at);
      assert.ok(matching.length > 0, `no such event in ${JSON.stringify(events, null, 1)}`);
      return pick === 'first' ? Math.min(...matching) : Math.max(...matching);
    };
    const show = () => events.map((e) => `${e.type} ${e.part} ${e.name} ${e.version}`).join('\n');
    // Three new control plane Machines replaced the three old ones.
    assert.equal(events.filter((e) => e.part === 'control-plane' && e.type === 'ADDED').length, 3, show());
    const controlPlaneDone = when((e) => e.part === 'control-plane' && e.type === 'DELETED', 'last');
    for (const part of ['md-0', 'md-1']) {
      const firstNewWorker = when((e) => e.part === part && e.type === 'ADDED' && e.version === TO, 'first');
      const firstOldWorkerGone = when((e) => e.part === part && e.type === 'DELETED', 'first');
      assert.ok(
        firstNewWorker > controlPlaneDone,
        `${part} started before the control plane finished:\n${show()}`,
      );
      assert.ok(
        firstOldWorkerGone > controlPlaneDone,
        `${part} lost a Machine during the control plane upgrade`,
      );
    }
    // One MachineDeployment at a time, in topology order.
    const md0Done = when((e) => e.part === 'md-0' && e.type === 'DELETED', 'last');
    const md1Start = when((e) => e.part === 'md-1' && e.type === 'ADDED', 'first');
    assert.ok(md1Start > md0Done, `md-1 started before md-0 finished:\n${show()}`);
    // What the user saw meanwhile: the upgrade in TopologyReconciled and in status.controlPlane.upgradePlan.
    assert.ok(reasons.includes('ClusterUpgrading'), `TopologyReconciled reasons seen: ${reasons.join(', ')}`);
    assert.ok(plans.has(TO), `upgrade plans seen: ${[...plans].join(' | ')}`);
    // An upgrade under way is information: the Cluster stays Available (upstream's merge priority).
    assert.ok(
      availableWhileUpgrading,
      'the Cluster was never Available while TopologyReconciled said ClusterUpgrading',
    );
  });
});
