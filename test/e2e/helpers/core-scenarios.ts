// The core scenarios of issue 7 (an Available Cluster deleted in order, MachineDeployment scaling and
// rollouts, MachineHealthCheck remediation, drain) as functions of a `ClusterFlavor`: how the control plane
// and the workers' bootstrap data come about. `core-cluster.e2e.test.ts` runs them with stand-alone control
// plane Machines and bootstrap Secrets, `core-cluster-kcp.e2e.test.ts` with a KubeadmControlPlane and
// KubeadmConfigTemplates.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import type { TypeRef } from '../../../src/controller-runtime/api/object.js';
import {
  applyKcpCluster,
  applyPlainCluster,
  availableCluster,
  clusterWorkloadClient,
  createDevMachineTemplate,
  createMachineDeployment,
  createUnevictableDatabase,
  KUBEADM_CONFIG,
  KUBEADM_CONTROL_PLANE,
  MACHINE_DEPLOYMENT,
  MACHINE_HEALTH_CHECK,
  MACHINE_SET,
  type PlainMachineDeployment,
  poolMachines,
  setNodeReady,
} from '../../core/core-helpers.js';
import {
  CLUSTER,
  condition,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  NODE,
  type Obj,
  POD,
  SECRET,
  type TestCluster,
} from '../../providers/infrastructure-dev/harness.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How a scenario's cluster is made. */
export interface ClusterFlavor {
  /**
   * Applies Cluster `name` with `controlPlaneReplicas` control plane Machines (what a user applies; the
   * controllers do the rest) and returns it with its certificate authorities.
   */
  apply(h: Harness, ns: string, name: string, controlPlaneReplicas: number): Promise<TestCluster>;
  /** A MachineDeployment of workers labelled `pool=<name>`. */
  machineDeployment(
    h: Harness,
    c: TestCluster,
    name: string,
    replicas: number,
    extra?: PlainMachineDeployment,
  ): Promise<void>;
  /** Whether control plane Machines carry UpToDate (KCP judges its own; stand-alone ones have none, upstream). */
  controlPlaneUpToDate: boolean;
  /** The Secrets the controllers make for Cluster `name`, by their owner (`Kind/name`), so they go with it. */
  ownedSecrets(name: string): Record<string, string>;
  /** Kinds to watch go besides core's (the control plane object). */
  deletionTypes: TypeRef[];
  /**
   * The flavor's part of the deletion order; `at('Kind/name')` is when that object went. `controlPlane` and
   * `workers` are Machine names.
   */
  checkDeletionOrder(
    at: (key: string) => number,
    o: { name: string; controlPlane: string[]; workers: string[] },
  ): void;
}

/** Stand-alone control plane Machines `<name>-cp-<i>` and workers with bootstrap data Secrets (issue 7). */
export const plainFlavor: ClusterFlavor = {
  apply: (h, ns, name, replicas) =>
    applyPlainCluster(
      h,
      ns,
      name,
      Array.from({ length: replicas }, (_, i) => ({ name: `${name}-cp-${i}`, controlPlane: true })),
    ),
  machineDeployment: (h, c, name, replicas, extra) => createMachineDeployment(h, c, name, replicas, extra),
  controlPlaneUpToDate: false,
  ownedSecrets: (name) => ({ [`${name}-kubeconfig`]: `Cluster/${name}` }),
  deletionTypes: [],
  checkDeletionOrder(at, { name, controlPlane, workers }) {
    // Without a control plane object the Cluster controller deletes every Machine before the DevCluster.
    for (const m of [...controlPlane, ...workers])
      assert.ok(at(`Machine/${m}`) < at(`DevCluster/${name}`), `Machine ${m} goes before the DevCluster`);
  },
};

