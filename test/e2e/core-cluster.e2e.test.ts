import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { TypeRef } from '../../src/controller-runtime/api/object.js';
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
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import {
  applyPlainCluster,
  availableCluster,
  clusterWorkloadClient,
  createDevMachineTemplate,
  createMachineDeployment,
  createUnevictableDatabase,
  MACHINE_DEPLOYMENT,
  MACHINE_HEALTH_CHECK,
  MACHINE_SET,
  poolMachines,
  setNodeReady,
  setupCore,
} from '../core/core-helpers.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

describe('core controllers end to end on the in-memory provider', () => {
  const harness = useHarness({ setup: setupCore });

  it('3 control plane Machines and a MachineDeployment of 3 make an Available Cluster; deleting the Cluster removes everything in order', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'e2e';
    const c = await applyPlainCluster(h, ns, name, [
      { name: 'e2e-cp-0', controlPlane: true },
      { name: 'e2e-cp-1', controlPlane: true },
      { name: 'e2e-cp-2', controlPlane: true },
    ]);
    await createMachineDeployment(h, c, 'e2e-md-0', 3);

    const cluster = await availableCluster(h, ns, name, 3);
    assert.equal(
      (cluster.status as { controlPlane?: { readyReplicas?: number } }).controlPlane?.readyReplicas,
      3,
    );
    assert.equal((cluster.status as { phase?: string }).phase, 'Provisioned');
    const machines = await h.client.list<Obj>(MACHINE, { namespace: ns });
    assert.equal(machines.items.length, 6);
    for (const m of machines.items)
      assert.ok(
        (m.status as { nodeRef?: { name?: string } }).nodeRef?.name,
        `${m.metadata.name} has a nodeRef`,
      );

    const { stdout } = await run('kubectl', [
      '--kubeconfig',
      h.api.kubeconfigPath,
      'get',
      'machines',
      '-n',
      ns,
    ]);
    const [header, ...rows] = stdout.trim().split('\n');
    assert.match(
      header!,
      /^NAME\s+CLUSTER\s+NODE NAME\s+FAILURE DOMAIN\s+READY\s+AVAILABLE\s+UP-TO-DATE\s+PHASE\s+AGE\s+VERSION$/,
    );
    assert.equal(rows.length, 6);
    // UP-TO-DATE: the MachineDeployment judges its Machines; stand-alone control plane Machines have no
    // UpToDate condition (upstream), so their column is empty.
    for (const row of rows)
      assert.match(
        row,
        row.startsWith('e2e-cp-')
          ? /\s+e2e\s+\S+\s+(\S+\s+)?True\s+True\s+Running\s+\S+\s+v1\.33\.1$/
          : /\s+e2e\s+\S+\s+(\S+\s+)?True\s+True\s+True\s+Running\s+\S+\s+v1\.33\.1$/,
      );

    // Deletion: workers and (without a control plane object) control plane Machines first, each after its
    // DevMachine; then the DevCluster; the Cluster last. Nothing the controllers made is left.
    const endpoint = cluster.spec!.controlPlaneEndpoint as { host: string; port: number };
    const secretsBefore = names((await h.client.list<Obj>(SECRET, { namespace: ns })).items);
    assert.ok(secretsBefore.includes('e2e-kubeconfig'));
    const deletions = recordDeletions(h, ns, [
      CLUSTER,
      DEV_CLUSTER,
      MACHINE,
      DEV_MACHINE,
      MACHINE_SET,
      MACHINE_DEPLOYMENT,
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
    const machineNames = names(machines.items);
    for (const m of machineNames) {
      assert.ok(at(`DevMachine/${m}`) < at(`Machine/${m}`), `DevMachine ${m} goes before its Machine`);
      assert.ok(at(`Machine/${m}`) < at(`DevCluster/${name}`), `Machine ${m} goes before the DevCluster`);
    }
    assert.ok(at(`MachineDeployment/e2e-md-0`) < at(`Cluster/${name}`));
    assert.ok(at(`DevCluster/${name}`) < at(`Cluster/${name}`));

    for (const type of [MACHINE, DEV_MACHINE, MACHINE_SET, MACHINE_DEPLOYMENT, DEV_CLUSTER])
      assert.deepEqual(names((await h.client.list<Obj>(type, { namespace: ns })).items), [], type.kind);
    // Only the Secrets the user applied remain: the kubeconfig the Cluster controller wrote went with it.
    await eventually(
      'kubeconfig Secret collected',
      async () => !(await getObj(h, SECRET, ns, 'e2e-kubeconfig')),
    );
    assert.deepEqual(
      names((await h.client.list<Obj>(SECRET, { namespace: ns })).items),
      secretsBefore.filter((s) => s !== 'e2e-kubeconfig'),
    );
    assert.equal(h.provider.cloud.get(`${ns}/${name}`), undefined);
    assert.ok(await portClosed(endpoint.host, endpoint.port), 'the workload API server stopped listening');
  });
});

describe('MachineDeployment scaling and rollouts end to end', () => {
  const harness = useHarness({ setup: setupCore });

  it('scales 1 -> 3 -> 1, removing the extra Machines with their infrastructure and Nodes', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'sc', [{ name: 'sc-cp-0', controlPlane: true }]);
    await createMachineDeployment(h, c, 'sc-md', 1);
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
    const removed = names(three).filter((n) => n !== left!.metadata.name);
    assert.equal(removed.length, 2);
    const wl = await clusterWorkloadClient(c, cluster);
    try {
      const nodes = names((await wl.list<Obj>(NODE)).items);
      for (const n of removed) {
        assert.ok(!nodes.includes(n), `Node ${n} removed`);
        assert.equal(await getObj(h, DEV_MACHINE, ns, n), undefined, `DevMachine ${n} removed`);
      }
      assert.ok(nodes.includes(left!.metadata.name!));
    } finally {
      wl.close();
    }
  });

  it('a template change rolls every worker with maxSurge 1 / maxUnavailable 0 without dropping below the desired count', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'roll', [{ name: 'roll-cp-0', controlPlane: true }]);
    await createMachineDeployment(h, c, 'roll-md', 3, {
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
  });

  it('OnDelete: a template change replaces only the Machines a user deletes', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'od', [{ name: 'od-cp-0', controlPlane: true }]);
    await createMachineDeployment(h, c, 'od-md', 2, { strategy: { type: 'OnDelete' } });
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
  });
});

