// `capi move` of a ClusterClass cluster: the default `capi generate cluster` flavor (ClusterClass in-memory and a
// topology Cluster) moved between two management planes, each with its own controllers and in-memory provider. The
// class and its templates go with the Cluster; on the target the topology controller takes over what the source's
// made, without a second copy of anything and without rotating a template, and then manages it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { moveClusters } from '../../src/clusterctl/move/index.js';
import { discoveryTypes, readObjects } from '../../src/clusterctl/move/object-graph.js';
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
import { applyGeneratedTopologyCluster, CLUSTER_CLASS } from './helpers/topology.js';

const NAME = 'tm';
const VERSION = 'v1.33.0';
const UPGRADE = 'v1.34.0';
const LABEL = 'example.com/team';

interface Topology {
  version: string;
  workers: {
    machineDeployments: { name: string; replicas?: number; metadata?: { labels?: Record<string, string> } }[];
  };
}

/** Changes the Cluster's `spec.topology` as a user would. */
async function patchTopology(h: Harness, namespace: string, change: (t: Topology) => void): Promise<void> {
  const live = (await getObj(h, CLUSTER, namespace, NAME))!;
  const topology = structuredClone((live.spec as { topology: Topology }).topology);
  change(topology);
  await h.client.patch(live, { type: 'merge', data: { spec: { topology } } });
}

/** Every object move discovery sees in `namespace` (Cluster API kinds, Secrets, ConfigMaps), as `Kind/name`. */
async function objectsIn(h: Harness, namespace: string): Promise<Map<string, KubeObject>> {
  const objects = await readObjects(h.client, await discoveryTypes(h.client), { namespace });
  return new Map(objects.map((o) => [`${o.kind ?? ''}/${o.metadata.name ?? ''}`, o]));
}

/** `Kind/name` of every object of the Cluster API kinds (no Secrets, ConfigMaps), sorted. */
const apiObjectNames = (objects: Map<string, KubeObject>): string[] =>
  [...objects.keys()].filter((k) => !k.startsWith('Secret/') && !k.startsWith('ConfigMap/')).sort();

/** The topology Cluster once the controllers of `h` caught up with its last change: Available, TopologyReconciled. */
async function waitSettled(h: Harness, namespace: string, workers: number, timeoutMs: number): Promise<Obj> {
  let last: Obj | undefined;
  return eventually(
    `Cluster ${NAME} settled with ${workers} workers`,
    async () => {
      const c = (last = await getObj(h, CLUSTER, namespace, NAME));
      const workersAvailable = (c?.status as { workers?: { availableReplicas?: number } } | undefined)
        ?.workers?.availableReplicas;
      const topology = condition(c, 'TopologyReconciled') as { observedGeneration?: number } | undefined;
      return condition(c, 'Available')?.status === 'True' &&
        condition(c, 'TopologyReconciled')?.status === 'True' &&
        topology?.observedGeneration === c?.metadata.generation &&
        workersAvailable === workers
        ? c
        : undefined;
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(
      `${err.message}; the Cluster (generation ${last?.metadata.generation}) is ${JSON.stringify(last?.status)}`,
    );
  });
}