/** A KubeadmControlPlane `<name>-cp` and workers bootstrapped by kubeadm from a KubeadmConfigTemplate. */
export const kcpFlavor: ClusterFlavor = {
  apply: (h, ns, name, replicas) => applyKcpCluster(h, ns, name, replicas),
  machineDeployment: (h, c, name, replicas, extra) =>
    createMachineDeployment(h, c, name, replicas, { ...extra, bootstrap: 'kubeadmConfigTemplate' }),
  controlPlaneUpToDate: true,
  ownedSecrets: (name) =>
    Object.fromEntries(
      ['ca', 'etcd', 'proxy', 'sa', 'kubeconfig'].map((p) => [
        `${name}-${p}`,
        `KubeadmControlPlane/${name}-cp`,
      ]),
    ),
  deletionTypes: [KUBEADM_CONTROL_PLANE],
  checkDeletionOrder(at, { name, controlPlane, workers }) {
    // Upstream's order: the workers, then the control plane (KCP waits for the workers, then deletes its
    // Machines and goes), then the infrastructure cluster.
    const kcp = at(`KubeadmControlPlane/${name}-cp`);
    for (const w of workers)
      for (const m of controlPlane)
        assert.ok(at(`Machine/${w}`) < at(`Machine/${m}`), `worker ${w} goes before control plane ${m}`);
    for (const m of controlPlane)
      assert.ok(at(`Machine/${m}`) < kcp, `control plane Machine ${m} goes before its KubeadmControlPlane`);
    assert.ok(kcp < at(`DevCluster/${name}`), 'the KubeadmControlPlane goes before the DevCluster');
  },
};

async function scale(h: Harness, ns: string, md: string, replicas: number): Promise<void> {
  await h.client.patch(
    { ...MACHINE_DEPLOYMENT, metadata: { name: md, namespace: ns } },
    { type: 'merge', data: { spec: { replicas } } },
  );
}

/** Points the MachineDeployment's Machine template at another DevMachineTemplate: a new revision. */
async function changeTemplate(h: Harness, ns: string, md: string, template: string): Promise<void> {
  await createDevMachineTemplate(h, ns, template);
  await h.client.patch(
    { ...MACHINE_DEPLOYMENT, metadata: { name: md, namespace: ns } },
    {
      type: 'merge',
      data: {
        spec: {
          template: {
            spec: {
              infrastructureRef: {
                apiGroup: 'infrastructure.cluster.x-k8s.io',
                kind: 'DevMachineTemplate',
                name: template,
              },
            },
          },
        },
      },
    },
  );
}

const alive = (machines: Obj[]) => machines.filter((m) => !m.metadata.deletionTimestamp);
const available = (machines: Obj[]) =>
  alive(machines).filter((m) => condition(m, 'Available')?.status === 'True');
const names = (objs: Obj[]) => objs.map((o) => o.metadata.name!).sort();
const nodeOf = (m: Obj): string => (m.status as { nodeRef?: { name?: string } }).nodeRef?.name ?? '';
const isControlPlane = (m: Obj): boolean =>
  m.metadata.labels?.['cluster.x-k8s.io/control-plane'] !== undefined;

/** Waits for exactly `replicas` live Machines in the pool, all Available (none still deleting). */
async function poolSettled(h: Harness, ns: string, pool: string, replicas: number): Promise<Obj[]> {
  return eventually(
    `${pool}: ${replicas} Available Machines`,
    async () => {
      const machines = await poolMachines(h, ns, pool);
      return machines.length === replicas && available(machines).length === replicas ? machines : undefined;
    },
    90_000,
  );
}

/** Records the order in which objects of the given kinds disappear from a namespace. */
function recordDeletions(h: Harness, ns: string, types: TypeRef[]): { order: string[]; stop: () => void } {
  const order: string[] = [];
  const abort = new AbortController();
  for (const type of types)
    void (async () => {
      try {
        for await (const ev of h.client.watch<Obj>(type, { namespace: ns, signal: abort.signal }))
          if (ev.type === 'DELETED') order.push(`${type.kind}/${ev.object.metadata.name}`);
      } catch {
        // The watch ends with the test.
      }
    })();
  return { order, stop: () => abort.abort() };
}

