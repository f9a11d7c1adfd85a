import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CLUSTER,
  condition,
  createBootstrapData,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  type Obj,
  type TestCluster,
  useHarness,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';
import { applyPlainCluster, setupCore } from '../core/core-helpers.js';

const run = promisify(execFile);
const MD = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment' };

async function createMachineDeployment(
  h: Harness,
  c: TestCluster,
  name: string,
  replicas: number,
  extra: { strategy?: Record<string, unknown>; templateName?: string } = {},
): Promise<void> {
  const ns = c.namespace;
  const template = extra.templateName ?? name;
  await createBootstrapData(h, c, name).catch(() => undefined);
  await h.client
    .create({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'DevMachineTemplate',
      metadata: { name: template, namespace: ns },
      spec: {
        template: {
          spec: {
            backend: {
              inMemory: Object.fromEntries(
                ['vm', 'node', 'etcd', 'apiServer'].map((k) => [
                  k,
                  { provisioning: { startupDuration: '0s' } },
                ]),
              ),
            },
          },
        },
      },
    })
    .catch(() => undefined);
  await h.client.create({
    ...MD,
    metadata: { name, namespace: ns },
    spec: {
      clusterName: c.name,
      replicas,
      ...(extra.strategy ? { rollout: { strategy: extra.strategy } } : {}),
      selector: { matchLabels: { pool: name } },
      template: {
        metadata: { labels: { pool: name } },
        spec: {
          clusterName: c.name,
          version: 'v1.33.1',
          bootstrap: { dataSecretName: `${name}-bootstrap` },
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: template,
          },
        },
      },
    },
  });
}

async function availableCluster(h: Harness, ns: string, name: string, workers: number): Promise<Obj> {
  return eventually(
    `Cluster Available with ${workers} workers`,
    async () => {
      const obj = await getObj(h, CLUSTER, ns, name);
      const w = (obj?.status as { workers?: { availableReplicas?: number } } | undefined)?.workers;
      return condition(obj, 'Available')?.status === 'True' && (w?.availableReplicas ?? 0) === workers
        ? obj
        : undefined;
    },
    90_000,
  );
}

describe('core controllers end to end on the in-memory provider', () => {
  const harness = useHarness({ setup: setupCore });

  it('3 control plane Machines and a MachineDeployment of 3 make an Available Cluster; scaling and deletion follow', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'e2e';
    const c = await applyPlainCluster(h, ns, name, [
      { name: 'e2e-cp-0', controlPlane: true },
      { name: 'e2e-cp-1', controlPlane: true },
      { name: 'e2e-cp-2', controlPlane: true },
    ]);
    await createMachineDeployment(h, c, 'e2e-md-0', 3);

    const cluster = await eventually(
      'Cluster Available with 3 workers',
      async () => {
        const obj = await getObj(h, CLUSTER, ns, name);
        const workers = (obj?.status as { workers?: { availableReplicas?: number } } | undefined)?.workers;
        return condition(obj, 'Available')?.status === 'True' && workers?.availableReplicas === 3
          ? obj
          : undefined;
      },
      90_000,
    );
    assert.equal(
      (cluster.status as { controlPlane?: { readyReplicas?: number } }).controlPlane?.readyReplicas,
      3,
    );
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
    for (const row of rows)
      assert.match(row, /\s+e2e\s+\S+\s+(\S+\s+)?True\s+True\s+True\s+Running\s+\S+\s+v1\.33\.1$/);

    // Scale the MachineDeployment 3 -> 1.
    await h.client.patch(
      { ...MD, metadata: { name: 'e2e-md-0', namespace: ns } },
      { type: 'merge', data: { spec: { replicas: 1 } } },
    );
    await eventually(
      'one worker left',
      async () => {
        const list = await h.client.list<Obj>(MACHINE, { namespace: ns, labelSelector: 'pool=e2e-md-0' });
        return list.items.length === 1;
      },
      60_000,
    );

    await h.client.delete({
      apiVersion: CLUSTER.apiVersion,
      kind: 'Cluster',
      metadata: { name, namespace: ns },
    });
    await eventually('everything gone', async () => !(await getObj(h, CLUSTER, ns, name)), 90_000);
    assert.equal((await h.client.list(MACHINE, { namespace: ns })).items.length, 0);
    assert.equal((await h.client.list(MD, { namespace: ns })).items.length, 0);
    assert.equal(h.provider.cloud.get(`${ns}/${name}`), undefined);
  });
});

