import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION, type Machine } from '../api/v1beta2/index.js';
import { causes, CREATE, denial, updateOf, webhookFor } from './test-helpers.js';

const machine = (over: Partial<Machine['spec']> = {}, labels?: Record<string, string>): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'Machine',
  metadata: { name: 'm-1', namespace: 'default', ...(labels ? { labels } : {}) },
  spec: {
    clusterName: 'c-1',
    bootstrap: { dataSecretName: 'm-1-bootstrap' },
    infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: 'm-1' },
    ...over,
  },
});

describe('Machine webhook', () => {
  const hook = webhookFor('Machine');

  it('defaults the cluster-name label, the v prefix and the node deletion timeout', async () => {
    const m = machine({ version: '1.33.1' });
    await hook.defaulter.default(m, CREATE);
    const spec = (m as unknown as Machine).spec;
    assert.equal(m.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c-1');
    assert.equal(spec.version, 'v1.33.1');
    assert.equal(spec.deletion?.nodeDeletionTimeoutSeconds, 10);
  });

  it('keeps a node deletion timeout that is set, including 0', async () => {
    const m = machine({ deletion: { nodeDeletionTimeoutSeconds: 0 } });
    await hook.defaulter.default(m, CREATE);
    assert.equal((m as unknown as Machine).spec.deletion?.nodeDeletionTimeoutSeconds, 0);
  });

  it('refuses to change spec.clusterName', async () => {
    const old = machine();
    const changed = machine({ clusterName: 'b' });
    const err = await denial(() => hook.validator.validateUpdate?.(old, changed, updateOf(old)));
    assert.equal(err.code, 422);
    assert.equal(
      err.message,
      'Machine.cluster.x-k8s.io "m-1" is invalid: spec.clusterName: Forbidden: field is immutable',
    );
    assert.deepEqual(err.causes, [
      { type: 'FieldValueForbidden', field: 'spec.clusterName', detail: 'Forbidden: field is immutable' },
    ]);
  });

  it('requires a bootstrap config reference or data secret, except for MachinePool Machines', async () => {
    const m = machine({ bootstrap: {} });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(m, CREATE)), [
      'spec.bootstrap: Required value: expected either spec.bootstrap.dataSecretName or spec.bootstrap.configRef to be populated',
    ]);
    const pooled = machine({ bootstrap: {} }, { 'cluster.x-k8s.io/pool-name': 'mp-1' });
    await hook.validator.validateCreate?.(pooled, CREATE);
  });

  it('refuses versions without v or that are not semantic versions', async () => {
    assert.deepEqual(
      await causes(() => hook.validator.validateCreate?.(machine({ version: '1.33.1' }), CREATE)),
      ['spec.version: Invalid value: "1.33.1": must start with v'],
    );
    assert.deepEqual(
      await causes(() => hook.validator.validateCreate?.(machine({ version: 'v1.33' }), CREATE)),
      ['spec.version: Invalid value: "v1.33": must be a valid semantic version'],
    );
    await hook.validator.validateCreate?.(machine({ version: 'v1.33.0-rc.1+build.7' }), CREATE);
  });

  it('refuses taints while MachineTaintPropagation is off, and reserved taint keys when it is on', async () => {
    const taint = {
      key: 'node.kubernetes.io/not-ready',
      effect: 'NoSchedule',
      propagation: 'Always',
    } as const;
    assert.deepEqual(
      await causes(() => hook.validator.validateCreate?.(machine({ taints: [taint] }), CREATE)),
      [
        'spec.taints: Forbidden: taints are not allowed to be set when the feature gate MachineTaintPropagation is disabled',
        'spec.taints[0].key: Invalid value: "node.kubernetes.io/not-ready": taint key must not have the prefix node.kubernetes.io/, except for node.kubernetes.io/out-of-service',
      ],
    );
    const gated = webhookFor('Machine', { featureGates: { MachineTaintPropagation: true } });
    const cp = {
      key: 'node-role.kubernetes.io/control-plane',
      effect: 'NoSchedule',
      propagation: 'Always',
    } as const;
    assert.deepEqual(
      await causes(() => gated.validator.validateCreate?.(machine({ taints: [cp] }), CREATE)),
      [
        'spec.taints[0].key: Invalid value: "node-role.kubernetes.io/control-plane": taint is not allowed for worker Machines',
      ],
    );
    await gated.validator.validateCreate?.(
      machine({ taints: [cp] }, { 'cluster.x-k8s.io/control-plane': '' }),
      CREATE,
    );
  });
});
