import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION } from '../api/v1beta2/index.js';
import { causes, CREATE, updateOf, webhookFor } from './test-helpers.js';

const rule = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'MachineDrainRule',
  metadata: { name: 'mdr-1', namespace: 'default' },
  spec,
});

describe('MachineDrainRule webhook', () => {
  const hook = webhookFor('MachineDrainRule');

  it('allows an order only with behavior Drain', async () => {
    await hook.validator.validateCreate?.(rule({ drain: { behavior: 'Drain', order: 100 } }), CREATE);
    const skip = rule({ drain: { behavior: 'Skip', order: 5 } });
    assert.deepEqual(await causes(() => hook.validator.validateUpdate?.(skip, skip, updateOf(skip))), [
      'spec.drain.order: Invalid value: 5: order must not be set if drain behavior is "Skip" or "WaitCompleted"',
    ]);
  });

  it('refuses selectors that do not parse, naming the entry', async () => {
    const bad = rule({
      drain: { behavior: 'Drain' },
      machines: [
        { selector: { matchLabels: { ok: 'yes' } } },
        { clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In' }] } },
      ],
      pods: [{ namespaceSelector: { matchLabels: { 'bad/key/x': 'v' } } }],
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(bad, CREATE)), [
      `spec.machines[1].clusterSelector: Invalid value: {"matchExpressions":[{"key":"env","operator":"In"}]}: values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty`,
      `spec.pods[0].namespaceSelector: Invalid value: {"matchLabels":{"bad/key/x":"v"}}: key: Invalid value: "bad/key/x": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]);
  });
});