describe('rollouts and remediation end to end', () => {
  const harness = useHarness({ setup: setupCore });

  it('a template change rolls every worker with maxSurge 1 / maxUnavailable 0 without dropping below the desired count', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'roll', [{ name: 'roll-cp-0', controlPlane: true }]);
    await createMachineDeployment(h, c, 'roll-md', 3, {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
    await availableCluster(h, ns, 'roll', 3);
    const before = new Set(
      (await h.client.list<Obj>(MACHINE, { namespace: ns, labelSelector: 'pool=roll-md' })).items.map(
        (m) => m.metadata.name,
      ),
    );
    // A new infrastructure template: a rollout.
    await h.client.create({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'DevMachineTemplate',
      metadata: { name: 'roll-md-v2', namespace: ns },
      spec: {
        template: {
          spec: {
            backend: {
              inMemory: Object.fromEntries(
                ['vm', 'node', 'etcd', 'apiServer'].map((k) => [
                  k,
                  { provisioning: { startupDuration: '0s' } },
                ]),
              ),
            },
          },
        },
      },
    });
    await h.client.patch(
      { ...MD, metadata: { name: 'roll-md', namespace: ns } },
      {
        type: 'merge',
        data: {
          spec: {
            template: {
              spec: {
                infrastructureRef: {
                  apiGroup: 'infrastructure.cluster.x-k8s.io',
                  kind: 'DevMachineTemplate',
                  name: 'roll-md-v2',
                },
              },
            },
          },
        },
      },
    );
    let minAvailable = Infinity;
    let maxMachines = 0;
    await eventually(
      'every worker replaced',
      async () => {
        const list = (await h.client.list<Obj>(MACHINE, { namespace: ns, labelSelector: 'pool=roll-md' }))
          .items;
        const available = list.filter(
          (m) => !m.metadata.deletionTimestamp && condition(m, 'Available')?.status === 'True',
        ).length;
        minAvailable = Math.min(minAvailable, available);
        maxMachines = Math.max(maxMachines, list.length);
        return list.length === 3 && available === 3 && list.every((m) => !before.has(m.metadata.name));
      },
      120_000,
    );
    assert.ok(minAvailable >= 3, `available never below 3 (saw ${minAvailable})`);
    assert.ok(maxMachines <= 4, `never more than 3 + maxSurge Machines (saw ${maxMachines})`);
  });

  it('a worker whose Node stays NotReady past the timeout is replaced through its MachineSet', async () => {
    const h = harness();
    const ns = await h.namespace();
    const c = await applyPlainCluster(h, ns, 'heal', [{ name: 'heal-cp-0', controlPlane: true }]);
    await createMachineDeployment(h, c, 'heal-md', 2);
    const cluster = await availableCluster(h, ns, 'heal', 2);
    await h.client.create({
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'MachineHealthCheck',
      metadata: { name: 'heal-md', namespace: ns },
      spec: {
        clusterName: 'heal',
        selector: { matchLabels: { pool: 'heal-md' } },
        checks: { unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 1 }] },
      },
    });
    const workers = (await h.client.list<Obj>(MACHINE, { namespace: ns, labelSelector: 'pool=heal-md' }))
      .items;
    const victim = workers[0]!;
    const endpoint = cluster.spec!.controlPlaneEndpoint as { host: string; port: number };
    const wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    try {
      const node = await wl.get<Obj>(
        { apiVersion: 'v1', kind: 'Node' },
        { name: (victim.status as { nodeRef: { name: string } }).nodeRef.name },
      );
      const conditions = (node.status as { conditions: Record<string, unknown>[] }).conditions.map((x) =>
        x.type === 'Ready'
          ? {
              ...x,
              status: 'False',
              reason: 'KubeletNotReady',
              lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
            }
          : x,
      );
      await wl.patchStatus(node, { type: 'merge', data: { status: { conditions } } });
    } finally {
      wl.close();
    }
    await eventually(
      'the unhealthy worker is replaced',
      async () => {
        const list = (await h.client.list<Obj>(MACHINE, { namespace: ns, labelSelector: 'pool=heal-md' }))
          .items;
        const alive = list.filter((m) => !m.metadata.deletionTimestamp);
        return (
          !list.some((m) => m.metadata.name === victim.metadata.name) &&
          alive.length === 2 &&
          alive.every((m) => condition(m, 'Available')?.status === 'True')
        );
      },
      90_000,
    );
  });
});
