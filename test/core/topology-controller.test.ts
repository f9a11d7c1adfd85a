// The topology controller beyond what the topology e2e tests cover, on one small ClusterClass cluster (1 control
// plane Machine; md-0 and md-1, one worker each): metadata propagated in place, a MachineDeployment topology
// removed, a ClusterClass template rotated, the TopologyReconciled condition (paused, missing class, failing
// reconcile), defer-upgrade during a version bump. On a second cluster: the adoption of an infrastructure
// cluster and control plane left by an interrupted first reconcile, and a paused Cluster's deletion. Everything
// is checked as a user sees it: objects and conditions through the API.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments, stringify } from 'yaml';
import type { TypeRef } from '../../src/controller-runtime/api/object.js';
import type { JsonPatchOperation } from '../../src/controller-runtime/client/client.js';
import { generateCluster } from '../../src/clusterctl/generate/generate-cluster.js';
import {
  applyManifests,
  CLUSTER_CLASS,
  KCP,
  listOf,
  MACHINE,
  MACHINE_DEPLOYMENT,
  MACHINE_HEALTH_CHECK,
  waitAvailable,
} from '../e2e/helpers/topology.js';
import {
  CLUSTER,
  condition,
  DEV_CLUSTER,
  DEV_MACHINE_TEMPLATE,
  eventually,
  getObj,
  type Harness,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import { setupCore } from './core-helpers.js';

const FROM = 'v1.33.0';
const TO = 'v1.34.0';
const KUBEADM_CONFIG_TEMPLATE: TypeRef = {
  apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmConfigTemplate',
};
const MACHINE_SET: TypeRef = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet' };
const OWNED = 'topology.cluster.x-k8s.io/owned';
const DEPLOYMENT_NAME = 'topology.cluster.x-k8s.io/deployment-name';
const DEFER_UPGRADE = 'topology.cluster.x-k8s.io/defer-upgrade';
/** Another controller's finalizer on a MachineSet. */
const HOLD = 'test.example.com/hold';
const WORKER_TEMPLATE = 'in-memory-default-worker-machinetemplate';
const WORKER_BOOTSTRAP_TEMPLATE = 'in-memory-default-worker-bootstraptemplate';

interface MachineTemplateSpec {
  version: string;
  bootstrap: { configRef: { kind: string; name: string } };
  infrastructureRef: { kind: string; name: string };
}
const templateSpecOf = (md: Obj) => (md.spec as { template: { spec: MachineTemplateSpec } }).template.spec;
const versionOf = (m: Obj) => (m.spec as { version?: string }).version;
const names = (objs: Obj[]) => objs.map((o) => o.metadata.name ?? '').sort();

/**
 * `capi generate cluster`'s default flavor (the in-memory ClusterClass with 0 s machines, a topology Cluster)
 * with `workers` in md-0, a copy of md-0 as md-1 if asked, and whatever `edit` changes; returns the namespace.
 */
async function applyClassCluster(
  h: Harness,
  name: string,
  options: { workers: number; md1?: boolean; edit?: (docs: Obj[]) => void },
): Promise<string> {
  const ns = await h.namespace();
  const { yaml } = generateCluster({
    name,
    kubernetesVersion: FROM,
    controlPlaneMachineCount: 1,
    workerMachineCount: options.workers,
    targetNamespace: ns,
    env: {},
  });
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Obj);
  const cluster = docs.find((d) => d.kind === 'Cluster')!;
  const workers = (cluster.spec as { topology: { workers: { machineDeployments: Obj[] } } }).topology.workers;
  if (options.md1)
    workers.machineDeployments.push({ ...structuredClone(workers.machineDeployments[0]!), name: 'md-1' });
  options.edit?.(docs);
  await applyManifests(h, ns, docs.map((d) => stringify(d)).join('---\n'));
  return ns;
}

