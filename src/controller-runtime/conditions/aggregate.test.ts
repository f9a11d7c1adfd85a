import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { aggregateCondition } from './aggregate.js';
import type { ConditionStatus } from './condition.js';
import { InvalidConditionOptionsError } from './errors.js';
import { defaultMergeStrategy, defaultMergePriority, computeMergeReason } from './merge-strategy.js';

function obj(
  name: string,
  condition?: { status: ConditionStatus; reason?: string; message?: string; type?: string; time?: string },
  kind = 'Machine',
  labels?: Record<string, string>,
): KubeObject {
  return {
    kind,
    metadata: { name, ...(labels ? { labels } : {}) },
    status: condition
      ? {
          conditions: [
            {
              type: condition.type ?? 'Ready',
              status: condition.status,
              reason: condition.reason ?? 'R',
              message: condition.message ?? '',
              lastTransitionTime: condition.time ?? '2025-01-01T00:00:00Z',
            },
          ],
        }
      : {},
  };
}

describe('aggregateCondition', () => {
  it('is False and names the object when one source reports an issue', () => {
    const c = aggregateCondition(
      [
        obj('m0', { status: 'False', message: 'Message-1' }),
        obj('m1', { status: 'True', message: 'Message-99' }),
      ],
      'Ready',
      { targetType: 'MachinesReady' },
    );
    assert.deepEqual(c, {
      type: 'MachinesReady',
      status: 'False',
      reason: 'IssuesReported',
      message: '* Machine m0: Message-1',
    });
  });

  it('groups the same message from several objects and counts beyond three', () => {
    const sources = ['m0', 'm1', 'm2', 'm3', 'm4'].map((n) =>
      obj(n, { status: 'False', message: 'Message-1' }),
    );
    sources.push(obj('m5', { status: 'True', message: 'Message-99' }));
    assert.equal(
      aggregateCondition(sources, 'Ready').message,
      '* Machines m0, m1, m2, ... (2 more): Message-1',
    );
    assert.equal(
      aggregateCondition(sources.slice(0, 3), 'Ready').message,
      '* Machines m0, m1, m2: Message-1',
    );
  });

  it('shows at most three messages, most common first, and counts the other objects', () => {
    const sources = [
      obj('a0', { status: 'False', message: 'disk full' }),
      obj('a1', { status: 'False', message: 'disk full' }),
      obj('b0', { status: 'False', message: 'no network' }),
      obj('c0', { status: 'False', message: 'kernel panic' }),
      obj('d0', { status: 'False', message: 'out of memory' }),
      obj('e0', { status: 'Unknown', message: 'unreachable' }),
      obj('f0', { status: 'Unknown', message: 'unreachable' }),
    ];
    assert.equal(
      aggregateCondition(sources, 'Ready').message,
      [
        '* Machines a0, a1: disk full',
        '* Machine b0: no network',
        '* Machine c0: kernel panic',
        'And 1 Machine with other issues',
        'And 2 Machines with status unknown',
      ].join('\n'),
    );
  });

  it('is Unknown when a source has not reported the condition yet', () => {
    const c = aggregateCondition([obj('m0', { status: 'True' }), obj('m1')], 'Ready');
    assert.equal(c.status, 'Unknown');
    assert.equal(c.reason, 'UnknownReported');
    assert.equal(c.message, '* Machine m1: Condition Ready not yet reported');
  });

  it('is True when all sources are fine, listing only non-empty messages', () => {
    const c = aggregateCondition(
      [obj('m0', { status: 'True', message: 'ok' }), obj('m1', { status: 'True' })],
      'Ready',
    );
    assert.deepEqual(c, {
      type: 'Ready',
      status: 'True',
      reason: 'InfoReported',
      message: '* Machine m0: ok',
    });
  });

  it('keeps negative polarity for the result', () => {
    const c = aggregateCondition(
      [
        obj('m0', { type: 'ScalingUp', status: 'True', message: 'up' }),
        obj('m1', { type: 'ScalingUp', status: 'False' }),
      ],
      'ScalingUp',
      { negativePolarityConditionTypes: ['ScalingUp'] },
    );
    assert.equal(c.status, 'True');
    assert.equal(c.message, '* Machine m0: up');
    assert.throws(
      () => aggregateCondition([obj('m0')], 'ScalingUp', { negativePolarityConditionTypes: ['Other'] }),
      InvalidConditionOptionsError,
    );
  });

  it('lists prioritized sources first', () => {
    const sources = [
      obj('w0', { status: 'False', message: 'worker broken' }),
      obj('w1', { status: 'False', message: 'worker broken' }),
      obj('cp0', { status: 'False', message: 'etcd down' }, 'Machine', {
        'cluster.x-k8s.io/control-plane': '',
      }),
    ];
    const c = aggregateCondition(sources, 'Ready', {
      prioritize: (s) => s.metadata?.labels?.['cluster.x-k8s.io/control-plane'] !== undefined,
    });
    assert.equal(c.message, '* Machine cp0: etcd down\n* Machines w0, w1: worker broken');
  });

  it('groups by kind', () => {
    const c = aggregateCondition(
      [
        obj('p0', { status: 'False', message: 'x' }, 'MachinePool'),
        obj('m0', { status: 'False', message: 'x' }),
      ],
      'Ready',
    );
    assert.equal(c.message, '* Machine m0: x\n* MachinePool p0: x');
  });

  it('accepts a custom merge strategy', () => {
    const c = aggregateCondition([obj('m0', { status: 'False', message: 'm' })], 'Ready', {
      mergeStrategy: defaultMergeStrategy({
        getPriority: defaultMergePriority(),
        computeReason: computeMergeReason('Bad', 'Dunno', 'Good'),
      }),
    });
    assert.equal(c.reason, 'Bad');
  });

  it('rejects an empty source list', () => {
    assert.throws(() => aggregateCondition([], 'Ready'), InvalidConditionOptionsError);
  });
});
