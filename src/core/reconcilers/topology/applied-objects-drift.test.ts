import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { AppliedObjects } from './reconcile-state.js';

const md = (rv: string, replicas: number, labels: Record<string, string> = { tier: 'web' }): KubeObject => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'MachineDeployment',
  metadata: { name: 'md', namespace: 'ns', labels, ...(rv ? { resourceVersion: rv } : {}) },
  spec: { replicas },
});

describe('AppliedObjects drift', () => {
  it('a later version without what was applied is drift; the controller’s own changes and stale reads are not', () => {
    const corrected: string[] = [];
    const applied = new AppliedObjects((o) => corrected.push(o.kind ?? ''));
    const desired = md('', 2);
    assert.equal(applied.drifted(desired, md('10', 5)), false, 'never applied: a first write');
    applied.sent(desired, md('10', 2));
    assert.equal(applied.drifted(desired, md('10', 2)), false, 'unchanged');
    assert.equal(applied.drifted(desired, md('12', 2, { tier: 'web', other: 'x' })), false, 'others’ fields');
    assert.equal(applied.drifted(desired, md('9', 1)), false, 'an older version (stale read)');
    assert.equal(applied.drifted(desired, md('12', 5)), true, 'replicas changed by someone else');
    assert.equal(applied.drifted(desired, md('12', 2, {})), true, 'label removed by someone else');
    assert.equal(applied.drifted(md('', 4), md('12', 2)), false, 'the desired state changed: our own change');
    applied.corrected(desired);
    assert.deepEqual(corrected, ['MachineDeployment']);
  });

  it('an apply whose answer did not hold what was sent (normalised by the server) never counts', () => {
    const applied = new AppliedObjects();
    const desired = md('', 2);
    applied.sent(desired, md('10', 3));
    assert.equal(applied.drifted(desired, md('12', 5)), false);
    const restarted = new AppliedObjects();
    assert.equal(restarted.drifted(desired, md('12', 5)), false, 'after a restart nothing was sent yet');
  });
});
