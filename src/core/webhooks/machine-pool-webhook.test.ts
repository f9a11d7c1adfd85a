import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION, type MachinePool } from '../api/v1beta2/index.js';
import { causes, CREATE, DELETE, denial, updateOf, webhookFor } from './test-helpers.js';

type Spec = MachinePool['spec'];

const mp = (over: Partial<Spec['template']['spec']> = {}, clusterName = 'c-1'): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'MachinePool',
  metadata: { name: 'mp-1', namespace: 'default' },
  spec: {
    clusterName,
    template: {
      spec: {
        clusterName: 'c-1',
        bootstrap: { dataSecretName: 'data' },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachinePool',
          name: 'i',
        },
        ...over,
      },
    },
  },
});

describe('MachinePool webhook', () => {
  const hook = webhookFor('MachinePool');

  it('defaults the label, replicas, node deletion timeout and the v prefix', async () => {
    const obj = mp({ version: '1.31.2' });
    await hook.defaulter.default(obj, CREATE);
    const spec = (obj as unknown as MachinePool).spec;
    assert.equal(obj.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c-1');
    assert.equal(spec.replicas, 1);
    assert.equal(spec.template.spec.deletion?.nodeDeletionTimeoutSeconds, 10);
    assert.equal(spec.template.spec.version, 'v1.31.2');
  });

  it('refuses taints on MachinePools, as upstream does, and a changed clusterName', async () => {
    const old = mp();
    const changed = mp({ taints: [{ key: 'a', effect: 'NoSchedule', propagation: 'Always' }] }, 'c-2');
    assert.deepEqual(await causes(() => hook.validator.validateUpdate?.(old, changed, updateOf(old))), [
      'spec.clusterName: Forbidden: field is immutable',
      'spec.clusterName: Invalid value: "c-2": spec.clusterName and spec.template.spec.clusterName must be set to the same value',
      'spec.taints: Forbidden: taints feature for MachinePools is not yet implemented',
      'spec.taints: Forbidden: taints are not allowed to be set when the feature gate MachineTaintPropagation is disabled',
    ]);
  });

  it('refuses every operation, deletes included, while the MachinePool feature gate is off', async () => {
    const off = webhookFor('MachinePool', { featureGates: { MachinePool: false } });
    const err = await denial(() => off.validator.validateDelete?.(mp(), DELETE));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'spec: Forbidden: can be set only if the MachinePool feature flag is enabled');
  });
});
