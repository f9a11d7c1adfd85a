import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from './machine-node.js';
import { nodeSyncRestoresForeignChange } from './node-sync-drift.js';

const node = (
  labels: Record<string, string>,
  annotations: Record<string, string>,
  taints = [] as { key: string; effect: string }[],
): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n', labels, annotations },
  spec: { taints },
});
const tracking = {
  'cluster.x-k8s.io/labels-from-machine': 'node-role.kubernetes.io/worker',
  'cluster.x-k8s.io/cluster-name': 'c1',
  'cluster.x-k8s.io/cluster-namespace': 'ns',
  'cluster.x-k8s.io/machine': 'm1',
};

describe('nodeSyncRestoresForeignChange', () => {
  it('a tracked label removed from the Node and put back is a correction', () => {
    const patch = { metadata: { labels: { 'node-role.kubernetes.io/worker': '' } } };
    assert.equal(nodeSyncRestoresForeignChange(node({}, tracking), patch), true);
  });

  it('the first sync of a new Node, and a changed value, are not', () => {
    const patch = { metadata: { labels: { 'node-role.kubernetes.io/worker': '' } } };
    assert.equal(nodeSyncRestoresForeignChange(node({}, {}), patch), false, 'never synced');
    assert.equal(
      nodeSyncRestoresForeignChange(node({ 'node-role.kubernetes.io/worker': 'x' }, tracking), patch),
      false,
      'a value change may be the Machine’s own',
    );
    assert.equal(nodeSyncRestoresForeignChange(node({}, tracking), undefined), false, 'nothing to patch');
  });

  it('a removed tracing annotation or an owned taint put back is a correction', () => {
    const { ['cluster.x-k8s.io/machine']: _removed, ...rest } = tracking;
    assert.equal(
      nodeSyncRestoresForeignChange(node({}, rest), {
        metadata: { annotations: { 'cluster.x-k8s.io/machine': 'm1' } },
      }),
      true,
    );
    const owned = { ...tracking, 'cluster.x-k8s.io/taints-from-machine': 'dedicated:NoSchedule' };
    assert.equal(
      nodeSyncRestoresForeignChange(node({}, owned), {
        spec: { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] },
      }),
      true,
    );
    assert.equal(
      nodeSyncRestoresForeignChange(node({}, tracking), {
        spec: { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] },
      }),
      false,
      'a taint the controller never owned',
    );
  });
});