describe('remediation and drain end to end', () => {
  const harness = useHarness({ setup: setupCore });

  it('a worker whose Node stays NotReady past the timeout is replaced through its MachineSet', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'heal', [{ name: 'heal-cp-0', controlPlane: true }]);
    await createMachineDeployment(h, c, 'heal-md', 2);
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
      await setNodeReady(wl, (victim.status as { nodeRef: { name: string } }).nodeRef.name, 'False');
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
  });

  it('with unhealthyLessThanOrEqualTo 40% and 2 of 3 workers unhealthy nothing is remediated, and the condition says why', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'many', [{ name: 'many-cp-0', controlPlane: true }]);
    await createMachineDeployment(h, c, 'many-md', 3);
    const cluster = await availableCluster(h, ns, 'many', 3);
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
    const workers = names(await poolMachines(h, ns, 'many-md'));
    const wl = await clusterWorkloadClient(c, cluster);
    try {
      await setNodeReady(wl, workers[0]!, 'False');
      await setNodeReady(wl, workers[1]!, 'False');
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
      await setNodeReady(wl, workers[1]!, 'True');
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
  });

  it('scaling down to a worker whose Pod has a PDB with maxUnavailable 0 waits for nodeDrainTimeoutSeconds, naming the Pod', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'dr', [{ name: 'dr-cp-0', controlPlane: true }]);
    await createMachineDeployment(h, c, 'dr-md', 1, {
      machineSpec: { deletion: { nodeDrainTimeoutSeconds: 5 } },
    });
    const cluster = await availableCluster(h, ns, 'dr', 1);
    const [worker] = await poolSettled(h, ns, 'dr-md', 1);
    const node = (worker!.status as { nodeRef: { name: string } }).nodeRef.name;
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
  });
});