function portClosed(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/**
 * 3 control plane Machines and a MachineDeployment of 3 make an Available Cluster (every Machine with a Node,
 * `kubectl get machines` columns); deleting the Cluster removes everything in order, the Secrets the
 * controllers own with it, and stops the workload cluster.
 */
export async function availableClusterDeletedInOrder(h: Harness, flavor: ClusterFlavor): Promise<void> {
  const ns = await h.namespace();
  const name = 'e2e';
  const c = await flavor.apply(h, ns, name, 3);
  await flavor.machineDeployment(h, c, 'e2e-md-0', 3);

  await availableCluster(h, ns, name, 3);
  // A control plane is available with one healthy Machine (upstream): KCP may still be adding the others.
  const cluster = await eventually(
    'the Cluster reports 3 ready control plane replicas',
    async () => {
      const obj = await getObj(h, CLUSTER, ns, name);
      const cp = (obj?.status as { controlPlane?: { readyReplicas?: number; availableReplicas?: number } })
        .controlPlane;
      return condition(obj, 'Available')?.status === 'True' && cp?.readyReplicas === 3 ? obj : undefined;
    },
    90_000,
  );
  assert.equal((cluster.status as { phase?: string }).phase, 'Provisioned');
  const machines = (await h.client.list<Obj>(MACHINE, { namespace: ns })).items;
  assert.equal(machines.length, 6);
  for (const m of machines) assert.ok(nodeOf(m), `${m.metadata.name} has a nodeRef`);
  const controlPlane = names(machines.filter(isControlPlane));
  const workers = names(machines.filter((m) => !isControlPlane(m)));
  assert.equal(controlPlane.length, 3);

  // UP-TO-DATE: the MachineDeployment judges its Machines, KCP its own; stand-alone control plane Machines have
  // no UpToDate condition (upstream), so their column is empty. Machine conditions may trail Available by a
  // reconcile: wait for the columns.
  const rows = await eventually(
    'kubectl get machines shows every Machine Ready, Available and Running',
    async () => {
      const { stdout } = await run('kubectl', [
        '--kubeconfig',
        h.api.kubeconfigPath,
        'get',
        'machines',
        '-n',
        ns,
      ]);
      const [header, ...lines] = stdout.trim().split('\n');
      assert.match(
        header!,
        /^NAME\s+CLUSTER\s+NODE NAME\s+FAILURE DOMAIN\s+READY\s+AVAILABLE\s+UP-TO-DATE\s+PHASE\s+AGE\s+VERSION$/,
      );
      const full = /\s+e2e\s+\S+\s+(\S+\s+)?True\s+True\s+True\s+Running\s+\S+\s+v1\.33\.1$/;
      const noUpToDate = /\s+e2e\s+\S+\s+(\S+\s+)?True\s+True\s+Running\s+\S+\s+v1\.33\.1$/;
      const ok = lines.every((row) =>
        (controlPlane.includes(row.split(/\s+/)[0]!) && !flavor.controlPlaneUpToDate
          ? noUpToDate
          : full
        ).test(row),
      );
      return lines.length === 6 && ok ? lines : undefined;
    },
  );
  assert.equal(rows.length, 6);

  // Deletion in upstream's order; nothing the controllers made is left, and the user's own Secrets stay.
  const endpoint = cluster.spec!.controlPlaneEndpoint as { host: string; port: number };
  const secretsBefore = (await h.client.list<Obj>(SECRET, { namespace: ns })).items;
  const owned = flavor.ownedSecrets(name);
  for (const [secret, owner] of Object.entries(owned)) {
    const refs = secretsBefore.find((s) => s.metadata.name === secret)?.metadata.ownerReferences ?? [];
    assert.ok(
      refs.some((r) => `${r.kind}/${r.name}` === owner),
      `${secret} is owned by ${owner}`,
    );
  }
  const userSecrets = names(secretsBefore.filter((s) => (s.metadata.ownerReferences ?? []).length === 0));
  const deletions = recordDeletions(h, ns, [
    CLUSTER,
    DEV_CLUSTER,
    MACHINE,
    DEV_MACHINE,
    MACHINE_SET,
    MACHINE_DEPLOYMENT,
    ...flavor.deletionTypes,
  ]);
  await sleep(200);
  try {
    await h.client.delete({ ...CLUSTER, metadata: { name, namespace: ns } });
    await eventually('Cluster gone', async () => !(await getObj(h, CLUSTER, ns, name)), 90_000);
    await eventually('all deletions seen', () => deletions.order.includes(`Cluster/${name}`));
  } finally {
    deletions.stop();
  }
  const at = (key: string) => {
    const i = deletions.order.indexOf(key);
    assert.ok(i >= 0, `${key} was deleted (saw ${deletions.order.join(', ')})`);
    return i;
  };
  for (const m of names(machines))
    assert.ok(at(`DevMachine/${m}`) < at(`Machine/${m}`), `DevMachine ${m} goes before its Machine`);
  assert.ok(at(`MachineDeployment/e2e-md-0`) < at(`Cluster/${name}`));
  assert.ok(at(`DevCluster/${name}`) < at(`Cluster/${name}`));
  flavor.checkDeletionOrder(at, { name, controlPlane, workers });

  for (const type of [MACHINE, DEV_MACHINE, MACHINE_SET, MACHINE_DEPLOYMENT, DEV_CLUSTER, KUBEADM_CONFIG])
    assert.deepEqual(names((await h.client.list<Obj>(type, { namespace: ns })).items), [], type.kind);
  // The Secrets the controllers own (kubeconfig, certificates, bootstrap data) are garbage-collected.
  await eventually('owned Secrets collected', async () => {
    const left = names((await h.client.list<Obj>(SECRET, { namespace: ns })).items);
    return left.length === userSecrets.length ? left : undefined;
  });
  assert.deepEqual(names((await h.client.list<Obj>(SECRET, { namespace: ns })).items), userSecrets);
  assert.equal(h.provider.cloud.get(`${ns}/${name}`), undefined);
  assert.ok(await portClosed(endpoint.host, endpoint.port), 'the workload API server stopped listening');
}

/** A MachineDeployment scales 1 -> 3 -> 1, removing the extra Machines with their infrastructure and Nodes. */
export async function machineDeploymentScales(h: Harness, flavor: ClusterFlavor): Promise<void> {
  const ns = await h.namespace();
  const c = await flavor.apply(h, ns, 'sc', 1);
  await flavor.machineDeployment(h, c, 'sc-md', 1);
  const cluster = await availableCluster(h, ns, 'sc', 1);
  const [first] = await poolSettled(h, ns, 'sc-md', 1);

  await scale(h, ns, 'sc-md', 3);
  const three = await poolSettled(h, ns, 'sc-md', 3);
  assert.ok(names(three).includes(first!.metadata.name!), 'scaling up keeps the existing Machine');
  await availableCluster(h, ns, 'sc', 3);
  const md = await getObj(h, MACHINE_DEPLOYMENT, ns, 'sc-md');
  assert.deepEqual(
    [
      (md!.status as { replicas?: number }).replicas,
      (md!.status as { availableReplicas?: number }).availableReplicas,
    ],
    [3, 3],
  );

  await scale(h, ns, 'sc-md', 1);
  const [left] = await poolSettled(h, ns, 'sc-md', 1);
  await availableCluster(h, ns, 'sc', 1);
  const removed = three.filter((m) => m.metadata.name !== left!.metadata.name);
  assert.equal(removed.length, 2);
  const wl = await clusterWorkloadClient(c, cluster);
  try {
    const nodes = names((await wl.list<Obj>(NODE)).items);
    for (const m of removed) {
      assert.ok(!nodes.includes(nodeOf(m)), `Node ${nodeOf(m)} removed`);
      assert.equal(await getObj(h, DEV_MACHINE, ns, m.metadata.name!), undefined, `DevMachine removed`);
    }
    assert.ok(nodes.includes(nodeOf(left!)));
  } finally {
    wl.close();
  }
}

/** A template change rolls every worker with maxSurge 1 / maxUnavailable 0, never below the desired count. */
export async function rollingUpdateKeepsCapacity(h: Harness, flavor: ClusterFlavor): Promise<void> {
  const ns = await h.namespace();
  const c = await flavor.apply(h, ns, 'roll', 1);
  await flavor.machineDeployment(h, c, 'roll-md', 3, {
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  });
  await availableCluster(h, ns, 'roll', 3);
  const before = new Set(names(await poolMachines(h, ns, 'roll-md')));
  await changeTemplate(h, ns, 'roll-md', 'roll-md-v2');
  let minAvailable = Infinity;
  let maxMachines = 0;
  await eventually(
    'every worker replaced',
    async () => {
      const list = await poolMachines(h, ns, 'roll-md');
      const count = available(list).length;
      minAvailable = Math.min(minAvailable, count);
      maxMachines = Math.max(maxMachines, list.length);
      return list.length === 3 && count === 3 && list.every((m) => !before.has(m.metadata.name!));
    },
    120_000,
  );
  assert.ok(minAvailable >= 3, `available never below 3 (saw ${minAvailable})`);
  assert.ok(maxMachines <= 4, `never more than 3 + maxSurge Machines (saw ${maxMachines})`);
}

/** OnDelete: a template change replaces only the Machines a user deletes. */
export async function onDeleteReplacesDeletedOnly(h: Harness, flavor: ClusterFlavor): Promise<void> {
  const ns = await h.namespace();
  const c = await flavor.apply(h, ns, 'od', 1);
  await flavor.machineDeployment(h, c, 'od-md', 2, { strategy: { type: 'OnDelete' } });
  await availableCluster(h, ns, 'od', 2);
  const before = names(await poolSettled(h, ns, 'od-md', 2));

  await changeTemplate(h, ns, 'od-md', 'od-md-v2');
  await eventually('a new MachineSet for the new template', async () => {
    const sets = await h.client.list<Obj>(MACHINE_SET, { namespace: ns, labelSelector: 'pool=od-md' });
    return sets.items.length === 2;
  });
  // Nothing rolls by itself: sample for a few seconds.
  for (let i = 0; i < 10; i++) {
    const list = await poolMachines(h, ns, 'od-md');
    assert.deepEqual(names(list), before, 'no Machine created or removed');
    assert.equal(alive(list).length, 2, 'no Machine deleted');
    await sleep(300);
  }
  const outdated = await getObj(h, MACHINE, ns, before[0]!);
  assert.equal(condition(outdated, 'UpToDate')?.status, 'False');

  await h.client.delete({ ...MACHINE, metadata: { name: before[0]!, namespace: ns } });
  const after = await eventually(
    'the deleted Machine replaced from the new template',
    async () => {
      const list = await poolMachines(h, ns, 'od-md');
      return list.length === 2 &&
        available(list).length === 2 &&
        !list.some((m) => m.metadata.name === before[0])
        ? list
        : undefined;
    },
    90_000,
  );
  assert.ok(names(after).includes(before[1]!), 'the Machine nobody deleted stays');
  const replacement = after.find((m) => m.metadata.name !== before[1])!;
  const infra = await getObj(h, DEV_MACHINE, ns, replacement.metadata.name!);
  assert.equal(infra?.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], 'od-md-v2');
  assert.equal(condition(replacement, 'UpToDate')?.status, 'True');
}

