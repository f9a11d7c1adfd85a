import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { type Node, nodeSyncPatch } from './machine-node.js';
import type { NodeTaint } from './machine-taints.js';

const UNINITIALIZED = { key: 'node.cluster.x-k8s.io/uninitialized', effect: 'NoSchedule' };
const OUTDATED = { key: 'node.cluster.x-k8s.io/outdated-revision', effect: 'PreferNoSchedule' };

const machine = (spec: Partial<Machine['spec']> = {}, labels: Record<string, string> = {}): Stored<Machine> =>
  ({
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Machine',
    metadata: { name: 'm', namespace: 'ns', labels },
    spec: { clusterName: 'c', infrastructureRef: { apiGroup: 'x', kind: 'DevMachine', name: 'm' }, ...spec },
  }) as unknown as Stored<Machine>;

const node = (taints: NodeTaint[], annotations = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n', resourceVersion: '7', annotations, labels: {} },
  spec: { taints },
});

/** The Node as it is after the patch (what the API server's merge would make of it). */
function applied(n: Node, patch: Record<string, unknown> | undefined): Node {
  if (!patch) return n;
  const md = (patch.metadata ?? {}) as {
    labels?: Record<string, string | null>;
    annotations?: Record<string, string | null>;
  };
  const merge = (a: Record<string, string> = {}, b: Record<string, string | null> = {}) =>
    Object.fromEntries(Object.entries({ ...a, ...b }).filter((e): e is [string, string] => e[1] !== null));
  return {
    ...n,
    metadata: {
      ...n.metadata,
      labels: merge(n.metadata.labels, md.labels),
      annotations: merge(n.metadata.annotations, md.annotations),
    },
    spec: { ...n.spec, ...((patch.spec as object | undefined) ?? {}) },
  };
}

describe('nodeSyncPatch', () => {
  it('removes the uninitialized taint and adds OnInitialization and Always taints in the same patch', () => {
    const m = machine({
      taints: [
        { key: 'a.io/always', value: 'v', effect: 'NoSchedule', propagation: 'Always' },
        { key: 'a.io/init', effect: 'PreferNoSchedule', propagation: 'OnInitialization' },
      ],
    });
    const patch = nodeSyncPatch(node([UNINITIALIZED]), m, { machineTaints: m.spec.taints! });
    assert.deepEqual((patch?.spec as Node['spec'])?.taints, [
      { key: 'a.io/always', effect: 'NoSchedule', value: 'v' },
      { key: 'a.io/init', effect: 'PreferNoSchedule' },
    ]);
    const annotations = (patch?.metadata as { annotations: Record<string, string> }).annotations;
    assert.equal(annotations['cluster.x-k8s.io/taints-from-machine'], 'a.io/always:NoSchedule');
    assert.equal((patch?.metadata as { resourceVersion: string }).resourceVersion, '7');
    // Applied, the Node needs nothing more.
    assert.equal(
      nodeSyncPatch(applied(node([UNINITIALIZED]), patch), m, { machineTaints: m.spec.taints! }),
      undefined,
    );
  });

  it('leaves taints and the tracking annotation alone while MachineTaintPropagation is off', () => {
    const m = machine({ taints: [{ key: 'a.io/always', effect: 'NoSchedule', propagation: 'Always' }] });
    const patch = nodeSyncPatch(node([{ key: 'x.io/y', effect: 'NoExecute' }]), m, {});
    assert.equal(patch?.spec, undefined);
    assert.equal(
      (patch?.metadata as { annotations: Record<string, string> }).annotations[
        'cluster.x-k8s.io/taints-from-machine'
      ],
      undefined,
    );
  });

  it('adds the outdated-revision taint while outdated and removes it afterwards', () => {
    const m = machine();
    const tainted = applied(node([]), nodeSyncPatch(node([]), m, { outdatedRevision: true }));
    assert.deepEqual(tainted.spec?.taints, [OUTDATED]);
    assert.equal(nodeSyncPatch(tainted, m, { outdatedRevision: true }), undefined);
    const cleared = applied(tainted, nodeSyncPatch(tainted, m, { outdatedRevision: false }));
    assert.deepEqual(cleared.spec?.taints, []);
  });

  it('labels interruptible Nodes and removes the label once the instance is no longer interruptible', () => {
    const m = machine({}, { 'node-role.kubernetes.io/worker': '', other: 'x' });
    const labelled = applied(node([]), nodeSyncPatch(node([]), m, { interruptible: true }));
    assert.deepEqual(labelled.metadata.labels, {
      'cluster.x-k8s.io/interruptible': '',
      'node-role.kubernetes.io/worker': '',
    });
    assert.equal(
      labelled.metadata.annotations?.['cluster.x-k8s.io/labels-from-machine'],
      'cluster.x-k8s.io/interruptible,node-role.kubernetes.io/worker',
    );
    const unlabelled = applied(labelled, nodeSyncPatch(labelled, m, { interruptible: false }));
    assert.deepEqual(unlabelled.metadata.labels, { 'node-role.kubernetes.io/worker': '' });
  });

  it('syncs extra labels and annotations chosen by pattern, removing only the ones it synced before', () => {
    const m = machine({}, { 'team.example.com/owner': 'blue', other: 'x' });
    m.metadata.annotations = { 'cost.example.com/center': '42', 'not.synced/x': 'y' };
    const options = { syncLabels: [/^team\.example\.com\//], syncAnnotations: [/^cost\.example\.com\//] };
    const start = node([], { 'someone.else/keep': 'z' });
    const synced = applied(start, nodeSyncPatch(start, m, options));
    assert.equal(synced.metadata.labels?.['team.example.com/owner'], 'blue');
    assert.equal(synced.metadata.labels?.other, undefined);
    assert.equal(synced.metadata.annotations?.['cost.example.com/center'], '42');
    assert.equal(synced.metadata.annotations?.['not.synced/x'], undefined);
    assert.equal(
      synced.metadata.annotations?.['cluster.x-k8s.io/annotations-from-machine'],
      'cost.example.com/center',
    );
    assert.equal(nodeSyncPatch(synced, m, options), undefined, 'nothing to do once in sync');

    m.metadata.annotations = {};
    const removed = applied(synced, nodeSyncPatch(synced, m, options));
    assert.equal(removed.metadata.annotations?.['cost.example.com/center'], undefined);
    assert.equal(removed.metadata.annotations?.['someone.else/keep'], 'z');
    assert.equal(removed.metadata.annotations?.['cluster.x-k8s.io/annotations-from-machine'], '');
  });

  it('writes no annotations-from-machine when no annotation is synced', () => {
    const synced = applied(node([]), nodeSyncPatch(node([]), machine(), {}));
    assert.equal(synced.metadata.annotations?.['cluster.x-k8s.io/annotations-from-machine'], undefined);
  });
});
