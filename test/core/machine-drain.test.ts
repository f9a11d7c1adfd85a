// The Machine controller's node drain against a simulated workload cluster of the in-memory backend: real
// API server, simulated kubelets, scheduler, Deployment and DaemonSet controllers, PodDisruptionBudgets whose
// eviction subresource answers 429 when the budget is spent.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import { isNotFound } from '../../src/controller-runtime/client/errors.js';
import {
  type DrainResult,
  Drainer,
  type DrainTarget,
  drainConditionMessage,
  type MachineDrainRuleLike,
  type Pod,
} from '../../src/core/reconcilers/machine/drain/index.js';
import {
  createCluster,
  createMachine,
  DEV_CLUSTER,
  eventually,
  getObj,
  machineReady,
  markControlPlaneInitialized,
  NODE,
  type Obj,
  POD,
  type TestCluster,
  useHarness,
  workloadClient,
} from '../providers/infrastructure-dev/harness.js';

const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' };
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' };
const PDB = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' };
const MACHINE_DRAIN_RULE = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDrainRule' };
const MIRROR = 'kubernetes.io/config.mirror';

const keyOf = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;
const keys = (pods: Pod[]) => pods.map(keyOf).sort();
const nodeOf = (p: Pod) => p.spec?.nodeName;
const running = (p: Pod) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp;
/** Every Pod a pass reports, skipped ones excepted: what is still on the Node for the drain. */
const present = (r: DrainResult) =>
  keys([
    ...r.podsDeletionTimestampSet,
    ...Object.values(r.podsFailedEviction).flat(),
    ...r.podsToTriggerEvictionLater,
    ...r.podsToWaitCompletedNow,
    ...r.podsToWaitCompletedLater,
  ]);