/** A worker whose Node stays NotReady past the timeout is replaced through its MachineSet. */
export async function notReadyWorkerReplaced(h: Harness, flavor: ClusterFlavor): Promise<void> {
  const ns = await h.namespace();
  const c = await flavor.apply(h, ns, 'heal', 1);
  await flavor.machineDeployment(h, c, 'heal-md', 2);
  const cluster = await availableCluster(h, ns, 'heal', 2);
  await h.client.create({
    ...MACHINE_HEALTH_CHECK,
    metadata: { name: 'heal-md', namespace: ns },
    spec: {
      clusterName: 'heal',
      selector: { matchLabels: { pool: 'heal-md' } },
      checks: { unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 1 }] },
    },
  });
  const victim = (await poolMachines(h, ns, 'heal-md'))[0]!;
  const wl = await clusterWorkloadClient(c, cluster);
  try {
    await setNodeReady(wl, nodeOf(victim), 'False');
  } finally {
    wl.close();
  }
  await eventually(
    'the unhealthy worker is replaced',
    async () => {
      const list = await poolMachines(h, ns, 'heal-md');
      return (
        !list.some((m) => m.metadata.name === victim.metadata.name) &&
        alive(list).length === 2 &&
        available(list).length === 2
      );
    },
    90_000,
  );
}

