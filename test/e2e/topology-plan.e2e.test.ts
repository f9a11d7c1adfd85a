// Issue 10: `capi topology plan` against a running cluster, checked against what the controllers then do: a
// label-only change replaces no Machine, a version bump replaces exactly the Machines the plan listed, and a
// ClusterClass pointing workers at a new template lists the workers (and not the control plane).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { generateCluster } from '../../src/clusterctl/generate/generate-cluster.js';
import { planTopology, type TopologyPlan } from '../../src/clusterctl/topology-plan/plan.js';
import { renderPlan } from '../../src/clusterctl/topology-plan/render.js';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { setupCore } from '../core/core-helpers.js';
import {
  CLUSTER,
  condition,
  eventually,
  getObj,
  type Harness,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import {
  applyGeneratedTopologyCluster,
  CLUSTER_CLASS,
  listOf,
  MACHINE,
  MACHINE_DEPLOYMENT,
  waitAvailable,
} from './helpers/topology.js';

const FROM = 'v1.33.0';
const TO = 'v1.34.0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Names of the Machines that exist now (not being deleted). */
async function machineNames(h: Harness, ns: string): Promise<Set<string>> {
  return new Set(
    (await listOf(h, MACHINE, ns))
      .filter((m) => !m.metadata.deletionTimestamp)
      .map((m) => m.metadata.name ?? ''),
  );
}

interface TopologySpec {
  topology: {
    version: string;
    workers: { machineDeployments: { name: string; metadata?: { labels?: Record<string, string> } }[] };
  };
}
interface ClassSpec {
  workers: {
    machineDeployments: {
      infrastructure: { templateRef: { apiVersion: string; kind: string; name: string } };
    }[];
  };
}
interface DevMachineTemplateSpec {
  template: { spec: { backend: { inMemory: { vm: { provisioning: { startupDuration: string } } } } } };
}

/** The Cluster as a user's file has it: what they applied, edited. */
function edited(cluster: Obj, edit: (spec: TopologySpec) => void): KubeObject {
  const copy = structuredClone(cluster);
  const out = {
    apiVersion: copy.apiVersion,
    kind: copy.kind,
    metadata: { name: copy.metadata.name, namespace: copy.metadata.namespace },
    spec: copy.spec,
  } as KubeObject;
  delete (out.spec as Record<string, unknown>).infrastructureRef;
  delete (out.spec as Record<string, unknown>).controlPlaneRef;
  delete (out.spec as Record<string, unknown>).controlPlaneEndpoint;
  edit(out.spec as TopologySpec);
  return out;
}

const replacedNames = (plan: TopologyPlan) =>
  plan.clusters.flatMap((c) => c.replaced.map((r) => r.machine)).sort();

describe('capi topology plan against what the controllers then do', () => {
  const harness = useHarness({ setup: setupCore, webhooks: true });

  it('a new cluster with a new ClusterClass: everything is to be created, the Cluster defaulted against the new class', async () => {
    const h = harness();
    const ns = await h.namespace();
    const { yaml } = generateCluster({
      name: 'fresh',
      kubernetesVersion: FROM,
      controlPlaneMachineCount: 1,
      workerMachineCount: 1,
      targetNamespace: ns,
      env: {},
    });
    const objects = parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);
    const plan = await planTopology({ client: h.client, objects });
    const text = renderPlan(plan);
    assert.equal(plan.clusters.length, 1, text);
    const p = plan.clusters[0]!;
    assert.deepEqual(
      p.changes.map((c) => `${c.action} ${c.kind}`),
      [
        'create Cluster',
        'create DevCluster',
        'create DevMachineTemplate',
        'create KubeadmControlPlane',
        'create MachineHealthCheck',
        'create KubeadmConfigTemplate',
        'create DevMachineTemplate',
        'create MachineDeployment',
        'create MachineHealthCheck',
      ],
      text,
    );
    // As upstream, MachineDeployments of a new cluster are created with it (held back only while an existing
    // control plane provisions or upgrades).
    assert.match(text, /\+ MachineDeployment fresh-md-0-[a-z0-9]{5} {2}\(topology md-0\)/);
    assert.match(text, /note: ClusterClass in-memory is new: the Cluster was defaulted and validated here/);
    assert.deepEqual(p.replaced, []);
    // Planning wrote nothing.
    assert.deepEqual(await listOf(h, CLUSTER_CLASS, ns), []);
    assert.equal(await getObj(h, CLUSTER, ns, 'fresh'), undefined);
  });

  it('label-only change: no replacement, none happens; version bump: exactly the listed Machines are replaced; class template change: the workers', async () => {
    const h = harness();
    const ns = await h.namespace();
    await applyGeneratedTopologyCluster(h, ns, {
      name: 'pl',
      version: FROM,
      controlPlane: 1,
      md0Replicas: 2,
      md1Replicas: 1,
    });
    let cluster = await waitAvailable(h, ns, 'pl', 3, 120_000);
    const initial = await machineNames(h, ns);
    assert.equal(initial.size, 4);

    // 1. A label on md-0's topology: the MachineDeployment changes in place, no Machine is replaced.
    const labelled = edited(cluster, (spec) => {
      spec.topology.workers.machineDeployments[0]!.metadata = { labels: { tier: 'web' } };
    });
    const labelPlan = await planTopology({ client: h.client, objects: [labelled] });
    assert.equal(labelPlan.clusters.length, 1);
    assert.deepEqual(replacedNames(labelPlan), [], renderPlan(labelPlan));
    const mdChange = labelPlan.clusters[0]!.changes.find((c) => c.kind === 'MachineDeployment');
    assert.ok(
      mdChange?.fields?.some((f) => f.path === 'metadata.labels.tier' && f.to === 'web'),
      renderPlan(labelPlan),
    );
    assert.match(renderPlan(labelPlan), /No Machine will be replaced\./);
    await h.client.patch(cluster, {
      type: 'merge',
      data: {
        spec: {
          topology: {
            workers: {
              machineDeployments: (labelled.spec as TopologySpec).topology.workers.machineDeployments,
            },
          },
        },
      },
    });
    await eventually(
      'md-0 carries the label',
      async () => (await listOf(h, MACHINE_DEPLOYMENT, ns)).find((md) => md.metadata.labels?.tier === 'web'),
      30_000,
    );
    await sleep(3_000);
    assert.deepEqual(await machineNames(h, ns), initial, 'a label-only change replaced Machines');

    // 2. The version: every Machine is listed, and exactly those are replaced.
    cluster = (await getObj(h, CLUSTER, ns, 'pl'))!;
    const bumped = edited(cluster, (spec) => {
      spec.topology.version = TO;
    });
    const upgradePlan = await planTopology({ client: h.client, objects: [bumped] });
    const listed = replacedNames(upgradePlan);
    assert.deepEqual(listed, [...initial].sort(), renderPlan(upgradePlan));
    const p = upgradePlan.clusters[0]!;
    assert.deepEqual(p.upgrade, { from: FROM, to: TO, controlPlaneSteps: [TO] });
    assert.ok(
      p.replaced.every((r) => r.reasons.includes(`Version ${FROM}, ${TO} required`)),
      renderPlan(upgradePlan),
    );
    // Control plane first in the list, then md-0, then md-1.
    assert.deepEqual([...new Set(p.replaced.map((r) => r.part))], ['control plane', 'md-0', 'md-1']);
    await h.client.patch(cluster, { type: 'merge', data: { spec: { topology: { version: TO } } } });
    await eventually(
      `every Machine on ${TO}`,
      async () => {
        const c = await getObj(h, CLUSTER, ns, 'pl');
        const machines = (await listOf(h, MACHINE, ns)).filter((m) => !m.metadata.deletionTimestamp);
        return machines.length === 4 &&
          machines.every((m) => (m.spec as { version: string }).version === TO) &&
          condition(c, 'TopologyReconciled')?.status === 'True'
          ? true
          : undefined;
      },
      240_000,
    );
    const after = await machineNames(h, ns);
    const replaced = [...initial].filter((n) => !after.has(n)).sort();
    assert.deepEqual(replaced, listed, 'the controllers replaced other Machines than the plan said');

    // 3. The class points md-0's class at a new DevMachineTemplate: the workers are listed, the control plane not.
    const cc = (await getObj(h, CLUSTER_CLASS, ns, 'in-memory'))!;
    const workerTemplateRef = (cc.spec as unknown as ClassSpec).workers.machineDeployments[0]!.infrastructure
      .templateRef;
    const old = (await getObj(
      h,
      { apiVersion: workerTemplateRef.apiVersion, kind: workerTemplateRef.kind },
      ns,
      workerTemplateRef.name,
    ))!;
    const newTemplate = {
      apiVersion: old.apiVersion,
      kind: old.kind,
      metadata: { name: 'in-memory-worker-v2', namespace: ns },
      spec: structuredClone(old.spec),
    } as KubeObject;
    (
      newTemplate.spec as DevMachineTemplateSpec
    ).template.spec.backend.inMemory.vm.provisioning.startupDuration = '1s';
    const newClass = {
      apiVersion: cc.apiVersion,
      kind: cc.kind,
      metadata: { name: 'in-memory', namespace: ns },
      spec: structuredClone(cc.spec),
    } as KubeObject;
    (newClass.spec as ClassSpec).workers.machineDeployments[0]!.infrastructure.templateRef.name =
      'in-memory-worker-v2';
    const classPlan = await planTopology({ client: h.client, objects: [newTemplate, newClass] });
    const text = renderPlan(classPlan);
    assert.equal(classPlan.clusters[0]!.replaced.filter((r) => r.part === 'control plane').length, 0, text);
    // md-0 and md-1 are both of class default-worker: all three workers.
    assert.equal(classPlan.clusters[0]!.replaced.length, 3, text);
    assert.ok(
      classPlan.clusters[0]!.replaced.every((r) => r.reasons.includes('DevMachine is not up-to-date')),
      text,
    );
    assert.match(text, /\+ DevMachineTemplate pl-md-0-[a-z0-9]{5}/);
    assert.match(text, /- DevMachineTemplate pl-md-0-[a-z0-9]{5} {2}\(replaced by/);
    // Nothing was written by planning.
    assert.equal(
      await getObj(h, { apiVersion: old.apiVersion!, kind: old.kind! }, ns, 'in-memory-worker-v2'),
      undefined,
    );
  });
});
