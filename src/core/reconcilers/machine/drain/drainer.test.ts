import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
} from '../../../../controller-runtime/client/errors.js';
import { FakeClient } from '../../../../controller-runtime/helpers/testing/fake-client.js';
import { drainConditionMessage } from './drain-result.js';
import { DrainError, type MachineDrainRuleLike, type Pod } from './drain-types.js';
import { Drainer, type DrainTarget } from './drainer.js';

const NODE = 'worker-0';
const target: DrainTarget = {
  nodeName: NODE,
  machine: { metadata: { name: 'm', namespace: 'ns', labels: { pool: 'a' } } },
  cluster: { metadata: { name: 'c', namespace: 'ns', labels: {} } },
};
const POD = { apiVersion: 'v1', kind: 'Pod' };
const nsLabels = (ns: string) => Promise.resolve({ 'kubernetes.io/metadata.name': ns });
const names = (pods: Pod[]) => pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

interface PodOptions {
  namespace?: string;
  node?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: { kind: string; name: string };
  phase?: string;
  emptyDir?: boolean;
  /** Keeps the Pod around after its eviction, terminating, as a kubelet would for its grace period. */
  finalizer?: boolean;
  deletionTimestamp?: string;
}

function setup(
  options: { ready?: 'True' | 'False' | 'Unknown'; now?: () => number; budgetMs?: number } = {},
) {
  const fake = new FakeClient();
  fake.seed({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: options.ready ?? 'True' }] },
  });
  const addPod = (name: string, o: PodOptions = {}): Pod =>
    fake.seed<Pod>({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: o.namespace ?? 'default',
        labels: o.labels ?? {},
        ...(o.annotations ? { annotations: o.annotations } : {}),
        ...(o.owner
          ? {
              ownerReferences: [
                { apiVersion: 'apps/v1', ...o.owner, uid: `${o.owner.name}-uid`, controller: true },
              ],
            }
          : {}),
        ...(o.finalizer ? { finalizers: ['test/kubelet'] } : {}),
        ...(o.deletionTimestamp
          ? { deletionTimestamp: o.deletionTimestamp, finalizers: ['test/kubelet'] }
          : {}),
      },
      spec: {
        nodeName: o.node ?? NODE,
        containers: [{ name: 'c', image: 'busybox' }],
        ...(o.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
      },
      status: { phase: o.phase ?? 'Running' },
    });
  const pod = (namespace: string, name: string) => fake.peek<Pod>(POD, { namespace, name });
  const drainer = new Drainer({ client: fake, now: options.now, evictionBudgetMs: options.budgetMs });
  const evictions = () =>
    fake.requestsOf('createSubresource').map((r) => `${r.key?.namespace}/${r.key?.name}`);
  return { fake, addPod, pod, drainer, evictions };
}

describe('Drainer.cordon', () => {
  it('marks the Node unschedulable once', async () => {
    const { fake, drainer } = setup();
    await drainer.cordon(NODE);
    await drainer.cordon(NODE);
    const node = fake.peek<{ metadata: object; spec?: { unschedulable?: boolean } }>(
      { apiVersion: 'v1', kind: 'Node' },
      { name: NODE },
    );
    assert.equal(node?.spec?.unschedulable, true);
    assert.equal(fake.writes().length, 1, 'the second cordon writes nothing');
  });
});