/**
 * With `triggerIf.unhealthyLessThanOrEqualTo: 40%` and 2 of 3 workers unhealthy nothing is remediated and
 * RemediationAllowed says why; once one recovers, the other is replaced.
 */
export async function triggerIfHoldsRemediation(h: Harness, flavor: ClusterFlavor): Promise<void> {
  const ns = await h.namespace();
  const c = await flavor.apply(h, ns, 'many', 1);
  await flavor.machineDeployment(h, c, 'many-md', 3);
  const cluster = await availableCluster(h, ns, 'many', 3);
  const pool = await poolMachines(h, ns, 'many-md');
  const workers = names(pool);
  const nodeOfWorker = (w: string) => nodeOf(pool.find((m) => m.metadata.name === w)!);
  const wl = await clusterWorkloadClient(c, cluster);
  try {
    // Both Nodes are NotReady past the timeout before the MachineHealthCheck exists: created between the two,
    // it could judge the first alone (1 of 3 is within 40%) and rightly remediate it.
    await setNodeReady(wl, nodeOfWorker(workers[0]!), 'False');
    await setNodeReady(wl, nodeOfWorker(workers[1]!), 'False');
    await sleep(1100);
    await h.client.create({
      ...MACHINE_HEALTH_CHECK,
      metadata: { name: 'many-md', namespace: ns },
      spec: {
        clusterName: 'many',
        selector: { matchLabels: { pool: 'many-md' } },
        checks: { unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 1 }] },
        remediation: { triggerIf: { unhealthyLessThanOrEqualTo: '40%' } },
      },
    });
    const mhc = await eventually('RemediationAllowed=False', async () => {
      const obj = await getObj(h, MACHINE_HEALTH_CHECK, ns, 'many-md');
      return condition(obj, 'RemediationAllowed')?.reason === 'TooManyUnhealthy' ? obj : undefined;
    });
    assert.equal(condition(mhc, 'RemediationAllowed')?.status, 'False');
    assert.equal(
      condition(mhc, 'RemediationAllowed')?.message,
      'Remediation is not allowed, the number of not started or unhealthy machines exceeds maxUnhealthy (total: 3, unhealthy: 2, maxUnhealthy: 40%)',
    );
    // Past the 1 s timeout, for a while: the three Machines stay, none deleting, none handed to remediation.
    for (let i = 0; i < 10; i++) {
      const list = await poolMachines(h, ns, 'many-md');
      assert.deepEqual(names(alive(list)), workers, 'no Machine remediated');
      for (const m of list.filter((x) => workers.slice(0, 2).includes(x.metadata.name!))) {
        assert.equal(condition(m, 'OwnerRemediated'), undefined);
      }
      await sleep(300);
    }
    for (const w of workers.slice(0, 2))
      assert.equal(
        condition(await getObj(h, MACHINE, ns, w), 'HealthCheckSucceeded')?.reason,
        'UnhealthyNode',
      );

    // One recovers: 1 of 3 is within 40%, so the other is replaced.
    await setNodeReady(wl, nodeOfWorker(workers[1]!), 'True');
    await eventually(
      'the still unhealthy worker is replaced',
      async () => {
        const list = await poolMachines(h, ns, 'many-md');
        return (
          !list.some((m) => m.metadata.name === workers[0]) &&
          list.some((m) => m.metadata.name === workers[1]) &&
          available(list).length === 3
        );
      },
      90_000,
    );
  } finally {
    wl.close();
  }
}

