// Control plane remediation end to end: a MachineHealthCheck on the control plane hands unhealthy Machines to
// the KubeadmControlPlane, which replaces them one at a time while etcd keeps its quorum, and refuses (saying
// why) when it cannot know that it would; `capi_kubeadmcontrolplane_remediations_total` counts the decisions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyKcpCluster,
  availableCluster,
  availableKcp,
  clusterWorkloadClient,
  controlPlaneMachines,
  etcdMemberNames,
  KUBEADM_CONTROL_PLANE,
  MACHINE_HEALTH_CHECK,
  setNodeReady,
  setupCore,
} from '../core/core-helpers.js';
import {
  condition,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  metricValue,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REMEDIATIONS = 'capi_kubeadmcontrolplane_remediations_total';
const REMEDIATION_FOR = 'controlplane.cluster.x-k8s.io/remediation-for';
const TIMEOUT = 120_000;

const nodeOf = (m: Obj): string => (m.status as { nodeRef?: { name?: string } }).nodeRef?.name ?? '';
const names = (objs: Obj[]) => objs.map((o) => o.metadata.name!).sort();

/** A MachineHealthCheck on the cluster's control plane Machines: a Node NotReady for 1 s is unhealthy. */
async function controlPlaneHealthCheck(h: Harness, ns: string, cluster: string): Promise<void> {
  await h.client.create({
    ...MACHINE_HEALTH_CHECK,
    metadata: { name: `${cluster}-cp`, namespace: ns },
    spec: {
      clusterName: cluster,
      selector: { matchLabels: { 'cluster.x-k8s.io/control-plane': '' } },
      checks: { unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 1 }] },
    },
  });
}

/** The remediation decisions counted for the cluster, by `outcome/reason`, those with a count only. */
async function remediationCounts(h: Harness, ns: string, cluster: string): Promise<Record<string, number>> {
  const metric = h.registry.getSingleMetric(REMEDIATIONS);
  assert.ok(metric, `${REMEDIATIONS} is registered`);
  const counts: Record<string, number> = {};
  for (const v of (await metric.get()).values) {
    const l = v.labels as Record<string, string>;
    if (l.cluster_namespace !== ns || l.cluster_name !== cluster || v.value === 0) continue;
    counts[`${l.outcome}/${l.reason}`] = v.value;
  }
  return counts;
}

