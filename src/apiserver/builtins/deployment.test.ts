import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { daemonSetDefinition } from './daemon-set.js';
import { deploymentDefinition } from './deployment.js';
import { podDisruptionBudgetDefinition } from './pod-disruption-budget.js';

const deployment = (extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', generation: 1, annotations: { a: '1' } },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    },
    ...extra,
  },
});

describe('Deployment strategy', () => {
  const { strategy } = deploymentDefinition;

  it('applies apps/v1 defaults', () => {
    const d = deployment();
    strategy.prepareForCreate?.(d);
    const spec = d.spec as Record<string, unknown>;
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.equal((spec.template as { spec: { restartPolicy: string } }).spec.restartPolicy, 'Always');
    assert.deepEqual(strategy.validate?.(d, undefined), []);
  });

  it('requires the selector to match the template labels', () => {
    const d = deployment({ selector: { matchLabels: { app: 'other' } } });
    assert.deepEqual((strategy.validate?.(d, undefined) ?? []).map(fieldErrorMessage), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
    assert.deepEqual(
      (strategy.validate?.(deployment({ selector: undefined }), undefined) ?? []).map(fieldErrorMessage),
      ['spec.selector: Required value'],
    );
  });

  it('keeps the selector immutable and refuses non-Always restart policies', () => {
    const old = deployment();
    const d = deployment({
      selector: { matchLabels: { app: 'web', v: '2' } },
      template: {
        metadata: { labels: { app: 'web', v: '2' } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'b' }] },
      },
    });
    assert.deepEqual((strategy.validate?.(d, old) ?? []).map(fieldErrorMessage), [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });

  it('bumps the generation when only annotations change', () => {
    const old = deployment();
    strategy.prepareForCreate?.(old);
    const d = structuredClone(old);
    d.metadata = { ...d.metadata, annotations: { a: '2' } };
    strategy.prepareForUpdate?.(d, old);
    assert.equal(d.metadata.generation, 2);
  });
});

describe('DaemonSet strategy', () => {
  it('applies apps/v1 defaults', () => {
    const ds: KubeObject = {
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    };
    daemonSetDefinition.strategy.prepareForCreate?.(ds);
    assert.deepEqual((ds.spec as Record<string, unknown>).updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    assert.deepEqual(daemonSetDefinition.strategy.validate?.(ds, undefined), []);
  });
});

describe('PodDisruptionBudget validation', () => {
  const validate = (spec: Record<string, unknown>) =>
    (
      podDisruptionBudgetDefinition.strategy.validate?.({ metadata: { name: 'p' }, spec }, undefined) ?? []
    ).map(fieldErrorMessage);

  it('accepts ints and percentages', () => {
    assert.deepEqual(validate({ minAvailable: 1, selector: { matchLabels: { a: 'b' } } }), []);
    assert.deepEqual(validate({ maxUnavailable: '10%' }), []);
  });

  it('refuses negative numbers, bad percentages and both fields at once', () => {
    assert.deepEqual(validate({ minAvailable: -1 }), [
      'spec.minAvailable: Invalid value: -1: must be greater than or equal to 0',
    ]);
    assert.deepEqual(validate({ maxUnavailable: '120%' }), [
      'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
    ]);
    assert.match(
      validate({ minAvailable: 1, maxUnavailable: 1 })[0] ?? '',
      /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/,
    );
  });
});
