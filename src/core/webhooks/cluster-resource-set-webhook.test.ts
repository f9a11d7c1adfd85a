import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION } from '../api/addons/v1beta2/index.js';
import { causes, CREATE, denial, updateOf, webhookFor } from './test-helpers.js';

const crs = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'ClusterResourceSet',
  metadata: { name: 'cni', namespace: 'default' },
  spec: { resources: [{ kind: 'ConfigMap', name: 'calico' }], ...spec },
});

const binding = (clusterName: string): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'ClusterResourceSetBinding',
  metadata: { name: 'c-1', namespace: 'default' },
  spec: { clusterName },
});

describe('ClusterResourceSet webhook', () => {
  const hook = webhookFor('ClusterResourceSet');

  it('defaults the strategy to ApplyOnce', async () => {
    const obj = crs({ clusterSelector: { matchLabels: { cni: 'calico' } } });
    await hook.defaulter.default(obj, CREATE);
    assert.equal((obj.spec as { strategy?: string }).strategy, 'ApplyOnce');
  });

  it('refuses an empty cluster selector, which would select no Cluster', async () => {
    assert.deepEqual(
      await causes(() => hook.validator.validateCreate?.(crs({ clusterSelector: {} }), CREATE)),
      ['spec.clusterSelector: Invalid value: {}: selector must not be empty'],
    );
  });

  it('keeps strategy and cluster selector immutable', async () => {
    const old = crs({ clusterSelector: { matchLabels: { cni: 'calico' } }, strategy: 'ApplyOnce' });
    const changed = crs({ clusterSelector: { matchLabels: { cni: 'cilium' } }, strategy: 'Reconcile' });
    const err = await denial(() => hook.validator.validateUpdate?.(old, changed, updateOf(old)));
    assert.equal(
      err.message,
      'ClusterResourceSet.addons.cluster.x-k8s.io "cni" is invalid: [spec.strategy: Invalid value: "Reconcile": field is immutable, spec.clusterSelector: Invalid value: {"matchLabels":{"cni":"cilium"}}: field is immutable]',
    );
  });
});

describe('ClusterResourceSetBinding webhook', () => {
  const hook = webhookFor('ClusterResourceSetBinding');

  it('keeps spec.clusterName immutable once set', async () => {
    const old = binding('a');
    assert.deepEqual(await causes(() => hook.validator.validateUpdate?.(old, binding('b'), updateOf(old))), [
      'spec.clusterName: Invalid value: "b": field is immutable',
    ]);
    const unset = binding('');
    await hook.validator.validateUpdate?.(unset, binding('b'), updateOf(unset));
  });
});
