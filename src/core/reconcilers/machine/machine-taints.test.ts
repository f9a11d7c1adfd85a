import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MachineTaint } from '../../api/v1beta2/common-types.js';
import {
  InvalidRevisionError,
  InvalidTaintsAnnotationError,
  isOutdatedRevision,
  propagateMachineTaints,
  revisionOf,
} from './machine-taints.js';

const always = (key: string, effect: MachineTaint['effect'], value?: string): MachineTaint => ({
  key,
  effect,
  propagation: 'Always',
  ...(value ? { value } : {}),
});
const onInit = (key: string, effect: MachineTaint['effect'], value?: string): MachineTaint => ({
  key,
  effect,
  propagation: 'OnInitialization',
  ...(value ? { value } : {}),
});
const foreign = { key: 'other.io/theirs', effect: 'NoSchedule' };

describe('propagateMachineTaints', () => {
  it('puts Always and OnInitialization taints on a Node Cluster API has not synced yet, tracking only Always', () => {
    const out = propagateMachineTaints([foreign], undefined, [
      always('b.io/x', 'NoSchedule', 'v'),
      onInit('a.io/init', 'PreferNoSchedule'),
      always('a.io/y', 'NoExecute'),
    ]);
    assert.deepEqual(out.taints, [
      foreign,
      { key: 'b.io/x', effect: 'NoSchedule', value: 'v' },
      { key: 'a.io/init', effect: 'PreferNoSchedule' },
      { key: 'a.io/y', effect: 'NoExecute' },
    ]);
    assert.equal(out.annotation, 'a.io/y:NoExecute,b.io/x:NoSchedule');
  });

  it('writes an empty annotation on first sync, so OnInitialization taints are never added again', () => {
    const first = propagateMachineTaints([], undefined, [onInit('a.io/init', 'NoSchedule')]);
    assert.deepEqual(first, { taints: [{ key: 'a.io/init', effect: 'NoSchedule' }], annotation: '' });
    // Someone removed it from the Node: it stays removed.
    assert.deepEqual(propagateMachineTaints([], '', [onInit('a.io/init', 'NoSchedule')]), {
      taints: [],
      annotation: '',
    });
  });

  it('adds back a removed Always taint and corrects its value in place', () => {
    assert.deepEqual(
      propagateMachineTaints([foreign], 'b.io/x:NoSchedule', [always('b.io/x', 'NoSchedule', 'v')]).taints,
      [foreign, { key: 'b.io/x', effect: 'NoSchedule', value: 'v' }],
    );
    assert.deepEqual(
      propagateMachineTaints(
        [{ key: 'b.io/x', effect: 'NoSchedule', value: 'old' }, foreign],
        'b.io/x:NoSchedule',
        [always('b.io/x', 'NoSchedule', 'new')],
      ).taints,
      [{ key: 'b.io/x', effect: 'NoSchedule', value: 'new' }, foreign],
    );
  });

  it('removes tracked taints the Machine dropped, never taints of others (same key, other effect included)', () => {
    const out = propagateMachineTaints(
      [{ key: 'b.io/x', effect: 'NoSchedule', value: 'v' }, { key: 'b.io/x', effect: 'NoExecute' }, foreign],
      'b.io/x:NoSchedule',
      [],
    );
    assert.deepEqual(out, { taints: [{ key: 'b.io/x', effect: 'NoExecute' }, foreign], annotation: '' });
  });

  it('keeps a taint that turned from Always into OnInitialization, and stops tracking it', () => {
    const out = propagateMachineTaints([{ key: 'b.io/x', effect: 'NoSchedule' }], 'b.io/x:NoSchedule', [
      onInit('b.io/x', 'NoSchedule'),
    ]);
    assert.deepEqual(out, { taints: [{ key: 'b.io/x', effect: 'NoSchedule' }], annotation: '' });
  });

  it('refuses a tracking annotation whose entries are not key:effect', () => {
    assert.throws(() => propagateMachineTaints([], 'nonsense', []), InvalidTaintsAnnotationError);
  });
});

describe('outdated revision', () => {
  const obj = (kind: string, revision?: string) => ({
    kind,
    metadata: {
      name: kind.toLowerCase(),
      ...(revision === undefined
        ? {}
        : { annotations: { 'machinedeployment.clusters.x-k8s.io/revision': revision } }),
    },
  });

  it('is outdated only when the MachineSet revision is lower than the MachineDeployment one', () => {
    assert.equal(isOutdatedRevision(obj('MachineSet', '1'), obj('MachineDeployment', '2')), true);
    assert.equal(isOutdatedRevision(obj('MachineSet', '2'), obj('MachineDeployment', '2')), false);
    assert.equal(isOutdatedRevision(obj('MachineSet', '3'), obj('MachineDeployment', '2')), false);
    // A missing annotation is revision 0.
    assert.equal(isOutdatedRevision(obj('MachineSet'), obj('MachineDeployment', '1')), true);
    assert.equal(isOutdatedRevision(obj('MachineSet', '1'), obj('MachineDeployment')), false);
  });

  it('never marks stand-alone Machines or MachineSets', () => {
    assert.equal(isOutdatedRevision(undefined, obj('MachineDeployment', '5')), false);
    assert.equal(isOutdatedRevision(obj('MachineSet', '1'), undefined), false);
  });

  it('refuses a revision that is not a whole number', () => {
    assert.equal(revisionOf(obj('MachineSet', '+7')), 7);
    assert.throws(() => revisionOf(obj('MachineSet', 'two')), InvalidRevisionError);
    assert.throws(() => revisionOf(obj('MachineSet', '1.5')), InvalidRevisionError);
  });
});
