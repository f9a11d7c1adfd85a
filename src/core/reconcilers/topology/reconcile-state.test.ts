import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { AppliedObjects, isSubset } from './reconcile-state.js';

const md = (spec: Record<string, unknown>, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'MachineDeployment',
  metadata: { name: 'c-md-0-abcde', namespace: 'ns', labels },
  spec,
});

describe('applying only what changed', () => {
  it('a desired object is a subset of the live one when every field it sets has that value there', () => {
    const live = {
      ...md(
        { replicas: 2, template: { spec: { version: 'v1.33.0', clusterName: 'c' } } },
        { a: '1', b: '2' },
      ),
      status: { replicas: 2 },
    };
    assert.ok(isSubset(md({ replicas: 2, template: { spec: { version: 'v1.33.0' } } }, { a: '1' }), live));
    assert.ok(!isSubset(md({ replicas: 3 }), live));
    assert.ok(!isSubset(md({ template: { spec: { version: 'v1.34.0' } } }), live));
    assert.ok(!isSubset(md({}, { c: '3' }), live));
    // Lists count whole: a server-added item or default makes them differ.
    assert.ok(isSubset({ l: [1, 2] }, { l: [1, 2] }));
    assert.ok(!isSubset({ l: [1] }, { l: [1, 2] }));
  });

  it('skips an object sent before and still in place; sends it again when it changed on either side', () => {
    const applied = new AppliedObjects();
    const desired = md({ replicas: 2 }, { tier: 'web' });
    const live = md({ replicas: 2, paused: false }, { tier: 'web', other: 'x' });
    assert.equal(applied.unchanged(desired, live), false, 'never sent: send');
    applied.sent(desired);
    assert.equal(applied.unchanged(desired, live), true);
    assert.equal(applied.unchanged(desired, undefined), false, 'gone: send');
    assert.equal(applied.unchanged(desired, md({ replicas: 5 }, { tier: 'web' })), false, 'drifted: send');
    // A label dropped from the desired state: the live object still has everything, but what is sent changed,
    // so server-side apply can remove the label.
    assert.equal(applied.unchanged(md({ replicas: 2 }), live), false);
    applied.forget(desired);
    assert.equal(applied.unchanged(desired, live), false);
  });
});
