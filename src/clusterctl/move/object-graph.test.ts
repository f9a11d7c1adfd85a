import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { ObjectGraph, type DiscoveryType } from './object-graph.js';

const type = (apiVersion: string, kind: string, extra: Partial<DiscoveryType> = {}): DiscoveryType => ({
  apiVersion,
  kind,
  forceMove: false,
  forceMoveHierarchy: false,
  hasStatus: false,
  ...extra,
});
const TYPES = [
  type('cluster.x-k8s.io/v1beta2', 'Cluster', { forceMove: true, forceMoveHierarchy: true, hasStatus: true }),
  type('cluster.x-k8s.io/v1beta2', 'Machine', { hasStatus: true }),
  type('infrastructure.cluster.x-k8s.io/v1beta2', 'DevCluster', { hasStatus: true }),
  type('example.cluster.x-k8s.io/v1', 'Identity', { forceMove: true }),
  type('v1', 'Secret'),
  type('v1', 'ConfigMap'),
];

let uid = 0;
function obj(
  apiVersion: string,
  kind: string,
  name: string,
  meta: Partial<KubeObject['metadata']> = {},
): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'ns', uid: `u${++uid}`, ...meta } };
}
const ref = (o: KubeObject) => [
  { apiVersion: o.apiVersion!, kind: o.kind!, name: o.metadata.name!, uid: o.metadata.uid! },
];
const names = (nodes: { obj: KubeObject }[]) => nodes.map((n) => `${n.obj.kind}/${n.obj.metadata.name}`);

describe('ObjectGraph', () => {
  const alpha = obj('cluster.x-k8s.io/v1beta2', 'Cluster', 'alpha');
  const alphaMd = obj('cluster.x-k8s.io/v1beta2', 'Cluster', 'alpha-md');
  const dev = obj('infrastructure.cluster.x-k8s.io/v1beta2', 'DevCluster', 'alpha', {
    ownerReferences: ref(alpha),
  });
  const machine = obj('cluster.x-k8s.io/v1beta2', 'Machine', 'alpha-m1', { ownerReferences: ref(alpha) });
  const secret = (name: string, meta: Partial<KubeObject['metadata']> = {}) =>
    obj('v1', 'Secret', name, meta);
  const objects = [
    // Listed before their owners: discovery order must not matter.
    secret('alpha-m1', { ownerReferences: ref(machine) }),
    machine,
    dev,
    alpha,
    alphaMd,
    secret('alpha-ca'),
    secret('alpha-md-kubeconfig'),
    secret('alpha-md-custom', { labels: { 'cluster.x-k8s.io/cluster-name': 'alpha' } }),
    secret('alpha-foreign', {
      ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Other', name: 'x', uid: 'not-in-graph' }],
    }),
    secret('ghost-ca'),
    secret('user-credentials'),
    obj('v1', 'ConfigMap', 'alpha-addons', { labels: { 'cluster.x-k8s.io/cluster-name': 'alpha' } }),
    obj('example.cluster.x-k8s.io/v1', 'Identity', 'shared-identity'),
    obj('cluster.x-k8s.io/v1beta2', 'Machine', 'orphan-machine'),
  ];
  const graph = new ObjectGraph(objects, TYPES);

  it('gives each Cluster what it owns and the Secrets linked by label or by `<cluster>-<purpose>` name', () => {
    assert.deepEqual(names(graph.objectsOf(alpha.metadata.uid!)).sort(), [
      'Cluster/alpha',
      'ConfigMap/alpha-addons',
      'DevCluster/alpha',
      'Machine/alpha-m1',
      'Secret/alpha-ca',
      'Secret/alpha-m1',
      'Secret/alpha-md-custom',
    ]);
    // The name rule splits at the last dash: `alpha-md-kubeconfig` belongs to Cluster alpha-md, not alpha.
    assert.deepEqual(names(graph.objectsOf(alphaMd.metadata.uid!)).sort(), [
      'Cluster/alpha-md',
      'Secret/alpha-md-kubeconfig',
    ]);
  });

  it('leaves out objects of no cluster, and Secrets someone else owns, but takes force-moved kinds', () => {
    const moved = names(graph.order);
    for (const k of [
      'Secret/ghost-ca',
      'Secret/user-credentials',
      'Secret/alpha-foreign',
      'Machine/orphan-machine',
    ]) {
      assert.ok(!moved.includes(k), k);
    }
    assert.deepEqual(names(graph.globals()), ['Identity/shared-identity']);
  });

  it('orders owners before what they own', () => {
    const order = names(graph.order);
    const before = (a: string, b: string) =>
      assert.ok(order.indexOf(a) < order.indexOf(b), `${a} before ${b}`);
    before('Cluster/alpha', 'DevCluster/alpha');
    before('Cluster/alpha', 'Machine/alpha-m1');
    before('Machine/alpha-m1', 'Secret/alpha-m1');
    before('Cluster/alpha', 'Secret/alpha-ca');
  });

  it('notes objects that block the move', () => {
    const blocked = obj('cluster.x-k8s.io/v1beta2', 'Cluster', 'b', {
      annotations: { 'clusterctl.cluster.x-k8s.io/block-move': '' },
    });
    const g = new ObjectGraph([blocked], TYPES);
    assert.equal(g.get(blocked.metadata.uid!)?.blocking, true);
  });
});