describe('ClusterClass topology: capi move to another management plane', () => {
  const source = useHarness({ setup: setupCore, webhooks: true });
  const target = useHarness({ setup: setupCore, webhooks: true });

  it('moves the class, its templates and the cluster; the target takes over without copies, scales and upgrades it', async () => {
    const from = source();
    const to = target();
    const ns = await from.namespace();
    await applyGeneratedTopologyCluster(from, ns, {
      name: NAME,
      version: VERSION,
      controlPlane: 1,
      md0Replicas: 1,
    });
    // A label md-0's MachineDeployment gets from the topology, which the target's topology controller will have to
    // take away again: it can only if the move left the topology controller the sole owner of the field.
    await patchTopology(from, ns, (t) => {
      t.workers.machineDeployments[0]!.metadata = { labels: { [LABEL]: 'a' } };
    });
    await waitSettled(from, ns, 1, 120_000);
    const before = await objectsIn(from, ns);
    const kinds = apiObjectNames(before);
    const cluster = before.get(`Cluster/${NAME}`)!;
    const mdName = kinds.find((k) => k.startsWith('MachineDeployment/'))!;
    assert.equal(before.get(mdName)!.metadata.labels?.[LABEL], 'a');
    const classTemplates = kinds.filter((k) =>
      before
        .get(k)!
        .metadata.ownerReferences?.some((r) => r.kind === 'ClusterClass' && r.name === 'in-memory'),
    );
    const clonedTemplates = kinds.filter(
      (k) =>
        /^\w+Template\//.test(k) &&
        before.get(k)!.metadata.labels?.['topology.cluster.x-k8s.io/owned'] !== undefined,
    );
    // The in-memory class: DevClusterTemplate, KubeadmControlPlaneTemplate, the control plane's and md-0's
    // DevMachineTemplate (one, shared) and md-0's KubeadmConfigTemplate; clones of the three machine templates.
    assert.ok(classTemplates.length >= 4, `class templates: ${classTemplates.join(', ')}`);
    assert.equal(clonedTemplates.length, 3, `cloned templates: ${clonedTemplates.join(', ')}`);
    const machines = kinds.filter((k) => k.startsWith('Machine/'));
    assert.equal(machines.length, 2);

    const moved = await moveClusters({
      from: from.client,
      to: to.client,
      namespace: ns,
      pollIntervalMs: 100,
    });
    assert.deepEqual(
      moved.clusters.map((c) => c.name),
      [NAME],
    );

    // Nothing of it is left on the source: the Cluster, the class and its templates, the Secrets all left.
    assert.deepEqual([...(await objectsIn(from, ns)).keys()], [], 'nothing is left on the source');

    // The target's controllers take over: the class unpaused, the Cluster Available and its topology reconciled.
    const cc = await eventually(
      'the ClusterClass unpaused on the target',
      async () => {
        const c = await getObj(to, CLUSTER_CLASS, ns, 'in-memory');
        return c && !('cluster.x-k8s.io/paused' in (c.metadata.annotations ?? {})) ? c : undefined;
      },
      10_000,
    );
    assert.equal(
      (cc.status as { observedGeneration?: number } | undefined)?.observedGeneration,
      cc.metadata.generation,
    );
    const settled = await waitSettled(to, ns, 1, 60_000);
    assert.notEqual((settled.spec as { paused?: boolean }).paused, true);
    assert.equal(condition(settled, 'TopologyReconciled')?.reason, 'ReconcileSucceeded');
    const refs = (c: KubeObject) => {
      const spec = c.spec as { infrastructureRef?: unknown; controlPlaneRef?: unknown };
      return [spec.infrastructureRef, spec.controlPlaneRef];
    };
    assert.deepEqual(refs(settled), refs(cluster), 'the Cluster names the same objects');

    // Give the topology controller (and the MachineDeployment/KubeadmControlPlane controllers behind it) time to
    // act on what it found: no second DevCluster, control plane, MachineDeployment or template, no rotation, no
    // Machine replaced. The same objects under the same names, and nothing more.
    await sleep(2000);
    const after = await objectsIn(to, ns);
    assert.deepEqual(apiObjectNames(after), kinds, 'the target holds exactly what the source held');
    for (const k of [...classTemplates, ...clonedTemplates])
      assert.deepEqual(after.get(k)!.spec, before.get(k)!.spec, `${k} unchanged`);
    for (const k of kinds.filter((k) => /^(DevCluster|KubeadmControlPlane|MachineDeployment)\//.test(k)))
      assert.deepEqual(after.get(k)!.spec, before.get(k)!.spec, `${k}: the topology changed nothing`);

    // And it manages the cluster: md-0 scaled to 2 and its label dropped, through the topology.
    await patchTopology(to, ns, (t) => {
      t.workers.machineDeployments[0]!.replicas = 2;
      delete t.workers.machineDeployments[0]!.metadata;
    });
    await waitSettled(to, ns, 2, 90_000);
    const scaled = await objectsIn(to, ns);
    assert.deepEqual(
      [...scaled.keys()].filter((k) => k.startsWith('MachineDeployment/')),
      [mdName],
    );
    const md = scaled.get(mdName)!;
    assert.equal((md.spec as { replicas?: number }).replicas, 2);
    assert.equal(md.metadata.labels?.[LABEL], undefined, 'the label the topology no longer has is gone');
    assert.deepEqual(
      [...scaled.keys()].filter((k) => k.startsWith('Machine/')).length,
      3,
      'one Machine more, none replaced',
    );
    for (const m of machines) assert.ok(scaled.has(m), `${m} kept`);
    const templates = (objects: string[]) => objects.filter((k) => /Template\//.test(k));
    assert.deepEqual(
      templates(apiObjectNames(scaled)),
      templates(kinds),
      'the same templates: none rotated, none orphaned',
    );

    // An upgrade on the target: every Machine replaced on the new version, and still no template rotated.
    await patchTopology(to, ns, (t) => {
      t.version = UPGRADE;
    });
    await eventually(
      `every Machine on ${UPGRADE}`,
      async () => {
        const all = [...(await objectsIn(to, ns)).values()].filter((o) => o.kind === 'Machine');
        return (
          all.length === 3 &&
          all.every(
            (m) => (m.spec as { version?: string }).version === UPGRADE && !m.metadata.deletionTimestamp,
          )
        );
      },
      120_000,
    );
    await waitSettled(to, ns, 2, 60_000);
    const upgraded = await objectsIn(to, ns);
    assert.ok(
      machines.every((m) => !upgraded.has(m)),
      'the Machines from the source were replaced',
    );
    assert.deepEqual(templates(apiObjectNames(upgraded)), templates(kinds), 'an upgrade rotates no template');
  });
});
