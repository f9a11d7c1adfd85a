import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION } from '../api/ipam/v1beta2/index.js';
import { CREATE, denial, updateOf, webhookFor } from './test-helpers.js';

const claim = (poolName: string, clusterName?: string): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'IPAddressClaim',
  metadata: { name: 'claim', namespace: 'default' },
  spec: {
    ...(clusterName ? { clusterName } : {}),
    poolRef: { apiGroup: 'ipam.cluster.x-k8s.io', kind: 'InClusterIPPool', name: poolName },
  },
});

describe('IPAddressClaim webhook', () => {
  const hook = webhookFor('IPAddressClaim');

  it('accepts any claim the schema accepts, and has no defaults', async () => {
    const obj = claim('pool');
    await hook.validator.validateCreate?.(obj, CREATE);
    await hook.defaulter.default(obj, CREATE);
    assert.deepEqual(obj, claim('pool'));
  });

  it('accepts updates that leave the spec alone', async () => {
    const old = claim('pool');
    const relabelled = { ...claim('pool'), metadata: { ...old.metadata, labels: { a: 'b' } } };
    await hook.validator.validateUpdate?.(old, relabelled, updateOf(old));
  });

  it('refuses any change of the spec with a 403, as upstream', async () => {
    for (const changed of [claim('other'), claim('pool', 'c-1')]) {
      const old = claim('pool');
      const err = await denial(() => hook.validator.validateUpdate?.(old, changed, updateOf(old)));
      assert.equal(err.code, 403);
      assert.match(err.message, /^spec: Forbidden: IPAddressClaim spec is immutable\. Diff: /);
    }
    const old = claim('pool');
    const err = await denial(() => hook.validator.validateUpdate?.(old, claim('other'), updateOf(old)));
    assert.match(err.message, /- poolRef\.name: "pool"\n\+ poolRef\.name: "other"$/);
  });
});
