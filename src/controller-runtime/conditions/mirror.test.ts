import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { getCondition } from './condition.js';
import { mirrorCondition, setMirrorCondition } from './mirror.js';

const infra: KubeObject = {
  kind: 'DockerMachine',
  metadata: { name: 'd0', generation: 9 },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 9,
        lastTransitionTime: '2025-01-01T00:00:00Z',
        reason: 'ContainerNotRunning',
        message: 'container is starting',
      },
      { type: 'Odd', status: 'Maybe', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'X', message: '' },
      {
        type: 'NoReason',
        status: 'True',
        lastTransitionTime: '2025-01-01T00:00:00Z',
        reason: '',
        message: '',
      },
    ],
  },
};

describe('mirrorCondition', () => {
  it('copies status, reason, message and transition time under the target type', () => {
    assert.deepEqual(mirrorCondition(infra, 'Ready', { targetType: 'InfrastructureReady' }), {
      type: 'InfrastructureReady',
      status: 'False',
      reason: 'ContainerNotRunning',
      message: 'container is starting',
      lastTransitionTime: '2025-01-01T00:00:00Z',
    });
  });

  it("takes the target's generation, not the source's, once set", () => {
    const target: KubeObject = { kind: 'Machine', metadata: { name: 'm', generation: 2 } };
    setMirrorCondition(infra, target, 'Ready', { targetType: 'InfrastructureReady' });
    const c = getCondition(target, 'InfrastructureReady')!;
    assert.equal(c.observedGeneration, 2);
    assert.equal(c.lastTransitionTime, '2025-01-01T00:00:00Z');
  });

  it('reports NotYetReported when the source lacks the condition (or the source is missing)', () => {
    const expected = {
      type: 'BootstrapConfigReady',
      status: 'Unknown',
      reason: 'NotYetReported',
      message: 'Condition Ready not yet reported',
    };
    assert.deepEqual(
      mirrorCondition({ metadata: {} }, 'Ready', { targetType: 'BootstrapConfigReady' }),
      expected,
    );
    assert.deepEqual(mirrorCondition(undefined, 'Ready', { targetType: 'BootstrapConfigReady' }), expected);
  });

  it('uses the fallback when given and the source lacks the condition', () => {
    assert.deepEqual(
      mirrorCondition({ metadata: {} }, 'Ready', {
        targetType: 'InfrastructureReady',
        fallback: { status: 'False', reason: 'InfrastructureNotFound', message: 'gone' },
      }),
      { type: 'InfrastructureReady', status: 'False', reason: 'InfrastructureNotFound', message: 'gone' },
    );
  });

  it('flags an invalid status and fills an empty reason', () => {
    const odd = mirrorCondition(infra, 'Odd');
    assert.equal(odd.status, 'Unknown');
    assert.equal(odd.reason, 'InvalidConditionReported');
    assert.equal(mirrorCondition(infra, 'NoReason').reason, 'NoReasonReported');
  });
});