/**
 * Scaling down to a worker whose Pod has a PDB with maxUnavailable 0 waits for nodeDrainTimeoutSeconds, naming
 * the Pod; the Machine and its Node go afterwards.
 */
export async function drainWaitsForBudget(h: Harness, flavor: ClusterFlavor): Promise<void> {
  const ns = await h.namespace();
  const c = await flavor.apply(h, ns, 'dr', 1);
  await flavor.machineDeployment(h, c, 'dr-md', 1, {
    machineSpec: { deletion: { nodeDrainTimeoutSeconds: 5 } },
  });
  const cluster = await availableCluster(h, ns, 'dr', 1);
  const [worker] = await poolSettled(h, ns, 'dr-md', 1);
  const node = nodeOf(worker!);
  const wl = await clusterWorkloadClient(c, cluster);
  try {
    const pod = await createUnevictableDatabase(wl, node);

    const scaledAt = Date.now();
    await scale(h, ns, 'dr-md', 0);
    const blocked = await eventually('Deleting names the blocking Pod', async () => {
      const deleting = condition(await getObj(h, MACHINE, ns, worker!.metadata.name!), 'Deleting');
      return deleting?.reason === 'DrainingNode' && deleting.message?.includes(pod.metadata.name!)
        ? deleting
        : undefined;
    });
    assert.match(blocked.message!, /disruption budget db needs 1 healthy pods and has 1 currently/);
    const cordoned = await wl.get<Obj>(NODE, { name: node });
    assert.equal((cordoned.spec as { unschedulable?: boolean }).unschedulable, true);
    // The Pod is still there while the budget holds it.
    assert.ok(await wl.get(POD, { namespace: 'default', name: pod.metadata.name! }));

    await eventually(
      'Machine deleted after the drain timeout',
      async () => !(await getObj(h, MACHINE, ns, worker!.metadata.name!)),
      60_000,
    );
    // nodeDrainStartTime has whole seconds (metav1.Time), so the timeout can end up to 1 s early.
    assert.ok(Date.now() - scaledAt >= 4000, 'not before nodeDrainTimeoutSeconds');
    await eventually('Node deleted', async () => {
      const nodes = await wl.list<Obj>(NODE);
      return !nodes.items.some((n) => n.metadata.name === node);
    });
  } finally {
    wl.close();
  }
}
