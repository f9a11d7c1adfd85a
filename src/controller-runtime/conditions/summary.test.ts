import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import type { Condition } from './condition.js';
import { getCondition } from './condition.js';
import { InvalidConditionOptionsError } from './errors.js';
import { setSummaryCondition, summaryCondition } from './summary.js';

function withConditions(...conditions: Partial<Condition>[]): KubeObject {
  return {
    kind: 'Machine',
    metadata: { name: 'm0', generation: 1 },
    status: {
      conditions: conditions.map((c) => ({ lastTransitionTime: '2025-01-01T00:00:00Z', message: '', ...c })),
    },
  };
}

const scope = {
  targetType: 'Available',
  forConditionTypes: ['A', 'B', '!C'],
  negativePolarityConditionTypes: ['!C'],
};

describe('summaryCondition', () => {
  it('is False with the issue listed when one condition reports an issue', () => {
    const obj = withConditions(
      { type: 'B', status: 'True', reason: 'Reason-B', message: 'Message-B' },
      { type: 'A', status: 'True', reason: 'Reason-A', message: 'Message-A' },
      { type: '!C', status: 'True', reason: 'Reason-!C', message: 'Message-!C' },
    );
    assert.deepEqual(summaryCondition(obj, scope), {
      type: 'Available',
      status: 'False',
      reason: 'IssuesReported',
      message: '* !C: Message-!C',
    });
  });

  it('uses the reason when an issue has no message', () => {
    const obj = withConditions(
      { type: 'A', status: 'True', reason: 'Reason-A' },
      { type: 'B', status: 'True', reason: 'Reason-B' },
      { type: '!C', status: 'True', reason: 'Reason-!C' },
    );
    assert.equal(summaryCondition(obj, scope).message, '* !C: Reason-!C');
  });

  it('lists issues and unknowns in the order of forConditionTypes, dropping good news', () => {
    const obj = withConditions(
      { type: 'B', status: 'False', reason: 'Reason-B', message: 'Message-B' },
      { type: 'A', status: 'Unknown', reason: 'Reason-A', message: 'Message-A' },
      { type: '!C', status: 'True', reason: 'Reason-!C', message: 'Message-!C' },
    );
    assert.deepEqual(summaryCondition(obj, scope), {
      type: 'Available',
      status: 'False',
      reason: 'IssuesReported',
      message: '* A: Message-A\n* B: Message-B\n* !C: Message-!C',
    });
  });

  it('indents multi-line and bulleted messages', () => {
    const obj = withConditions(
      { type: 'B', status: 'False', reason: 'R', message: 'Message-B' },
      { type: 'A', status: 'True', reason: 'R', message: 'Message-A' },
      { type: '!C', status: 'True', reason: 'R', message: '* Message-!C1\n* Message-!C2' },
      { type: 'D', status: 'False', reason: 'R', message: 'Message-D\n* More message-D' },
    );
    const c = summaryCondition(obj, { ...scope, forConditionTypes: ['A', 'B', '!C', 'D'] });
    assert.equal(
      c.message,
      '* B: Message-B\n* !C:\n  * Message-!C1\n  * Message-!C2\n* D:\n  * Message-D\n    * More message-D',
    );
  });

  it('is Unknown when nothing is wrong but something is unknown', () => {
    const obj = withConditions(
      { type: 'A', status: 'True', reason: 'R', message: 'fine' },
      { type: 'B', status: 'Unknown', reason: 'Reason-B', message: 'no idea' },
      { type: '!C', status: 'False', reason: 'R' },
    );
    assert.deepEqual(summaryCondition(obj, scope), {
      type: 'Available',
      status: 'Unknown',
      reason: 'UnknownReported',
      message: '* B: no idea',
    });
  });

  it('is True when everything is in its normal state, keeping the non-empty messages', () => {
    const obj = withConditions(
      { type: 'A', status: 'True', reason: 'R', message: 'all good' },
      { type: 'B', status: 'True', reason: 'R' },
      { type: '!C', status: 'False', reason: 'R' },
    );
    assert.deepEqual(summaryCondition(obj, scope), {
      type: 'Available',
      status: 'True',
      reason: 'InfoReported',
      message: '* A: all good',
    });
  });

  it('counts missing conditions as Unknown unless told to ignore them', () => {
    const obj = withConditions({ type: 'A', status: 'True', reason: 'R' });
    const c = summaryCondition(obj, { targetType: 'Ready', forConditionTypes: ['A', 'B'] });
    assert.equal(c.status, 'Unknown');
    assert.equal(c.message, '* B: Condition not yet reported');
    const ignored = summaryCondition(obj, {
      targetType: 'Ready',
      forConditionTypes: ['A', 'B'],
      ignoreTypesIfMissing: ['B'],
    });
    assert.equal(ignored.status, 'True');
  });

  it('ignores conditions outside forConditionTypes', () => {
    const obj = withConditions(
      { type: 'A', status: 'True', reason: 'R' },
      { type: 'X', status: 'False', reason: 'R' },
    );
    assert.equal(summaryCondition(obj, { targetType: 'Ready', forConditionTypes: ['A'] }).status, 'True');
  });

  it('applies overrides for the computation only', () => {
    const obj = withConditions({ type: 'A', status: 'True', reason: 'R' });
    const c = summaryCondition(obj, {
      targetType: 'Ready',
      forConditionTypes: ['A'],
      overrideConditions: [{ type: 'A', status: 'False', reason: 'Overridden', message: 'pretend' }],
    });
    assert.equal(c.status, 'False');
    assert.equal(c.message, '* A: pretend');
    assert.equal(getCondition(obj, 'A')!.status, 'True');
  });

  it('rejects options that cannot give a meaningful summary', () => {
    const obj = withConditions({ type: 'A', status: 'True', reason: 'R' });
    assert.throws(
      () => summaryCondition(obj, { targetType: 'Ready', forConditionTypes: [] }),
      InvalidConditionOptionsError,
    );
    assert.throws(
      () => summaryCondition(obj, { targetType: 'Ready', forConditionTypes: ['Ready', 'A'] }),
      InvalidConditionOptionsError,
    );
    assert.throws(
      () =>
        summaryCondition(obj, { targetType: 'Ready', forConditionTypes: ['B'], ignoreTypesIfMissing: ['B'] }),
      InvalidConditionOptionsError,
    );
    assert.throws(
      () =>
        summaryCondition(obj, {
          targetType: 'Ready',
          forConditionTypes: ['A'],
          overrideConditions: [{ type: 'Z', status: 'True', reason: 'R' }],
        }),
      InvalidConditionOptionsError,
    );
  });

  it('setSummaryCondition writes the result onto the object', () => {
    const obj = withConditions({ type: 'A', status: 'False', reason: 'R', message: 'broken' });
    assert.equal(setSummaryCondition(obj, { targetType: 'Ready', forConditionTypes: ['A'] }), true);
    assert.equal(getCondition(obj, 'Ready')!.message, '* A: broken');
    assert.equal(getCondition(obj, 'Ready')!.observedGeneration, 1);
  });
});