describe('KubeadmControlPlane remediation end to end', () => {
  // KCP looks at the workload cluster again after 1 s instead of 20 s while a control plane component is not
  // healthy (etcd alarms are not watched): the recovery in the last scenario is seen in time.
  const harness = useHarness({
    setup: (manager) => setupCore(manager, { kubeadmControlPlane: { workloadRequeueMs: 1000 } }),
  });

  it('replaces a control plane Machine whose Node stays NotReady, keeping etcd at 3 healthy members', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'heal';
    const c = await applyKcpCluster(h, ns, name, 3);
    await availableKcp(h, ns, `${name}-cp`, 3, TIMEOUT);
    const cluster = await availableCluster(h, ns, name, 0);
    await controlPlaneHealthCheck(h, ns, name);
    const before = await controlPlaneMachines(h, ns);
    const sick = before[0]!;
    const sickName = sick.metadata.name!;

    const wl = await clusterWorkloadClient(c, cluster);
    try {
      await setNodeReady(wl, nodeOf(sick), 'False');
    } finally {
      wl.close();
    }

    const after = await eventually(
      'the unhealthy Machine replaced',
      async () => {
        const list = await controlPlaneMachines(h, ns);
        return list.length === 3 &&
          !list.some((m) => m.metadata.name === sickName) &&
          list.every((m) => nodeOf(m))
          ? list
          : undefined;
      },
      TIMEOUT,
    );
    const replacement = after.find((m) => !before.some((b) => b.metadata.name === m.metadata.name))!;
    const data = JSON.parse(replacement.metadata.annotations?.[REMEDIATION_FOR] ?? '{}') as {
      machine?: string;
      retryCount?: number;
    };
    assert.deepEqual([data.machine, data.retryCount], [sickName, 0], 'the replacement says what it replaces');
    for (const m of after.filter((x) => x !== replacement))
      assert.equal(
        m.metadata.annotations?.[REMEDIATION_FOR],
        undefined,
        `${m.metadata.name} was not replaced`,
      );

    const kcp = await availableKcp(h, ns, `${name}-cp`, 3, TIMEOUT);
    assert.equal(
      kcp.metadata.annotations?.['controlplane.cluster.x-k8s.io/remediation-in-progress'],
      undefined,
      'the remediation completed with the replacement',
    );
    const last = (
      kcp.status as { lastRemediation?: { machine?: string; retryCount?: number; time?: string } }
    ).lastRemediation;
    assert.deepEqual([last?.machine, last?.retryCount], [sickName, 0]);
    assert.match(last?.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(
      [condition(kcp, 'Remediating')?.status, condition(kcp, 'Remediating')?.reason],
      ['False', 'NotRemediating'],
    );

    // etcd: one member per Machine, each answering; the Cluster is Available again.
    const nodes = after.map(nodeOf).sort();
    assert.deepEqual(await etcdMemberNames(h, ns, name, nodes[0]!), nodes);
    const etcd = h.provider.cloud.get(`${ns}/${name}`)!.etcd;
    for (const n of nodes) assert.equal(etcd.stateOf(etcd.memberByName(n)!.id), 'running', n);
    assert.ok(etcd.leaderId, 'etcd has a leader');
    await availableCluster(h, ns, name, 0);

    assert.deepEqual(await remediationCounts(h, ns, name), { 'remediated/MachineDeleting': 1 });
    assert.equal(
      await metricValue(h.registry, REMEDIATIONS, { cluster_namespace: ns, outcome: 'failed' }),
      0,
    );
  });

  it('with 2 of 3 control plane Machines down nothing is remediated, and the Machine and the KubeadmControlPlane say why', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'down';
    const c = await applyKcpCluster(h, ns, name, 3);
    await availableKcp(h, ns, `${name}-cp`, 3, TIMEOUT);
    const cluster = await availableCluster(h, ns, name, 0);
    const machines = [...(await controlPlaneMachines(h, ns))].sort((a, b) =>
      a.metadata.creationTimestamp! < b.metadata.creationTimestamp! ||
      (a.metadata.creationTimestamp === b.metadata.creationTimestamp && a.metadata.name! < b.metadata.name!)
        ? -1
        : 1,
    );
    const down = machines.slice(0, 2);
    const all = names(machines);

    // Two Machines go down: kubelet (the Node NotReady) and their etcd members, so etcd loses its quorum. A
    // NotReady Node alone would not stop KCP (as upstream): its etcd member is still healthy, so one Machine
    // can go without losing quorum, and KCP replaces them one after the other. Both are down past the timeout
    // before the MachineHealthCheck exists, so it judges them together.
    const etcd = h.provider.cloud.get(`${ns}/${name}`)!.etcd;
    for (const m of down) etcd.setHealthy(etcd.memberByName(nodeOf(m))!.id, false);
    assert.equal(etcd.leaderId, '', 'etcd has no quorum');
    const wl = await clusterWorkloadClient(c, cluster);
    try {
      for (const m of down) await setNodeReady(wl, nodeOf(m), 'False');
    } finally {
      wl.close();
    }
    await sleep(1100);
    await controlPlaneHealthCheck(h, ns, name);

    // KCP picks the "most broken" Machine (here the oldest: both are as broken) and defers: without an etcd
    // leader it cannot read the member list, so it cannot tell whether etcd would keep its quorum.
    const deferral = {
      reason: 'RemediationDeferred',
      message: 'Failed to check etcd cluster health before remediation',
    };
    const ownerRemediated = async (m: Obj) => {
      const c = condition(await getObj(h, MACHINE, ns, m.metadata.name!), 'OwnerRemediated');
      return { status: c?.status, reason: c?.reason, message: c?.message };
    };
    await eventually(
      'OwnerRemediated says why the Machine is not remediated',
      async () => (await ownerRemediated(down[0]!)).reason === deferral.reason,
      TIMEOUT,
    );
    assert.deepEqual(await ownerRemediated(down[0]!), { status: 'False', ...deferral });
    // The MachineHealthCheck marks the two one after the other: a KCP reconcile in between sees only the
    // second and defers it first, else it keeps waiting for its turn.
    const other = await eventually('the other Machine handed to KCP', async () => {
      const o = await ownerRemediated(down[1]!);
      return o.reason ? o : undefined;
    });
    const otherDeferred = other.reason === deferral.reason;
    assert.deepEqual(
      other,
      otherDeferred
        ? { status: 'False', ...deferral }
        : { status: 'False', reason: 'WaitingForRemediation', message: 'Waiting for remediation' },
    );
    // Machines with the same message are grouped, and listed by name.
    const expected = otherDeferred
      ? `* Machines ${names(down).join(', ')}: ${deferral.message}`
      : [
          [down[0]!.metadata.name!, deferral.message],
          [down[1]!.metadata.name!, 'Waiting for remediation'],
        ]
          .sort(([a], [b]) => (a! < b! ? -1 : 1))
          .map(([m, message]) => `* Machine ${m}: ${message}`)
          .join('\n');
    const remediating = async () => {
      const c = condition(await getObj(h, KUBEADM_CONTROL_PLANE, ns, `${name}-cp`), 'Remediating');
      return { status: c?.status, reason: c?.reason, message: c?.message };
    };
    const want = { status: 'True', reason: 'Remediating', message: expected };
    await eventually('Remediating says why', async () => {
      assert.deepEqual(await remediating(), want);
      return true;
    });

    // For a while (KCP comes back on every Machine change and every second): no Machine deleted, none added.
    for (let i = 0; i < 10; i++) {
      const list = await controlPlaneMachines(h, ns);
      assert.deepEqual(names(list), all, 'no Machine created or removed');
      assert.ok(
        list.every((m) => !m.metadata.deletionTimestamp),
        'no Machine deleting',
      );
      await sleep(300);
    }
    const still = await getObj(h, KUBEADM_CONTROL_PLANE, ns, `${name}-cp`);
    assert.equal(
      still?.metadata.annotations?.['controlplane.cluster.x-k8s.io/remediation-in-progress'],
      undefined,
    );
    assert.equal((still?.status as { lastRemediation?: unknown }).lastRemediation, undefined);
    // A deferral is one decision per Machine however often KCP repeats it.
    assert.deepEqual(await remediationCounts(h, ns, name), {
      'deferred/RemediationDeferred': otherDeferred ? 2 : 1,
    });
  });

  it('does not remediate a Machine whose removal would cost etcd its quorum, and does once the other member recovers', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'quorum';
    const c = await applyKcpCluster(h, ns, name, 3);
    await availableKcp(h, ns, `${name}-cp`, 3, TIMEOUT);
    const cluster = await availableCluster(h, ns, name, 0);
    await controlPlaneHealthCheck(h, ns, name);
    const [sick, failing] = await controlPlaneMachines(h, ns);
    const sickName = sick!.metadata.name!;

    // Another member's disk is full: its Machine is healthy to the MachineHealthCheck, not to etcd.
    const etcd = h.provider.cloud.get(`${ns}/${name}`)!.etcd;
    const failingMember = etcd.memberByName(nodeOf(failing!))!.id;
    etcd.activateAlarm(failingMember, 'NOSPACE');
    await eventually(
      'EtcdMemberHealthy=False on the Machine with the alarm',
      async () =>
        condition(await getObj(h, MACHINE, ns, failing!.metadata.name!), 'EtcdMemberHealthy')?.message ===
        'Etcd reports alarms: NOSPACE',
      TIMEOUT,
    );
    const wl = await clusterWorkloadClient(c, cluster);
    try {
      await setNodeReady(wl, nodeOf(sick!), 'False');
    } finally {
      wl.close();
    }

    // Removing the sick member would leave 2 voters of which 1 is healthy: below a quorum of 2.
    const refused = await eventually(
      'OwnerRemediated says the Machine cannot be remediated',
      async () => {
        const m = await getObj(h, MACHINE, ns, sickName);
        return condition(m, 'OwnerRemediated')?.reason === 'CannotBeRemediated' ? m : undefined;
      },
      TIMEOUT,
    );
    assert.deepEqual(
      [condition(refused, 'OwnerRemediated')?.status, condition(refused, 'OwnerRemediated')?.message],
      [
        'False',
        "KubeadmControlPlane can't remediate this Machine because this could result in loosing Kubernetes control plane components or in etcd quorum loss",
      ],
    );
    await eventually('Remediating says why', async () => {
      const kcp = await getObj(h, KUBEADM_CONTROL_PLANE, ns, `${name}-cp`);
      assert.deepEqual(
        [
          condition(kcp, 'Remediating')?.status,
          condition(kcp, 'Remediating')?.reason,
          condition(kcp, 'Remediating')?.message,
        ],
        [
          'True',
          'Remediating',
          `* Machine ${sickName}: KubeadmControlPlane can't remediate this Machine because this could result in loosing Kubernetes control plane components or in etcd quorum loss`,
        ],
      );
      return true;
    });
    const all = names(await controlPlaneMachines(h, ns));
    for (let i = 0; i < 5; i++) {
      const list = await controlPlaneMachines(h, ns);
      assert.deepEqual(names(list), all, 'no Machine created or removed');
      assert.ok(
        list.every((m) => !m.metadata.deletionTimestamp),
        'no Machine deleting',
      );
      await sleep(300);
    }

    // The alarm is cleared: the sick Machine can go now, and is replaced.
    etcd.deactivateAlarm(failingMember, 'NOSPACE');
    await eventually(
      'the unhealthy Machine replaced',
      async () => {
        const list = await controlPlaneMachines(h, ns);
        return list.length === 3 && !list.some((m) => m.metadata.name === sickName) && list.every(nodeOf);
      },
      TIMEOUT,
    );
    await availableKcp(h, ns, `${name}-cp`, 3, TIMEOUT);
    assert.deepEqual(await remediationCounts(h, ns, name), {
      'deferred/CannotBeRemediated': 1,
      'remediated/MachineDeleting': 1,
    });
  });
});