describe('Machine drain against a simulated workload cluster', () => {
  const harness = useHarness();
  let c: TestCluster;
  let wl: KubeClient;
  let drainer: Drainer;
  const workers: { machine: Obj; node: string }[] = [];

  const namespaceLabels = async (ns: string) => {
    try {
      return (await wl.get(NAMESPACE, { name: ns })).metadata.labels ?? {};
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const targetOf = (i: number): DrainTarget => ({
    nodeName: workers[i]!.node,
    machine: workers[i]!.machine,
    cluster: c.cluster,
  });
  const podsOn = async (node: string, namespace?: string) =>
    (await wl.list<Pod>(POD, { fieldSelector: `spec.nodeName=${node}`, ...(namespace ? { namespace } : {}) }))
      .items;
  const getPod = async (namespace: string, name: string) => {
    try {
      return await wl.get<Pod>(POD, { namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const createNamespace = (name: string) => wl.create({ ...NAMESPACE, metadata: { name } });
  /** A Pod without controller, bound to `node` (the kind `kubectl drain --force` is needed for). */
  const createPod = (
    namespace: string,
    name: string,
    node: string,
    labels: Record<string, string> = {},
    grace = 1,
  ) =>
    wl.create<Pod>({
      ...POD,
      metadata: { name, namespace, labels },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: grace,
        containers: [{ name: 'app', image: 'busybox:1.36' }],
      },
    });
  /** Drain passes until done, a short pause in between (upstream: every 20 s); returns every pass. */
  const drainUntilDone = async (target: DrainTarget, rules: MachineDrainRuleLike[] = []) => {
    const passes: DrainResult[] = [];
    await eventually(`${target.nodeName} drained`, async () => {
      const r = await drainer.drain(target, rules, namespaceLabels);
      passes.push(r);
      if (!r.done) await sleep(100);
      return r.done;
    });
    return passes;
  };
  /** Removes a scenario's Deployment and waits for its Pods to be gone, so later drains do not meet them. */
  const removeDeployment = async (namespace: string, name: string) => {
    await wl.delete({ ...DEPLOYMENT, metadata: { namespace, name } });
    await eventually(
      `the Pods of ${namespace}/${name} gone`,
      async () => (await wl.list<Pod>(POD, { namespace, labelSelector: `app=${name}` })).items.length === 0,
    );
  };
  const uncordon = (node: string) =>
    wl.patch(
      { ...NODE, metadata: { name: node } },
      { type: 'merge', data: { spec: { unschedulable: false } } },
    );

  before(async () => {
    const h = harness();
    const ns = await h.namespace();
    c = await createCluster(h, ns, 'drain');
    await markControlPlaneInitialized(h, c);
    const machines = [
      await createMachine(h, c, 'drain-cp-0', { controlPlane: true }),
      await createMachine(h, c, 'drain-md-0'),
      await createMachine(h, c, 'drain-md-1'),
      await createMachine(h, c, 'drain-md-2'),
    ];
    for (const m of machines) await machineReady(h, ns, m.devMachineName);
    const endpoint = (await getObj(h, DEV_CLUSTER, ns, 'drain'))!.spec!.controlPlaneEndpoint!;
    wl = await workloadClient(c, `https://${endpoint.host}:${endpoint.port}`);
    drainer = new Drainer({ client: wl });
    for (const m of machines.slice(1)) workers.push({ machine: m.machine, node: m.devMachineName });
    const nodes = (await wl.list(NODE)).items.map((n) => n.metadata.name);
    for (const w of workers) assert.ok(nodes.includes(w.node), `Node ${w.node} registered`);
    // CoreDNS (30 s grace period, lands on any Node) would only slow every scenario down: keep it out.
    await eventually('the CoreDNS Deployment', () =>
      wl.get({ ...DEPLOYMENT }, { namespace: 'kube-system', name: 'coredns' }),
    );
    await wl.patch(
      { ...DEPLOYMENT, metadata: { namespace: 'kube-system', name: 'coredns' } },
      { type: 'merge', data: { spec: { replicas: 0 } } },
    );
    await wl.deleteAllOf(POD, {
      namespace: 'kube-system',
      labelSelector: 'k8s-app=kube-dns',
      gracePeriodSeconds: 0,
    });
    await eventually('kube-proxy running on every worker, CoreDNS gone', async () => {
      const pods = (await wl.list<Pod>(POD, { namespace: 'kube-system' })).items;
      return (
        workers.every((w) =>
          pods.some(
            (p) => p.metadata.labels?.['k8s-app'] === 'kube-proxy' && nodeOf(p) === w.node && running(p),
          ),
        ) && !pods.some((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns')
      );
    });
  });

  it('evicts Deployment Pods, which come back on other Nodes, and leaves DaemonSet and mirror Pods', async () => {
    const target = targetOf(0);
    const node = target.nodeName;
    await createNamespace('apps');
    await wl.create({
      ...DEPLOYMENT,
      metadata: { name: 'web', namespace: 'apps' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    });
    // A static Pod's mirror, as the kubelet of the Node would publish it.
    await wl.create<Pod>({
      ...POD,
      metadata: { name: `static-agent-${node}`, namespace: 'apps', annotations: { [MIRROR]: 'hash' } },
      spec: { nodeName: node, containers: [{ name: 'agent', image: 'busybox:1.36' }] },
    });
    const webOnNode = await eventually('web running, on the target Node too', async () => {
      const pods = (await wl.list<Pod>(POD, { namespace: 'apps', labelSelector: 'app=web' })).items;
      const mine = pods.filter((p) => nodeOf(p) === node && running(p));
      return pods.filter(running).length === 3 && mine.length > 0 ? keys(mine) : undefined;
    });
    const kubeProxy = (await podsOn(node, 'kube-system')).find(
      (p) => p.metadata.labels?.['k8s-app'] === 'kube-proxy',
    )!;

    await drainer.cordon(node);
    const first = await drainer.drain(target, [], namespaceLabels);
    assert.deepEqual(keys(first.podsDeletionTimestampSet), webOnNode, 'the web Pods of the Node are evicted');
    assert.deepEqual(keys(first.podsIgnored), [`apps/static-agent-${node}`, keyOf(kubeProxy)].sort());
    assert.equal(first.done, false);
    assert.match(
      drainConditionMessage(first, new Date()),
      /^Drain not completed yet \(started at [0-9T:-]+Z\):\n\* Pods? apps\/web-[^:]+: deletionTimestamp set, but still not removed from the Node$/,
    );

    await drainUntilDone(target);
    await eventually('web whole again, on the other Nodes', async () => {
      const pods = (await wl.list<Pod>(POD, { namespace: 'apps', labelSelector: 'app=web' })).items.filter(
        running,
      );
      return pods.length === 3 && pods.every((p) => nodeOf(p) !== node);
    });
    const left = await podsOn(node);
    assert.deepEqual(keys(left), [`apps/static-agent-${node}`, keyOf(kubeProxy)].sort(), 'skipped Pods stay');
    const cordoned = await wl.get<Obj>(NODE, { name: node });
    assert.equal((cordoned.spec as { unschedulable?: boolean }).unschedulable, true);
    await removeDeployment('apps', 'web');
    await uncordon(node);
  });

  it('is held by a PodDisruptionBudget with maxUnavailable 0, naming the Pod and the budget', async () => {
    const target = targetOf(1);
    const node = target.nodeName;
    await createNamespace('guarded');
    await wl.create({
      ...DEPLOYMENT,
      metadata: { name: 'db', namespace: 'guarded' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': node },
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'db', image: 'postgres:17' }],
          },
        },
      },
    });
    await wl.create({
      ...PDB,
      metadata: { name: 'db', namespace: 'guarded' },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'db' } } },
    });
    const db = await eventually('db running on the target Node', async () =>
      (await podsOn(node, 'guarded')).find(running),
    );
    await eventually('the budget allows no disruption', async () => {
      const pdb = await wl.get<Obj>(PDB, { namespace: 'guarded', name: 'db' });
      const s = (pdb.status ?? {}) as {
        observedGeneration?: number;
        currentHealthy?: number;
        disruptionsAllowed?: number;
      };
      return (
        s.observedGeneration === pdb.metadata.generation &&
        s.currentHealthy === 1 &&
        s.disruptionsAllowed === 0
      );
    });

    await drainer.cordon(node);
    const refusal =
      "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget db needs 1 healthy pods and has 1 currently";
    for (let pass = 0; pass < 2; pass++) {
      const started = performance.now();
      const r = await drainer.drain(target, [], namespaceLabels);
      assert.ok(performance.now() - started < 3000, 'a refusal is reported, not waited out');
      assert.equal(r.done, false);
      assert.deepEqual(
        Object.fromEntries(Object.entries(r.podsFailedEviction).map(([k, v]) => [k, keys(v)])),
        { [refusal]: [keyOf(db)] },
      );
      assert.equal(
        drainConditionMessage(r, new Date('2026-01-02T03:04:05Z')),
        'Drain not completed yet (started at 2026-01-02T03:04:05Z):\n' +
          `* Pod ${keyOf(db)}: cannot evict pod as it would violate the pod's disruption budget. The disruption budget db needs 1 healthy pods and has 1 currently`,
      );
      assert.equal(
        (await getPod('guarded', db.metadata.name!))?.metadata.deletionTimestamp,
        undefined,
        'still running',
      );
    }

    // The owner relents: the drain goes through.
    await wl.patch(
      { ...PDB, metadata: { namespace: 'guarded', name: 'db' } },
      { type: 'merge', data: { spec: { maxUnavailable: 1 } } },
    );
    await drainUntilDone(target);
    assert.equal(await getPod('guarded', db.metadata.name!), undefined);
    await removeDeployment('guarded', 'db');
    await uncordon(node);
  });

  it('leaves Pods labelled drain=skip and waits for drain=wait-completed ones without evicting them', async () => {
    const target = targetOf(2);
    const node = target.nodeName;
    await createNamespace('labels');
    await createPod('labels', 'keep', node, { 'cluster.x-k8s.io/drain': 'skip' });
    await createPod('labels', 'job', node, { 'cluster.x-k8s.io/drain': 'wait-completed' });
    await createPod('labels', 'plain', node);
    await eventually(
      'the Pods running',
      async () => (await podsOn(node, 'labels')).filter(running).length === 3,
    );

    await drainer.cordon(node);
    const first = await drainer.drain(target, [], namespaceLabels);
    assert.deepEqual(keys(first.podsDeletionTimestampSet), ['labels/plain']);
    assert.deepEqual(keys(first.podsToWaitCompletedNow), ['labels/job']);
    assert.ok(keys(first.podsIgnored).includes('labels/keep'));
    assert.match(drainConditionMessage(first, new Date()), /\n\* Pod labels\/job: waiting for completion$/);

    const waiting = await eventually('only the job left to wait for', async () => {
      const r = await drainer.drain(target, [], namespaceLabels);
      return present(r).join() === 'labels/job' ? r : undefined;
    });
    assert.equal(waiting.done, false, 'the drain waits for the job');
    assert.equal((await getPod('labels', 'job'))?.metadata.deletionTimestamp, undefined, 'never evicted');

    // The job completes and its Pod is removed.
    await wl.delete({ ...POD, metadata: { namespace: 'labels', name: 'job' } });
    await drainUntilDone(target);
    assert.ok((await getPod('labels', 'keep')) && running((await getPod('labels', 'keep'))!), 'skip stays');
    await uncordon(node);
  });

  it('evicts by MachineDrainRule order: the next order only once the previous one has left the Node', async () => {
    const h = harness();
    const target = targetOf(0);
    const node = target.nodeName;
    await createNamespace('ordered');
    const rule = (name: string, spec: Record<string, unknown>) =>
      h.client.create({ ...MACHINE_DRAIN_RULE, metadata: { name, namespace: c.namespace }, spec });
    // Sorted first, so it would win for every Pod, but it applies only to control plane Machines.
    await rule('aa-control-plane', {
      drain: { behavior: 'Skip' },
      machines: [
        { selector: { matchExpressions: [{ key: 'cluster.x-k8s.io/control-plane', operator: 'Exists' }] } },
      ],
    });
    await rule('front-first', {
      drain: { behavior: 'Drain', order: -5 },
      pods: [
        {
          selector: { matchLabels: { tier: 'front' } },
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ordered' } },
        },
      ],
    });
    await rule('db-last', {
      drain: { behavior: 'Drain', order: 10 },
      pods: [{ selector: { matchLabels: { tier: 'db' } } }],
    });
    const rules = (await h.client.list<Obj>(MACHINE_DRAIN_RULE, { namespace: c.namespace }))
      .items as unknown as MachineDrainRuleLike[];
    assert.equal(rules.length, 3);

    await createPod('ordered', 'front', node, { tier: 'front' }, 2);
    await createPod('ordered', 'app', node, {}, 1);
    await createPod('ordered', 'db', node, { tier: 'db' }, 1);
    await eventually(
      'the Pods running',
      async () => (await podsOn(node, 'ordered')).filter(running).length === 3,
    );

    await drainer.cordon(node);
    const first = await drainer.drain(target, rules, namespaceLabels);
    assert.deepEqual(keys(first.podsDeletionTimestampSet), ['ordered/front']);
    assert.deepEqual(keys(first.podsToTriggerEvictionLater), ['ordered/app', 'ordered/db']);
    assert.match(
      drainConditionMessage(first, new Date()),
      /\nAfter above Pods have been removed from the Node, the following Pods will be evicted: ordered\/app, ordered\/db$/,
    );
    const second = await drainer.drain(target, rules, namespaceLabels);
    assert.deepEqual(keys(second.podsDeletionTimestampSet), ['ordered/front'], 'front is still terminating');
    assert.equal(
      (await getPod('ordered', 'app'))?.metadata.deletionTimestamp,
      undefined,
      'so app is not evicted',
    );

    const passes = await drainUntilDone(target, rules);
    const evictedIn = (name: string) =>
      [first, second, ...passes].findIndex((r) =>
        r.podsDeletionTimestampSet.some((p) => p.metadata.name === name),
      );
    const goneIn = (name: string) =>
      [first, second, ...passes].findIndex((r) => !present(r).includes(`ordered/${name}`));
    assert.ok(evictedIn('app') >= goneIn('front'), 'app evicted once front had left');
    assert.ok(evictedIn('db') >= goneIn('app'), 'db evicted once app had left');
    assert.ok(goneIn('front') < goneIn('app') && goneIn('app') < goneIn('db'));
    assert.deepEqual(keys(await podsOn(node, 'ordered')), []);
    await uncordon(node);
  });
});