/** The MachineDeployment the topology made for topology `topologyName` (undefined when there is none). */
async function machineDeploymentOf(h: Harness, ns: string, topologyName: string): Promise<Obj | undefined> {
  const mds = await h.client.list<Obj>(MACHINE_DEPLOYMENT, {
    namespace: ns,
    labelSelector: { [DEPLOYMENT_NAME]: topologyName },
  });
  return mds.items.find((md) => !md.metadata.deletionTimestamp);
}

/** The Machines of a MachineDeployment topology, deleting ones included. */
async function machinesOf(h: Harness, ns: string, topologyName: string): Promise<Obj[]> {
  return (
    await h.client.list<Obj>(MACHINE, { namespace: ns, labelSelector: { [DEPLOYMENT_NAME]: topologyName } })
  ).items;
}

async function controlPlaneMachines(h: Harness, ns: string): Promise<Obj[]> {
  return (
    await h.client.list<Obj>(MACHINE, {
      namespace: ns,
      labelSelector: { 'cluster.x-k8s.io/control-plane': '' },
    })
  ).items;
}

async function patchCluster(h: Harness, ns: string, name: string, ops: JsonPatchOperation[]): Promise<void> {
  await h.client.patch(
    { apiVersion: CLUSTER.apiVersion, kind: 'Cluster', metadata: { name, namespace: ns } },
    { type: 'json', data: ops },
  );
}

/** Waits for the Cluster's TopologyReconciled to have `status` and `reason`; returns the Cluster. */
function topologyReconciled(
  h: Harness,
  ns: string,
  name: string,
  status: 'True' | 'False',
  reason: string,
  timeoutMs = 30_000,
): Promise<Obj> {
  return eventually(
    `Cluster ${name} TopologyReconciled ${status}/${reason}`,
    async () => {
      const c = await getObj(h, CLUSTER, ns, name);
      const tr = condition(c, 'TopologyReconciled');
      if (tr?.status === status && tr.reason === reason) return c;
      throw new Error(`TopologyReconciled is ${JSON.stringify(tr)}`);
    },
    timeoutMs,
  );
}

/** The MachineSets of a MachineDeployment. */
async function machineSetsOf(h: Harness, ns: string, md: Obj): Promise<Obj[]> {
  return (
    await h.client.list<Obj>(MACHINE_SET, {
      namespace: ns,
      labelSelector: { 'cluster.x-k8s.io/deployment-name': md.metadata.name! },
    })
  ).items;
}

/** Every object of `type` that still exists, among `wanted` names. */
async function existing(h: Harness, type: TypeRef, ns: string, wanted: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of wanted) if (await getObj(h, type, ns, name)) out.push(name);
  return out;
}

