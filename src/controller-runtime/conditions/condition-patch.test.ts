import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition } from './condition.js';
import { applyConditionChanges, ConditionConflictError, diffConditions } from './condition-patch.js';

const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-02-01T00:00:00Z';

function c(type: string, status: Condition['status'], reason = 'R', time = T0): Condition {
  return { type, status, reason, message: '', lastTransitionTime: time };
}

describe('diffConditions', () => {
  it('finds added, changed and removed types', () => {
    const before = [c('A', 'True'), c('B', 'True'), c('C', 'True')];
    const after = [c('A', 'True'), c('B', 'False', 'R', T1), c('D', 'True')];
    assert.deepEqual(
      diffConditions(before, after).map((ch) => [ch.op, ch.op === 'remove' ? ch.before.type : ch.after.type]),
      [
        ['change', 'B'],
        ['add', 'D'],
        ['remove', 'C'],
      ],
    );
  });
});

describe('applyConditionChanges', () => {
  it('replays our changes and keeps what others added', () => {
    const before = [c('Ready', 'False')];
    const after = [c('Ready', 'True', 'R', T1)];
    const latest = [c('Ready', 'False'), c('Paused', 'False')];
    const merged = applyConditionChanges(latest, diffConditions(before, after));
    assert.deepEqual(merged, [c('Ready', 'True', 'R', T1), c('Paused', 'False')]);
  });

  it('conflicts when another writer changed the same condition differently', () => {
    const changes = diffConditions([c('Ready', 'False')], [c('Ready', 'True', 'Mine', T1)]);
    assert.throws(
      () => applyConditionChanges([c('Ready', 'Unknown', 'Theirs', T1)], changes),
      (err: unknown) =>
        err instanceof ConditionConflictError && err.op === 'change' && err.conditionType === 'Ready',
    );
    assert.throws(() => applyConditionChanges([], changes), ConditionConflictError);
  });

  it('accepts a concurrent change to the same value and keeps its transition time', () => {
    const changes = diffConditions([c('Ready', 'False')], [c('Ready', 'True', 'R', T1)]);
    assert.deepEqual(applyConditionChanges([c('Ready', 'True', 'R', T0)], changes), [
      c('Ready', 'True', 'R', T0),
    ]);
  });

  it('lets owned types win', () => {
    const changes = diffConditions([], [c('Ready', 'True', 'Mine')]);
    assert.throws(
      () => applyConditionChanges([c('Ready', 'False', 'Theirs')], changes),
      ConditionConflictError,
    );
    const merged = applyConditionChanges([c('Ready', 'False', 'Theirs')], changes, {
      ownedConditionTypes: ['Ready'],
    });
    assert.equal(merged[0]!.reason, 'Mine');
    const forced = applyConditionChanges([c('Ready', 'False', 'Theirs')], changes, { forceOverwrite: true });
    assert.equal(forced[0]!.reason, 'Mine');
  });

  it('removes only what is still as we saw it', () => {
    const changes = diffConditions([c('Paused', 'False')], []);
    assert.deepEqual(applyConditionChanges([c('Paused', 'False'), c('Ready', 'True')], changes), [
      c('Ready', 'True'),
    ]);
    assert.deepEqual(applyConditionChanges([c('Ready', 'True')], changes), [c('Ready', 'True')]);
    assert.throws(() => applyConditionChanges([c('Paused', 'True')], changes), ConditionConflictError);
  });
});
