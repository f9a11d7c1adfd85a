import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import {
  BlockMoveTimeoutError,
  ClusterNotProvisionedError,
  MoveConflictError,
  MoveStateError,
} from './errors.js';
import { locateClusters, moveClusters, type MoveProgress } from './move.js';
import { discoveryTypes, ObjectGraph, readObjects } from './object-graph.js';
import {
  CLUSTER,
  createClusterFixture,
  createUnrelated,
  DEV_CLUSTER,
  MACHINE,
  SECRET,
  snapshot,
  startPlane,
  type Plane,
  type Snapshot,
} from './test-helpers.js';
import { ClusterctlAnnotation, MoveAnnotation } from './well-known.js';

const UNRELATED = ['Secret/{ns}/user-credentials', 'Secret/{ns}/ghost-ca', 'ConfigMap/{ns}/app-settings'];

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

describe('moveClusters between two management planes', () => {
  let from: Plane;
  let to: Plane;
  let n = 0;
  before(async () => {
    [from, to] = await Promise.all([startPlane(), startPlane()]);
  });
  after(async () => {
    await Promise.all([from.stop(), to.stop()]);
  });

  /** A fresh namespace on the source with clusters alpha and beta and unrelated objects. */
  async function scenario(
    options: { paused?: boolean } = {},
  ): Promise<{ ns: string; before: Snapshot; owned: Map<string, string[]> }> {
    const ns = `move-${++n}`;
    await from.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await createClusterFixture(from.client, ns, 'alpha');
    await createClusterFixture(from.client, ns, 'beta', {
      workers: 1,
      ...(options.paused ? { paused: true } : {}),
    });
    await createUnrelated(from.client, ns);
    const types = await discoveryTypes(from.client);
    const graph = new ObjectGraph(await readObjects(from.client, types, { namespace: ns }), types);
    const owned = new Map(
      graph
        .clusters()
        .map((c) => [
          c.obj.metadata.name!,
          graph.objectsOf(c.uid).map((o) => `${o.obj.kind}/${ns}/${o.obj.metadata.name}`),
        ]),
    );
    return { ns, before: await snapshot(from.client, ns), owned };
  }

  /** The end state of a complete move: everything of alpha and beta on the target as it was, nothing else moved. */
  async function assertMoved(ns: string, before: Snapshot, owned: Map<string, string[]>): Promise<void> {
    const source = await snapshot(from.client, ns);
    const target = await snapshot(to.client, ns);
    const moved = [...owned.values()].flat();
    const unrelated = UNRELATED.map((k) => k.replace('{ns}', ns));
    assert.deepEqual([...source.objects.keys()].sort(), [...unrelated].sort(), 'only unrelated objects stay');
    for (const k of unrelated) {
      assert.equal(source.resourceVersions.get(k), before.resourceVersions.get(k), `${k} untouched`);
      assert.ok(!target.objects.has(k), `${k} not copied`);
    }
    assert.deepEqual(
      [...target.objects.keys()].sort(),
      [...moved].sort(),
      'every object of the clusters moved',
    );
    for (const k of moved) {
      assert.deepEqual(
        target.objects.get(k),
        before.objects.get(k),
        `${k} arrives as it was (status, owners)`,
      );
      assert.notEqual(target.uids.get(k), before.uids.get(k), `${k} is a new object`);
      // The field managers came along (the move's own writes to the Cluster aside): a controller applying with
      // server-side apply on the target still owns its fields alone and can remove them.
      if (!k.startsWith('Cluster/') && before.managedFields.has(k))
        assert.deepEqual(target.managedFields.get(k), before.managedFields.get(k), `${k} field managers`);
    }
    const locations = await locateClusters(from.client, to.client, { namespace: ns });
    assert.deepEqual(
      locations.map((l) => [l.name, l.authoritative, l.leftover, l.incoming]),
      [
        ['alpha', 'target', false, false],
        ['beta', 'target', false, false],
      ],
    );
  }

  /** After an interruption: each cluster whole on the side that owns it, any leftover on the other side paused. */
  async function assertInvariant(ns: string, owned: Map<string, string[]>, step: string): Promise<void> {
    const locations = await locateClusters(from.client, to.client, { namespace: ns });
    assert.deepEqual(
      locations.map((l) => l.name),
      ['alpha', 'beta'],
      `${step}: both clusters are somewhere`,
    );
    const source = await snapshot(from.client, ns);
    const target = await snapshot(to.client, ns);
    for (const l of locations) {
      if (l.leftover)
        assert.equal(l.leftoverPaused, true, `${step}: the leftover copy of ${l.name} is paused`);
      const side = l.authoritative === 'source' ? source : target;
      for (const k of owned.get(l.name)!) {
        assert.ok(
          side.objects.has(k),
          `${step}: ${k} exists on the ${l.authoritative}, which owns ${l.name}`,
        );
      }
      // The authoritative copy is complete and only ever paused by the move (or by the user).
      if (l.authoritative === 'target' && l.incoming) assert.equal(l.paused, true);
    }
  }

  it('moves two clusters with all they own, status and owner references, and nothing else', async () => {
    const { ns, before, owned } = await scenario();
    const lines: MoveProgress[] = [];
    const steps: string[] = [];
    const result = await moveClusters({
      from: from.client,
      to: to.client,
      namespace: ns,
      onProgress: (e) => lines.push(e),
      failpoint: (s) => void steps.push(s),
    });
    await assertMoved(ns, before, owned);
    const total = [...owned.values()].flat().length;
    assert.equal(result.created, total);
    assert.equal(result.deleted, total);
    assert.deepEqual(
      result.clusters.map((c) => c.name),
      ['alpha', 'beta'],
    );
    // The Cluster is copied first and deleted last; the commit comes after every create and before any delete.
    const firstDelete = steps.findIndex((s) => s.startsWith('delete:'));
    const lastCreate = steps.findLastIndex((s) => s.startsWith('create:'));
    const commits = steps.flatMap((s, i) => (s.startsWith('commit:') ? [i] : []));
    assert.ok(commits.every((i) => i > lastCreate && i < firstDelete));
    assert.equal(steps.filter((s) => s.startsWith('create:')).length, total);
    assert.ok(steps.indexOf(`create:Cluster/${ns}/alpha`) < steps.indexOf(`create:DevCluster/${ns}/alpha`));
    const alphaDeletes = steps.filter((s) => s.startsWith('delete:') && s.includes('/alpha'));
    assert.equal(alphaDeletes.at(-1), `delete:Cluster/${ns}/alpha`);
    assert.ok(lines.some((l) => l.phase === 'commit') && lines.some((l) => l.phase === 'done'));

    // Owner references point at the target's objects.
    const devCluster = await to.client.get(DEV_CLUSTER, { namespace: ns, name: 'alpha' });
    const cluster = await to.client.get(CLUSTER, { namespace: ns, name: 'alpha' });
    assert.equal(devCluster.metadata.ownerReferences?.[0]?.uid, cluster.metadata.uid);
    assert.equal(
      devCluster.metadata.annotations?.[MoveAnnotation.SourceUid],
      before.uids.get(`DevCluster/${ns}/alpha`),
    );
    assert.equal((cluster.spec as { paused?: boolean }).paused, undefined, 'running on the target');
  });

  it('keeps a cluster the user had paused paused on the target', async () => {
    const { ns } = await scenario({ paused: true });
    await moveClusters({ from: from.client, to: to.client, namespace: ns });
    const beta = await to.client.get(CLUSTER, { namespace: ns, name: 'beta' });
    const alpha = await to.client.get(CLUSTER, { namespace: ns, name: 'alpha' });
    assert.equal((beta.spec as { paused?: boolean }).paused, true);
    assert.equal((alpha.spec as { paused?: boolean }).paused, undefined);
    const locations = await locateClusters(from.client, to.client, { namespace: ns });
    assert.deepEqual(
      locations.map((l) => [l.name, l.paused]),
      [
        ['alpha', false],
        ['beta', true],
      ],
    );
  });

  const interruptions: { at: string; nth: number; what: string }[] = [
    { at: 'pause:', nth: 2, what: 'after the first pause' },
    { at: 'create:', nth: 1, what: 'after pausing, before any create' },
    { at: 'create:', nth: 20, what: 'midway through the creates' },
    { at: 'status:', nth: 7, what: 'between a create and its status' },
    { at: 'fields:', nth: 9, what: 'between a status and the field managers' },
    { at: 'commit:', nth: 1, what: 'right before the commit' },
    { at: 'commit:', nth: 2, what: 'with one cluster committed' },
    { at: 'confirm:', nth: 1, what: 'right after the commit' },
    { at: 'delete:', nth: 12, what: 'midway through the deletes' },
    { at: 'delete:Cluster/', nth: 1, what: 'right before deleting the Cluster' },
    { at: 'unpause:', nth: 1, what: 'before unpausing on the target (source gone)' },
    { at: 'unpause:', nth: 2, what: 'with one cluster unpaused' },
  ];
  for (const { at, nth, what } of interruptions) {
    it(`resumes after an interruption ${what} (${at}#${nth})`, async () => {
      const { ns, before, owned } = await scenario();
      let seen = 0;
      await assert.rejects(
        moveClusters({
          from: from.client,
          to: to.client,
          namespace: ns,
          failpoint: (step) => {
            if (step.startsWith(at) && ++seen === nth) throw new Interrupted(step);
          },
        }),
        Interrupted,
      );
      await assertInvariant(ns, owned, `${at}#${nth}`);
      await moveClusters({ from: from.client, to: to.client, namespace: ns });
      await assertMoved(ns, before, owned);
    });
  }

  it('stops at the next write when its signal aborts, leaving a resumable state', async () => {
    const { ns, before, owned } = await scenario();
    const abort = new AbortController();
    let creates = 0;
    await assert.rejects(
      moveClusters({
        from: from.client,
        to: to.client,
        namespace: ns,
        signal: abort.signal,
        failpoint: (s) => {
          if (s.startsWith('create:') && ++creates === 5) abort.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.equal(creates, 5, 'no write after the abort');
    await assertInvariant(ns, owned, 'abort');
    await moveClusters({ from: from.client, to: to.client, namespace: ns });
    await assertMoved(ns, before, owned);
  });

  it('survives being interrupted again while resuming', async () => {
    const { ns, before, owned } = await scenario();
    const stopAt = (at: string, nth: number) => {
      let seen = 0;
      return (step: string) => {
        if (step.startsWith(at) && ++seen === nth) throw new Interrupted(step);
      };
    };
    for (const failpoint of [
      stopAt('create:', 9),
      stopAt('create:', 30),
      stopAt('delete:', 4),
      stopAt('delete:', 40),
    ]) {
      await assert.rejects(
        moveClusters({ from: from.client, to: to.client, namespace: ns, failpoint }),
        Interrupted,
      );
      await assertInvariant(ns, owned, 'again');
    }
    await moveClusters({ from: from.client, to: to.client, namespace: ns });
    await assertMoved(ns, before, owned);
  });

  it('deletes nothing when a committed cluster has no copy on the target', async () => {
    const { ns, before, owned } = await scenario();
    await assert.rejects(
      moveClusters({
        from: from.client,
        to: to.client,
        namespace: ns,
        failpoint: (s) => {
          if (s.startsWith('confirm:')) throw new Interrupted(s);
        },
      }),
      Interrupted,
    );
    // Someone removes the target's copy of alpha after the commit.
    const copy = await to.client.get(CLUSTER, { namespace: ns, name: 'alpha' });
    await to.client.patch(copy, { type: 'merge', data: { metadata: { finalizers: null } } });
    await to.client.delete(copy);
    await eventuallyGone(ns, 'alpha');
    await assert.rejects(
      moveClusters({ from: from.client, to: to.client, namespace: ns }),
      (err: unknown) =>
        err instanceof MoveStateError &&
        /alpha is committed to the target but its copy is not there/.test(err.message),
    );
    const source = await snapshot(from.client, ns);
    for (const k of owned.get('alpha')!) assert.ok(source.objects.has(k), `${k} still on the source`);
    assert.equal(source.objects.size, before.objects.size);
  });

  async function eventuallyGone(ns: string, name: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const left = await to.client.list(CLUSTER, { namespace: ns });
      if (!left.items.some((c) => c.metadata.name === name)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`${name} still on the target`);
  }

  it('moves a ClusterClass with its templates, paused meanwhile, after the clusters', async () => {
    const { ns } = await scenario();
    const CC = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'ClusterClass' };
    const cc = await from.client.create<KubeObject>({
      ...CC,
      metadata: { name: 'quick-start', namespace: ns },
      spec: {
        infrastructure: {
          templateRef: {
            apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
            kind: 'DevClusterTemplate',
            name: 'quick-start',
          },
        },
        controlPlane: {
          templateRef: {
            apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
            kind: 'KubeadmControlPlaneTemplate',
            name: 'quick-start',
          },
        },
      },
    });
    const owner = [{ apiVersion: CC.apiVersion, kind: CC.kind, name: 'quick-start', uid: cc.metadata.uid! }];
    await from.client.create({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'DevClusterTemplate',
      metadata: { name: 'quick-start', namespace: ns, ownerReferences: owner },
      spec: { template: { spec: { backend: { inMemory: {} } } } },
    });
    await from.client.create({
      apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
      kind: 'KubeadmControlPlaneTemplate',
      metadata: { name: 'quick-start', namespace: ns, ownerReferences: owner },
      spec: {
        template: {
          spec: { kubeadmConfigSpec: { clusterConfiguration: { apiServer: { certSANs: ['x'] } } } },
        },
      },
    });
    const paused = (o: KubeObject) => 'cluster.x-k8s.io/paused' in (o.metadata.annotations ?? {});
    await assert.rejects(
      moveClusters({
        from: from.client,
        to: to.client,
        namespace: ns,
        failpoint: (s) => {
          if (s.startsWith('commit:')) throw new Interrupted(s);
        },
      }),
      Interrupted,
    );
    assert.ok(
      paused(await from.client.get(CC, { namespace: ns, name: 'quick-start' })),
      'paused on the source',
    );
    assert.ok(
      paused(await to.client.get(CC, { namespace: ns, name: 'quick-start' })),
      'paused copy on the target',
    );
    await moveClusters({ from: from.client, to: to.client, namespace: ns });
    const moved = await to.client.get(CC, { namespace: ns, name: 'quick-start' });
    assert.ok(!paused(moved), 'running on the target');
    assert.equal(moved.metadata.annotations?.[MoveAnnotation.WasPaused], undefined);
    const template = await to.client.get(
      { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2', kind: 'DevClusterTemplate' },
      { namespace: ns, name: 'quick-start' },
    );
    assert.equal(template.metadata.ownerReferences?.[0]?.uid, moved.metadata.uid);
    const source = await snapshot(from.client, ns);
    assert.ok(![...source.objects.keys()].some((k) => k.includes('quick-start')), 'gone from the source');
  });

  it('writes nothing on a dry run', async () => {
    const { ns, before, owned } = await scenario();
    const steps: string[] = [];
    const result = await moveClusters({
      from: from.client,
      to: to.client,
      namespace: ns,
      dryRun: true,
      failpoint: (s) => void steps.push(s),
    });
    assert.deepEqual(steps, []);
    assert.equal(result.dryRun, true);
    assert.deepEqual(result.objects.length, [...owned.values()].flat().length);
    const after = await snapshot(from.client, ns);
    assert.deepEqual(after.resourceVersions, before.resourceVersions);
    assert.equal((await snapshot(to.client, ns)).objects.size, 0);
  });

  it('refuses a cluster that is not provisioned, before writing anything', async () => {
    const ns = `move-${++n}`;
    await from.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await createClusterFixture(from.client, ns, 'young', { unprovisioned: true });
    const before = await snapshot(from.client, ns);
    await assert.rejects(
      moveClusters({ from: from.client, to: to.client, namespace: ns }),
      (err: unknown) =>
        err instanceof ClusterNotProvisionedError &&
        err.problems.length === 1 &&
        /young: the infrastructure is still being provisioned/.test(err.message),
    );
    assert.deepEqual((await snapshot(from.client, ns)).resourceVersions, before.resourceVersions);
    // A Machine without a Node is refused too.
    await from.client.patchStatus(
      { ...CLUSTER, metadata: { namespace: ns, name: 'young' } },
      {
        type: 'merge',
        data: {
          status: { initialization: { infrastructureProvisioned: true, controlPlaneInitialized: true } },
        },
      },
    );
    await from.client.patchStatus(
      { ...MACHINE, metadata: { namespace: ns, name: 'young-cp-1' } },
      { type: 'merge', data: { status: { nodeRef: null } } },
    );
    await assert.rejects(
      moveClusters({ from: from.client, to: to.client, namespace: ns }),
      /Machine young-cp-1 has no Node/,
    );
    // Nor one with an object being deleted.
    await from.client.patchStatus(
      { ...MACHINE, metadata: { namespace: ns, name: 'young-cp-1' } },
      { type: 'merge', data: { status: { nodeRef: { name: 'young-cp-1' } } } },
    );
    await from.client.delete({ ...MACHINE, metadata: { namespace: ns, name: 'young-cp-2' } });
    await assert.rejects(
      moveClusters({ from: from.client, to: to.client, namespace: ns }),
      new RegExp(`young: being deleted: Machine ${ns}/young-cp-2`),
    );
    assert.equal((await snapshot(to.client, ns)).objects.size, 0);
  });

  it('waits for block-move to go away, and gives up (paused, resumable) after the timeout', async () => {
    const { ns, before, owned } = await scenario();
    const blocked = { ...MACHINE, metadata: { namespace: ns, name: 'alpha-cp-1' } };
    await from.client.patch(blocked, {
      type: 'merge',
      data: { metadata: { annotations: { [ClusterctlAnnotation.BlockMove]: '' } } },
    });
    await assert.rejects(
      moveClusters({
        from: from.client,
        to: to.client,
        namespace: ns,
        blockMoveTimeoutMs: 150,
        pollIntervalMs: 20,
      }),
      (err: unknown) =>
        err instanceof BlockMoveTimeoutError && err.blocking.includes(`Machine ${ns}/alpha-cp-1`),
    );
    await assertInvariant(ns, owned, 'block-move timeout');
    assert.equal((await snapshot(to.client, ns)).objects.size, 0, 'nothing copied while blocked');

    const waits: string[] = [];
    const moving = moveClusters({
      from: from.client,
      to: to.client,
      namespace: ns,
      pollIntervalMs: 20,
      onProgress: (e) => e.phase === 'wait' && waits.push(e.message),
    });
    // Under load the second move may take a while to get there: wait for it to report the wait.
    for (let i = 0; i < 500 && waits.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(waits.length, 1, 'one line says what the move waits for, however long it waits');
    assert.equal((await snapshot(to.client, ns)).objects.size, 0, 'still waiting');
    await from.client.patch(blocked, {
      type: 'merge',
      data: { metadata: { annotations: { [ClusterctlAnnotation.BlockMove]: null } } },
    });
    await moving;
    // The Machine's annotations changed while paused (block-move came and went): compare the rest.
    const expected = structuredClone(before);
    expected.managedFields.delete(`Machine/${ns}/alpha-cp-1`);
    await assertMoved(ns, expected, owned);
  });

  it('refuses an object on the target it did not create, deleting nothing', async () => {
    const { ns, before, owned } = await scenario();
    await to.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await to.client.create({
      ...SECRET,
      metadata: { name: 'beta-sa', namespace: ns },
      data: { mine: 'eA==' },
    });
    await assert.rejects(
      moveClusters({ from: from.client, to: to.client, namespace: ns }),
      (err: unknown) => err instanceof MoveConflictError && err.objectName === 'beta-sa',
    );
    await assertInvariant(ns, owned, 'conflict');
    const source = await snapshot(from.client, ns);
    assert.deepEqual([...source.objects.keys()].sort(), [...before.objects.keys()].sort(), 'nothing deleted');
    const mine = await to.client.get<KubeObject & { data?: Record<string, string> }>(SECRET, {
      namespace: ns,
      name: 'beta-sa',
    });
    assert.deepEqual(mine.data, { mine: 'eA==' }, 'the target object is untouched');
    const locations = await locateClusters(from.client, to.client, { namespace: ns });
    assert.ok(locations.every((l) => l.authoritative === 'source' && l.paused));
  });
});