describe('Drainer.drain', () => {
  it('evicts what kubectl drain --ignore-daemonsets --delete-emptydir-data --force would, skips the rest', async () => {
    const { fake, addPod, pod, drainer, evictions } = setup();
    fake.seed({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-proxy', namespace: 'kube-system' },
    });
    addPod('kube-proxy-abc', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'kube-proxy' } });
    addPod('orphan-abc', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'deleted-ds' } });
    addPod('etcd-worker-0', {
      namespace: 'kube-system',
      annotations: { 'kubernetes.io/config.mirror': 'h' },
    });
    addPod('web-abc', { owner: { kind: 'ReplicaSet', name: 'web-123' } });
    addPod('bare', {});
    addPod('cache', { owner: { kind: 'ReplicaSet', name: 'cache-1' }, emptyDir: true });
    addPod('done', { phase: 'Succeeded' });
    addPod('elsewhere', { node: 'worker-1' });

    const r = await drainer.drain(target, [], nsLabels);

    assert.deepEqual(evictions(), [
      'default/bare',
      'default/cache',
      'default/done',
      'default/web-abc',
      'kube-system/orphan-abc',
    ]);
    assert.deepEqual(names(r.podsDeletionTimestampSet), evictions(), 'sorted by namespace/name');
    assert.deepEqual(names(r.podsIgnored), ['kube-system/etcd-worker-0', 'kube-system/kube-proxy-abc']);
    assert.equal(r.done, false, 'evicted Pods have yet to leave the Node');
    assert.ok(pod('default', 'elsewhere'), 'Pods of other Nodes are left alone');
    assert.ok(pod('kube-system', 'kube-proxy-abc'));

    const again = await drainer.drain(target, [], nsLabels);
    assert.equal(again.done, true, 'only skipped Pods are left');
    assert.equal(evictions().length, 5, 'nothing more to evict');
  });

  it('evicts one drain order at a time, lowest first, and waits until it has left the Node', async () => {
    const { fake, addPod, drainer, evictions } = setup();
    const rules: MachineDrainRuleLike[] = [
      {
        metadata: { name: 'early' },
        spec: {
          drain: { behavior: 'Drain', order: -5 },
          pods: [{ selector: { matchLabels: { tier: 'front' } } }],
        },
      },
      {
        metadata: { name: 'late' },
        spec: {
          drain: { behavior: 'Drain', order: 10 },
          pods: [{ selector: { matchLabels: { tier: 'db' } } }],
        },
      },
    ];
    addPod('front', { labels: { tier: 'front' }, finalizer: true });
    addPod('app', { finalizer: true });
    addPod('db', { labels: { tier: 'db' }, finalizer: true });
    // The kubelet is done: the last finalizer goes and the terminating Pod with it.
    const release = (name: string) =>
      fake.patch(
        { ...POD, metadata: { namespace: 'default', name } },
        { type: 'merge', data: { metadata: { finalizers: [] } } },
      );

    let r = await drainer.drain(target, rules, nsLabels);
    assert.deepEqual(evictions(), ['default/front']);
    assert.deepEqual(names(r.podsToTriggerEvictionLater), ['default/app', 'default/db']);
    assert.equal(
      drainConditionMessage(r, new Date('2025-01-02T03:04:05Z')),
      'Drain not completed yet (started at 2025-01-02T03:04:05Z):\n' +
        '* Pod default/front: deletionTimestamp set, but still not removed from the Node\n' +
        'After above Pods have been removed from the Node, the following Pods will be evicted: default/app, default/db',
    );

    r = await drainer.drain(target, rules, nsLabels);
    assert.deepEqual(evictions(), ['default/front'], 'order 0 waits while the order -5 Pod terminates');
    assert.deepEqual(names(r.podsDeletionTimestampSet), ['default/front']);

    await release('front');
    r = await drainer.drain(target, rules, nsLabels);
    assert.deepEqual(evictions(), ['default/front', 'default/app']);
    assert.deepEqual(names(r.podsToTriggerEvictionLater), ['default/db']);

    await release('app');
    r = await drainer.drain(target, rules, nsLabels);
    assert.deepEqual(evictions(), ['default/front', 'default/app', 'default/db']);
    await release('db');
    r = await drainer.drain(target, rules, nsLabels);
    assert.equal(r.done, true);
  });

  it('never evicts Pods to wait for, and skips Pods the label or a rule says to skip', async () => {
    const { fake, addPod, drainer, evictions } = setup();
    const rules: MachineDrainRuleLike[] = [
      {
        metadata: { name: 'monitoring' },
        spec: {
          drain: { behavior: 'Skip' },
          pods: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        },
      },
      {
        metadata: { name: 'wait-for-batch' },
        spec: {
          drain: { behavior: 'WaitCompleted' },
          pods: [{ selector: { matchLabels: { kind: 'batch' } } }],
        },
      },
    ];
    addPod('agent', { namespace: 'monitoring' });
    addPod('keep', { labels: { 'cluster.x-k8s.io/drain': 'skip' } });
    addPod('job-by-label', { labels: { 'cluster.x-k8s.io/drain': 'wait-completed' } });
    addPod('job-by-rule', { labels: { kind: 'batch' } });
    addPod('web');

    let r = await drainer.drain(target, rules, nsLabels);
    assert.deepEqual(evictions(), ['default/web']);
    assert.deepEqual(names(r.podsToWaitCompletedNow), ['default/job-by-label', 'default/job-by-rule']);
    assert.deepEqual(names(r.podsIgnored), ['default/keep', 'monitoring/agent']);

    r = await drainer.drain(target, rules, nsLabels);
    assert.equal(r.done, false, 'the jobs still run');
    assert.deepEqual(evictions(), ['default/web']);
    await fake.delete({ ...POD, metadata: { namespace: 'default', name: 'job-by-label' } });
    await fake.delete({ ...POD, metadata: { namespace: 'default', name: 'job-by-rule' } });
    r = await drainer.drain(target, rules, nsLabels);
    assert.equal(r.done, true);
  });

  it('reports what the eviction subresource refuses, grouped by reason', async () => {
    const { fake, addPod, drainer } = setup();
    for (const name of ['guarded-1', 'guarded-2', 'gone', 'in-terminating-ns', 'broken']) addPod(name);
    fake.addReactor((req) => {
      if (req.verb !== 'createSubresource') return;
      const name = req.key?.name ?? '';
      if (name.startsWith('guarded')) {
        throw new TooManyRequestsError(
          {
            kind: 'Status',
            code: 429,
            reason: 'TooManyRequests',
            message: "Cannot evict pod as it would violate the pod's disruption budget.",
            details: {
              causes: [
                {
                  reason: 'DisruptionBudget',
                  message: 'The disruption budget guarded needs 2 healthy pods and has 2 currently',
                },
              ],
            },
          },
          429,
        );
      }
      if (name === 'gone')
        throw new NotFoundError({ code: 404, reason: 'NotFound', message: 'pods "gone" not found' }, 404);
      if (name === 'in-terminating-ns') {
        throw new ForbiddenError(
          {
            code: 403,
            reason: 'Forbidden',
            message:
              'pods "in-terminating-ns" is forbidden: unable to create new content in namespace default because it is being terminated',
            details: {
              causes: [{ reason: 'NamespaceTerminating', message: 'namespace default is being terminated' }],
            },
          },
          403,
        );
      }
      if (name === 'broken') throw new Error('connection reset');
    });

    const r = await drainer.drain(target, [], nsLabels);
    assert.deepEqual(names(r.podsNotFound), ['default/gone']);
    assert.deepEqual(
      Object.fromEntries(Object.entries(r.podsFailedEviction).map(([k, v]) => [k, names(v)])),
      {
        "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget guarded needs 2 healthy pods and has 2 currently":
          ['default/guarded-1', 'default/guarded-2'],
        'Cannot evict pod from terminating namespace: unable to create eviction (kube-controller-manager should set deletionTimestamp)':
          ['default/in-terminating-ns'],
        'connection reset': ['default/broken'],
      },
    );
    assert.equal(r.done, false);
    assert.equal(
      drainConditionMessage(r, new Date('2025-01-02T03:04:05Z')),
      'Drain not completed yet (started at 2025-01-02T03:04:05Z):\n' +
        "* Pods default/guarded-1, default/guarded-2: cannot evict pod as it would violate the pod's disruption budget. The disruption budget guarded needs 2 healthy pods and has 2 currently\n" +
        '* Pod default/in-terminating-ns: failed to evict Pod, Cannot evict pod from terminating namespace: unable to create eviction (kube-controller-manager should set deletionTimestamp)\n' +
        '* Pod default/broken: failed to evict Pod, connection reset',
    );
    const sent = fake.requestsOf('createSubresource')[0];
    assert.equal(sent?.subresource, 'eviction');
    assert.deepEqual(sent?.body, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'broken', namespace: 'default' },
      deleteOptions: {},
    });
  });

  it('stops triggering evictions when the budget of the pass is spent', async () => {
    let clock = 1_000_000;
    const { fake, addPod, drainer, evictions } = setup({ now: () => clock, budgetMs: 10_000 });
    for (const name of ['a', 'b', 'c', 'd']) addPod(name);
    fake.addReactor((req) => {
      if (req.verb === 'createSubresource') clock += 6_000;
    });
    const r = await drainer.drain(target, [], nsLabels);
    assert.deepEqual(evictions(), ['default/a', 'default/b']);
    assert.deepEqual(
      Object.fromEntries(Object.entries(r.podsFailedEviction).map(([k, v]) => [k, names(v)])),
      { 'eviction timeout of 10s reached, eviction will be retried': ['default/c', 'default/d'] },
    );
  });

  it('on an unreachable Node ignores Pods terminating for over a second and evicts with a 1 s grace period', async () => {
    const now = Date.parse('2025-06-01T12:00:00Z');
    const { fake, addPod, drainer } = setup({ ready: 'Unknown', now: () => now });
    addPod('stuck', { deletionTimestamp: '2025-06-01T11:59:57Z' });
    addPod('just-deleted', { deletionTimestamp: '2025-06-01T11:59:59Z' });
    addPod('web');
    const r = await drainer.drain(target, [], nsLabels);
    assert.deepEqual(names(r.podsIgnored), ['default/stuck']);
    assert.deepEqual(names(r.podsDeletionTimestampSet), ['default/just-deleted', 'default/web']);
    assert.deepEqual(fake.requestsOf('createSubresource')[0]?.body?.deleteOptions, { gracePeriodSeconds: 1 });
  });

  it('reports a Node that is gone as drained', async () => {
    const { fake, drainer } = setup();
    await fake.delete({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
    const r = await drainer.drain(target, [], nsLabels);
    assert.equal(r.done, true);
    assert.equal(r.nodeNotFound, true);
  });

  it('fails the pass when a verdict cannot be reached', async () => {
    const { fake, addPod, drainer, evictions } = setup();
    addPod('ds-pod', { owner: { kind: 'DaemonSet', name: 'agent' } });
    addPod('web', { namespace: 'vanished' });
    const unavailable = fake.addReactor((req) => {
      if (req.verb === 'get' && req.type.kind === 'DaemonSet')
        throw new Error('the server is currently unable to handle the request');
    });
    await assert.rejects(
      drainer.drain(target, [], nsLabels),
      new DrainError(
        'failed to get Pods for eviction: Pods with error "the server is currently unable to handle the request": default/ds-pod',
      ),
    );
    unavailable();
    fake.seed({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
    });
    const rules: MachineDrainRuleLike[] = [
      { metadata: { name: 'r' }, spec: { drain: { behavior: 'Drain' } } },
    ];
    const labels = (ns: string) => (ns === 'vanished' ? Promise.resolve(undefined) : nsLabels(ns));
    await assert.rejects(
      drainer.drain(target, rules, labels),
      new DrainError(
        'failed to get Pods for eviction: Pods with error "Pod Namespace does not exist": vanished/web',
      ),
    );
    assert.deepEqual(evictions(), [], 'nothing is evicted on a pass that failed');
  });
});