describe('topology controller', () => {
  const harness = useHarness({ setup: setupCore, webhooks: true });

  describe('changes to a running class cluster (md-0 and md-1, one worker each)', () => {
    let h: Harness;
    let ns: string;
    const name = 'tc';

    before(async () => {
      h = harness();
      ns = await applyClassCluster(h, name, { workers: 1, md1: true });
      await waitAvailable(h, ns, name, 2, 120_000);
      await topologyReconciled(h, ns, name, 'True', 'ReconcileSucceeded');
    });

    it('a label in the md-0 topology metadata reaches its MachineDeployment and Machines in place: no Machine is replaced', async () => {
      const machinesBefore = names(await listOf(h, MACHINE, ns));
      const md0 = (await machineDeploymentOf(h, ns, 'md-0'))!;
      const setsBefore = names(await machineSetsOf(h, ns, md0));
      await patchCluster(h, ns, name, [
        {
          op: 'add',
          path: '/spec/topology/workers/machineDeployments/0/metadata',
          value: { labels: { team: 'blue' } },
        },
      ]);
      await eventually(
        'team=blue on md-0, its Machine template and its Machine',
        async () => {
          const md = await machineDeploymentOf(h, ns, 'md-0');
          const template = (
            md?.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined
          )?.template;
          const machines = await machinesOf(h, ns, 'md-0');
          return (
            md?.metadata.labels?.team === 'blue' &&
            template?.metadata?.labels?.team === 'blue' &&
            machines.length === 1 &&
            machines.every((m) => m.metadata.labels?.team === 'blue')
          );
        },
        30_000,
      );
      // md-1 has no such label: the metadata is per MachineDeployment topology.
      assert.equal((await machineDeploymentOf(h, ns, 'md-1'))?.metadata.labels?.team, undefined);
      // Nothing rolled out: the same Machines, the same MachineSet, the same MachineDeployment.
      await sleep(2_000);
      assert.deepEqual(names(await listOf(h, MACHINE, ns)), machinesBefore);
      assert.deepEqual(names(await machineSetsOf(h, ns, md0)), setsBefore);
      assert.equal((await machineDeploymentOf(h, ns, 'md-0'))?.metadata.name, md0.metadata.name);
      await topologyReconciled(h, ns, name, 'True', 'ReconcileSucceeded');
    });

    it('removing the md-1 topology deletes its MachineDeployment, MachineHealthCheck and cloned templates; md-0 keeps its Machines', async () => {
      const md1 = (await machineDeploymentOf(h, ns, 'md-1'))!;
      const md1Name = md1.metadata.name!;
      const md1Templates = templateSpecOf(md1);
      assert.equal(md1Templates.infrastructureRef.kind, 'DevMachineTemplate');
      assert.ok(await getObj(h, MACHINE_HEALTH_CHECK, ns, md1Name), 'md-1 has a MachineHealthCheck');
      const md0 = (await machineDeploymentOf(h, ns, 'md-0'))!;
      const md0Machines = names(await machinesOf(h, ns, 'md-0'));
      const md1Machines = names(await machinesOf(h, ns, 'md-1'));
      assert.equal(md1Machines.length, 1);

      await patchCluster(h, ns, name, [
        { op: 'test', path: '/spec/topology/workers/machineDeployments/1/name', value: 'md-1' },
        { op: 'remove', path: '/spec/topology/workers/machineDeployments/1' },
      ]);
      await eventually(
        'md-1 MachineDeployment, MachineHealthCheck, Machines and cloned templates gone',
        async () => {
          const left = [
            ...(await existing(h, MACHINE_DEPLOYMENT, ns, [md1Name])),
            ...(await existing(h, MACHINE_HEALTH_CHECK, ns, [md1Name])),
            ...(await existing(h, MACHINE, ns, md1Machines)),
            ...(await existing(h, DEV_MACHINE_TEMPLATE, ns, [md1Templates.infrastructureRef.name])),
            ...(await existing(h, KUBEADM_CONFIG_TEMPLATE, ns, [md1Templates.bootstrap.configRef.name])),
          ];
          if (left.length > 0) throw new Error(`still there: ${left.join(', ')}`);
          return true;
        },
        60_000,
      );
      // md-0 untouched: same MachineDeployment, templates, Machines and health check.
      const md0After = (await machineDeploymentOf(h, ns, 'md-0'))!;
      assert.equal(md0After.metadata.uid, md0.metadata.uid);
      assert.deepEqual(templateSpecOf(md0After), templateSpecOf(md0));
      assert.deepEqual(names(await machinesOf(h, ns, 'md-0')), md0Machines);
      assert.ok(await getObj(h, MACHINE_HEALTH_CHECK, ns, md0.metadata.name!), 'md-0 keeps its health check');
      await topologyReconciled(h, ns, name, 'True', 'ReconcileSucceeded');
      await waitAvailable(h, ns, name, 1, 30_000);
    });

    it('pointing the md class default-worker at a new DevMachineTemplate rotates md-0 to a new clone, replaces its Machine and deletes the old clone; class templates are not modified', async () => {
      // The class's own templates (not the topology's clones), to check later that nothing wrote to them.
      const classTemplates = async () =>
        new Map(
          [...(await listOf(h, DEV_MACHINE_TEMPLATE, ns)), ...(await listOf(h, KUBEADM_CONFIG_TEMPLATE, ns))]
            .filter((t) => !(OWNED in (t.metadata.labels ?? {})))
            .map((t) => [
              `${t.kind}/${t.metadata.name}`,
              { generation: t.metadata.generation, labels: t.metadata.labels, spec: t.spec },
            ]),
        );
      const classTemplatesBefore = await classTemplates();
      assert.equal(classTemplatesBefore.size, 3, [...classTemplatesBefore.keys()].join(', '));

      const md0 = (await machineDeploymentOf(h, ns, 'md-0'))!;
      const oldClone = templateSpecOf(md0).infrastructureRef.name;
      const oldBootstrap = templateSpecOf(md0).bootstrap.configRef.name;
      const oldMachines = names(await machinesOf(h, ns, 'md-0'));
      // Another tool's finalizer keeps the old MachineSet a while after the rollout: the old clone must go
      // once the MachineSet is gone, whenever that is.
      const oldSets = await machineSetsOf(h, ns, md0);
      assert.equal(oldSets.length, 1);
      await h.client.patch(oldSets[0]!, {
        type: 'json',
        data: [{ op: 'add', path: '/metadata/finalizers/-', value: HOLD }],
      });
      // The same machine with a slower VM start: a different spec, so a different template.
      const v2 = `${WORKER_TEMPLATE}-v2`;
      const base = (await getObj(h, DEV_MACHINE_TEMPLATE, ns, WORKER_TEMPLATE))!;
      const spec = structuredClone(base.spec) as {
        template: { spec: { backend: { inMemory: { vm: { provisioning: { startupDuration: string } } } } } };
      };
      spec.template.spec.backend.inMemory.vm.provisioning.startupDuration = '1s';
      await h.client.create({ ...DEV_MACHINE_TEMPLATE, metadata: { name: v2, namespace: ns }, spec });
      await h.client.patch((await getObj(h, CLUSTER_CLASS, ns, 'in-memory'))!, {
        type: 'json',
        data: [
          {
            op: 'test',
            path: '/spec/workers/machineDeployments/0/infrastructure/templateRef/name',
            value: WORKER_TEMPLATE,
          },
          {
            op: 'replace',
            path: '/spec/workers/machineDeployments/0/infrastructure/templateRef/name',
            value: v2,
          },
        ],
      });

      const rotated = await eventually(
        'md-0 on a new DevMachineTemplate clone',
        async () => {
          const md = await machineDeploymentOf(h, ns, 'md-0');
          const ref = md && templateSpecOf(md).infrastructureRef.name;
          return ref && ref !== oldClone ? md : undefined;
        },
        30_000,
      );
      assert.equal(rotated.metadata.uid, md0.metadata.uid, 'the same MachineDeployment');
      const newClone = templateSpecOf(rotated).infrastructureRef.name;
      assert.match(newClone, new RegExp(`^${name}-md-0-[a-z0-9]{5}$`));
      // Only the infrastructure template changed: the bootstrap clone is kept.
      assert.equal(templateSpecOf(rotated).bootstrap.configRef.name, oldBootstrap);
      const clone = (await getObj(h, DEV_MACHINE_TEMPLATE, ns, newClone))!;
      assert.equal(clone.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], v2);
      assert.equal(
        clone.metadata.annotations?.['cluster.x-k8s.io/cloned-from-groupkind'],
        'DevMachineTemplate.infrastructure.cluster.x-k8s.io',
      );
      assert.equal(clone.metadata.labels?.[DEPLOYMENT_NAME], 'md-0');
      assert.deepEqual(clone.spec, spec);

      await eventually(
        "md-0's Machine replaced by one from the new template, the old MachineSet deleting",
        async () => {
          const machines = await machinesOf(h, ns, 'md-0');
          const fresh = machines.filter(
            (m) => !oldMachines.includes(m.metadata.name!) && condition(m, 'Available')?.status === 'True',
          );
          const old = machines
            .filter((m) => oldMachines.includes(m.metadata.name!))
            .map((m) => m.metadata.name);
          const oldSet = await getObj(h, MACHINE_SET, ns, oldSets[0]!.metadata.name!);
          if (fresh.length !== 1 || old.length > 0 || !oldSet?.metadata.deletionTimestamp)
            throw new Error(
              `new Available Machines ${fresh.length}; old ones ${old.join(', ')}; old MachineSet deleting: ${!!oldSet?.metadata.deletionTimestamp}`,
            );
          return true;
        },
        90_000,
      );
      await waitAvailable(h, ns, name, 1, 30_000);
      await topologyReconciled(h, ns, name, 'True', 'ReconcileSucceeded');
      // The other tool lets the old MachineSet go.
      await sleep(2_000);
      await h.client.patch(oldSets[0]!, {
        type: 'json',
        data: [
          { op: 'test', path: '/metadata/finalizers', value: [HOLD] },
          { op: 'remove', path: '/metadata/finalizers/0' },
        ],
      });
      await eventually(
        'the old DevMachineTemplate clone deleted',
        async () => (await existing(h, DEV_MACHINE_TEMPLATE, ns, [oldClone])).length === 0,
        20_000,
      );
      // No further rotation: the clone now matches the class template.
      await sleep(2_000);
      assert.equal(
        templateSpecOf((await machineDeploymentOf(h, ns, 'md-0'))!).infrastructureRef.name,
        newClone,
      );

      // The class's templates (the old ones and the new one) are as the user wrote them.
      const classTemplatesAfter = await classTemplates();
      const v2Now = classTemplatesAfter.get(`DevMachineTemplate/${v2}`);
      classTemplatesAfter.delete(`DevMachineTemplate/${v2}`);
      assert.deepEqual(classTemplatesAfter, classTemplatesBefore);
      assert.deepEqual(v2Now, { generation: 1, labels: undefined, spec });
    });

    it('TopologyReconciled: False/Paused while spec.paused (topology changes wait), False/ReconcileFailed with Available False while a class template is missing', async () => {
      await patchCluster(h, ns, name, [{ op: 'add', path: '/spec/paused', value: true }]);
      const paused = await topologyReconciled(h, ns, name, 'False', 'Paused');
      assert.equal(condition(paused, 'TopologyReconciled')?.message, 'Cluster spec.paused is set to true');
      // A change made while paused is not applied...
      await patchCluster(h, ns, name, [
        {
          op: 'add',
          path: '/spec/topology/workers/machineDeployments/0/metadata/labels/tier',
          value: 'gold',
        },
      ]);
      await sleep(3_000);
      assert.equal((await machineDeploymentOf(h, ns, 'md-0'))?.metadata.labels?.tier, undefined);
      // ...until the Cluster is unpaused.
      await patchCluster(h, ns, name, [{ op: 'replace', path: '/spec/paused', value: false }]);
      await eventually(
        'tier=gold on md-0 after unpausing',
        async () => (await machineDeploymentOf(h, ns, 'md-0'))?.metadata.labels?.tier === 'gold',
      );
      await topologyReconciled(h, ns, name, 'True', 'ReconcileSucceeded');
      await waitAvailable(h, ns, name, 1, 30_000);

      // A template the class names disappears: the topology cannot be computed; the Cluster is not Available.
      const bootstrap = (await getObj(h, KUBEADM_CONFIG_TEMPLATE, ns, WORKER_BOOTSTRAP_TEMPLATE))!;
      await h.client.delete(bootstrap);
      const failed = await topologyReconciled(h, ns, name, 'False', 'ReconcileFailed');
      assert.match(
        condition(failed, 'TopologyReconciled')?.message ?? '',
        new RegExp(`KubeadmConfigTemplate ${ns}/${WORKER_BOOTSTRAP_TEMPLATE}.*not found`),
      );
      const unavailable = await eventually(
        'Cluster Available False because of TopologyReconciled',
        async () => {
          const c = await getObj(h, CLUSTER, ns, name);
          return condition(c, 'Available')?.status === 'False' ? c : undefined;
        },
      );
      assert.match(condition(unavailable, 'Available')?.message ?? '', /TopologyReconciled/);
      // Putting it back heals both.
      await h.client.create({
        ...KUBEADM_CONFIG_TEMPLATE,
        metadata: {
          name: WORKER_BOOTSTRAP_TEMPLATE,
          namespace: ns,
          ...(bootstrap.metadata.labels ? { labels: bootstrap.metadata.labels } : {}),
        },
        spec: bootstrap.spec,
      });
      await topologyReconciled(h, ns, name, 'True', 'ReconcileSucceeded', 60_000);
      await waitAvailable(h, ns, name, 1, 30_000);
    });

    it('TopologyReconciled is False/ReconcileFailed naming the ClusterClass when the class does not exist; nothing is created', async () => {
      const orphan = generateClusterDoc(ns, 'orphan');
      (orphan.spec as { topology: { classRef: { name: string } } }).topology.classRef.name = 'no-such-class';
      await h.client.create(orphan);
      const c = await topologyReconciled(h, ns, 'orphan', 'False', 'ReconcileFailed');
      assert.match(condition(c, 'TopologyReconciled')?.message ?? '', /no-such-class/);
      assert.notEqual(condition(c, 'Available')?.status, 'True');
      const spec = c.spec as { infrastructureRef?: unknown; controlPlaneRef?: unknown };
      assert.equal(spec.infrastructureRef, undefined);
      assert.equal(spec.controlPlaneRef, undefined);
      for (const type of [DEV_CLUSTER, KCP, MACHINE_DEPLOYMENT])
        assert.deepEqual(
          (
            await h.client.list<Obj>(type, {
              namespace: ns,
              labelSelector: { 'cluster.x-k8s.io/cluster-name': 'orphan' },
            })
          ).items,
          [],
        );
      await h.client.delete(c);
      await eventually('Cluster orphan gone', async () => !(await getObj(h, CLUSTER, ns, 'orphan')));
    });

    it(`defer-upgrade on md-0 during ${FROM} -> ${TO}: the control plane upgrades, md-0 waits (MachineDeploymentsUpgradeDeferred, workers upgradePlan ${TO}); removing the annotation upgrades md-0`, async () => {
      const md0Machines = names(await machinesOf(h, ns, 'md-0'));
      const cpMachines = names(await controlPlaneMachines(h, ns));
      await patchCluster(h, ns, name, [
        {
          op: 'add',
          path: '/spec/topology/workers/machineDeployments/0/metadata/annotations',
          value: { [DEFER_UPGRADE]: '' },
        },
        { op: 'replace', path: '/spec/topology/version', value: TO },
      ]);

      const deferred = await eventually(
        `control plane on ${TO} and md-0 deferred`,
        async () => {
          const cp = await controlPlaneMachines(h, ns);
          const done =
            cp.length === 1 &&
            versionOf(cp[0]!) === TO &&
            !cpMachines.includes(cp[0]!.metadata.name!) &&
            condition(cp[0], 'Available')?.status === 'True';
          if (!done)
            throw new Error(
              `control plane Machines ${cp.map((m) => `${m.metadata.name}@${versionOf(m)}`).join(', ')}`,
            );
          return topologyReconciled(h, ns, name, 'False', 'MachineDeploymentsUpgradeDeferred', 0);
        },
        120_000,
      );
      const tr = condition(deferred, 'TopologyReconciled')!;
      const md0 = (await machineDeploymentOf(h, ns, 'md-0'))!;
      assert.match(
        tr.message ?? '',
        new RegExp(`MachineDeployment ${md0.metadata.name} upgrade to version ${TO} deferred`),
      );
      assert.deepEqual(
        (deferred.status as { workers?: { upgradePlan?: { version: string }[] } }).workers?.upgradePlan,
        [{ version: TO }],
      );
      const kcpName = (deferred.spec as { controlPlaneRef: { name: string } }).controlPlaneRef.name;
      assert.equal(((await getObj(h, KCP, ns, kcpName))!.spec as { version: string }).version, TO);
      // md-0 stays where it was; the annotation steers the controller only (the MachineDeployment lacks it).
      assert.equal(templateSpecOf(md0).version, FROM);
      assert.equal(md0.metadata.annotations?.[DEFER_UPGRADE], undefined);
      await sleep(2_000);
      const stillOld = await machinesOf(h, ns, 'md-0');
      assert.deepEqual(names(stillOld), md0Machines);
      assert.ok(stillOld.every((m) => versionOf(m) === FROM));
      // A deferred upgrade is the user's choice, not a fault: the Cluster stays Available (as upstream, which
      // treats every TopologyReconciled reason but ReconcileFailed and ClusterClassNotReconciled as info).
      const meanwhile = (await getObj(h, CLUSTER, ns, name))!;
      assert.equal(condition(meanwhile, 'TopologyReconciled')?.reason, 'MachineDeploymentsUpgradeDeferred');
      assert.equal(condition(meanwhile, 'Available')?.status, 'True');

      await patchCluster(h, ns, name, [
        {
          op: 'remove',
          path: `/spec/topology/workers/machineDeployments/0/metadata/annotations/${DEFER_UPGRADE.replace('/', '~1')}`,
        },
      ]);
      const upgraded = await eventually(
        `md-0 on ${TO} and the topology reconciled`,
        async () => {
          const machines = await machinesOf(h, ns, 'md-0');
          const ok =
            machines.length === 1 &&
            versionOf(machines[0]!) === TO &&
            condition(machines[0], 'Available')?.status === 'True';
          if (!ok)
            throw new Error(
              `md-0 Machines ${machines.map((m) => `${m.metadata.name}@${versionOf(m)}`).join(', ')}`,
            );
          return topologyReconciled(h, ns, name, 'True', 'ReconcileSucceeded', 0);
        },
        90_000,
      );
      assert.equal(templateSpecOf((await machineDeploymentOf(h, ns, 'md-0'))!).version, TO);
      assert.equal(
        (upgraded.status as { workers?: { upgradePlan?: unknown } }).workers?.upgradePlan,
        undefined,
      );
      assert.equal(
        (upgraded.status as { controlPlane?: { upgradePlan?: unknown } }).controlPlane?.upgradePlan,
        undefined,
      );
      await waitAvailable(h, ns, name, 1, 30_000);
    });
  });

  describe('a Cluster whose first topology reconcile was interrupted (1 control plane Machine, no workers)', () => {
    let h: Harness;
    let ns: string;
    const name = 'adopt';

    it('the DevCluster and KubeadmControlPlane made before the interruption (labelled, no Cluster refs) are adopted, not made twice', async () => {
      h = harness();
      ns = await applyClassCluster(h, name, {
        workers: 0,
        edit: (docs) => {
          // The Cluster comes last, after what an earlier reconcile had already made for it.
          const cluster = docs.pop()!;
          docs.push(...leftovers(docs, name), cluster);
        },
      });
      const c = await waitAvailable(h, ns, name, 0, 120_000);
      const spec = c.spec as { infrastructureRef: { name: string }; controlPlaneRef: { name: string } };
      assert.equal(spec.infrastructureRef.name, `${name}-left`);
      assert.equal(spec.controlPlaneRef.name, `${name}-left`);
      assert.deepEqual(names(await listOf(h, DEV_CLUSTER, ns)), [`${name}-left`]);
      assert.deepEqual(names(await listOf(h, KCP, ns)), [`${name}-left`]);
      // The control plane's machine template matched the class's, so it was kept rather than cloned again.
      const clones = (await listOf(h, DEV_MACHINE_TEMPLATE, ns)).filter(
        (t) => OWNED in (t.metadata.labels ?? {}) && !(DEPLOYMENT_NAME in (t.metadata.labels ?? {})),
      );
      assert.deepEqual(names(clones), [`${name}-left-cp`]);
      const kcp = (await getObj(h, KCP, ns, `${name}-left`))!;
      assert.equal(kcp.metadata.ownerReferences?.[0]?.kind, 'Cluster');
      assert.equal(condition(c, 'TopologyReconciled')?.reason, 'ReconcileSucceeded');
    });

    it('a paused Cluster being deleted reports TopologyReconciled False/Paused (both ways of pausing named), and goes once unpaused', async () => {
      await h.client.patch(
        { apiVersion: CLUSTER.apiVersion, kind: 'Cluster', metadata: { name, namespace: ns } },
        {
          type: 'merge',
          data: { metadata: { annotations: { 'cluster.x-k8s.io/paused': '' } }, spec: { paused: true } },
        },
      );
      await topologyReconciled(h, ns, name, 'False', 'Paused');
      await h.client.delete((await getObj(h, CLUSTER, ns, name))!);
      await sleep(2_000);
      const deleting = (await getObj(h, CLUSTER, ns, name))!;
      assert.ok(deleting.metadata.deletionTimestamp, 'the Cluster is deleting');
      const tr = condition(deleting, 'TopologyReconciled');
      assert.equal(tr?.reason, 'Paused');
      assert.equal(
        tr?.message,
        'Cluster spec.paused is set to true, Cluster has the cluster.x-k8s.io/paused annotation',
      );
      assert.ok(await getObj(h, KCP, ns, `${name}-left`), 'nothing is deleted while paused');

      await h.client.patch(deleting, {
        type: 'merge',
        data: { metadata: { annotations: { 'cluster.x-k8s.io/paused': null } }, spec: { paused: false } },
      });
      await eventually('Cluster gone', async () => !(await getObj(h, CLUSTER, ns, name)), 60_000);
      assert.deepEqual(await listOf(h, KCP, ns), []);
      assert.deepEqual(await listOf(h, DEV_CLUSTER, ns), []);
    });
  });
});

/** The Cluster document of `capi generate cluster` for `name` in `ns`. */
function generateClusterDoc(ns: string, name: string): Obj {
  const { yaml } = generateCluster({
    name,
    kubernetesVersion: FROM,
    controlPlaneMachineCount: 1,
    workerMachineCount: 0,
    targetNamespace: ns,
    env: {},
  });
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as Obj)
    .find((d) => d.kind === 'Cluster')!;
}

/**
 * What a first topology reconcile creates before it sets the Cluster's references: the DevCluster, the
 * control plane's DevMachineTemplate clone and the KubeadmControlPlane, from the class's templates, labelled
 * for the Cluster and as topology-owned.
 */
function leftovers(docs: Obj[], cluster: string): Obj[] {
  const labels = { 'cluster.x-k8s.io/cluster-name': cluster, [OWNED]: '' };
  const template = (kind: string, name: string) =>
    (docs.find((d) => d.kind === kind && d.metadata.name === name)!.spec as { template: { spec: unknown } })
      .template.spec;
  return [
    {
      ...DEV_CLUSTER,
      metadata: { name: `${cluster}-left`, labels },
      spec: structuredClone(template('DevClusterTemplate', 'in-memory-cluster')) as Record<string, unknown>,
    },
    {
      ...DEV_MACHINE_TEMPLATE,
      metadata: { name: `${cluster}-left-cp`, labels },
      spec: {
        template: { spec: structuredClone(template('DevMachineTemplate', 'in-memory-control-plane')) },
      },
    },
    {
      ...KCP,
      metadata: { name: `${cluster}-left`, labels },
      spec: {
        ...(structuredClone(template('KubeadmControlPlaneTemplate', 'in-memory-control-plane')) as object),
        replicas: 1,
        version: FROM,
        machineTemplate: {
          spec: {
            infrastructureRef: {
              apiGroup: 'infrastructure.cluster.x-k8s.io',
              kind: 'DevMachineTemplate',
              name: `${cluster}-left-cp`,
            },
          },
        },
      },
    },
  ];
}
