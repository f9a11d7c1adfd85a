import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION, type MachineDeployment } from '../api/v1beta2/index.js';
import { causes, CREATE, denial, updateOf, webhookFor } from './test-helpers.js';

type Spec = MachineDeployment['spec'];

const md = (over: Partial<Spec> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'MachineDeployment',
  metadata: { name: 'md-0', namespace: 'default', ...meta },
  spec: {
    clusterName: 'c-1',
    selector: { matchLabels: { pool: 'a' } },
    template: {
      metadata: { labels: { pool: 'a' } },
      spec: {
        clusterName: 'c-1',
        bootstrap: {
          configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfigTemplate', name: 'b' },
        },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachineTemplate',
          name: 'i',
        },
      },
    },
    ...over,
  },
});

const specOf = (o: KubeObject): Spec => (o as unknown as MachineDeployment).spec;

describe('MachineDeployment webhook', () => {
  const hook = webhookFor('MachineDeployment');

  it('defaults replicas, RollingUpdate 1/0, cluster-name on object, selector and template, and the v prefix', async () => {
    const obj = md({ selector: {}, template: { ...specOf(md()).template, metadata: {} } });
    specOf(obj).template.spec.version = '1.33.0';
    await hook.defaulter.default(obj, CREATE);
    const spec = specOf(obj);
    assert.equal(obj.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c-1');
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.rollout, {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
    const selected = { 'cluster.x-k8s.io/deployment-name': 'md-0', 'cluster.x-k8s.io/cluster-name': 'c-1' };
    assert.deepEqual(spec.selector.matchLabels, selected);
    assert.deepEqual(spec.template.metadata?.labels, selected);
    assert.equal(spec.template.spec.version, 'v1.33.0');
  });

  it('leaves rolling update limits alone for OnDelete and keeps limits that are set', async () => {
    const onDelete = md({ rollout: { strategy: { type: 'OnDelete' } } });
    await hook.defaulter.default(onDelete, CREATE);
    assert.deepEqual(specOf(onDelete).rollout, { strategy: { type: 'OnDelete' } });
    const set = md({ rollout: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '20%' } } } });
    await hook.defaulter.default(set, CREATE);
    assert.deepEqual(specOf(set).rollout?.strategy?.rollingUpdate, { maxSurge: '20%', maxUnavailable: 0 });
  });

  it('keeps replicas of an existing MachineDeployment handed to the autoscaler when within min/max', async () => {
    const annotations = {
      'cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size': '2',
      'cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size': '10',
    };
    const updated = md({}, { annotations });
    await hook.defaulter.default(updated, updateOf(md({ replicas: 6 })));
    assert.equal(specOf(updated).replicas, 6);
  });

  it('refuses maxSurge and maxUnavailable both 0, and values that are neither int nor percentage', async () => {
    const zero = md({
      rollout: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } },
    });
    const err = await denial(() => hook.validator.validateCreate?.(zero, CREATE));
    assert.equal(
      err.message,
      'MachineDeployment.cluster.x-k8s.io "md-0" is invalid: spec.rollout.strategy.rollingUpdate: Invalid value: "0": maxUnavailable and maxSurge cannot both be 0',
    );
    const bad = md({
      rollout: {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'one', maxUnavailable: 'x%' } },
      },
      remediation: { maxInFlight: '10' },
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(bad, CREATE)), [
      'spec.rollout.strategy.rollingUpdate.maxUnavailable: Invalid value: "x%": must be either an int or a percentage: invalid value for IntOrString: invalid value "x%": strconv.Atoi: parsing "x": invalid syntax',
      'spec.rollout.strategy.rollingUpdate.maxSurge: Invalid value: "one": must be either an int or a percentage: invalid value for IntOrString: invalid type: string is not a percentage',
      'spec.remediation.maxInFlight: Invalid value: "10": must be either an int or a percentage: invalid value for IntOrString: invalid type: string is not a percentage',
    ]);
    const percents = md({
      rollout: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '0%', maxUnavailable: 0 } } },
    });
    await hook.validator.validateCreate?.(percents, CREATE);
  });

  it('refuses a selector that does not match the template labels (as Forbidden, like upstream)', async () => {
    const obj = md({
      selector: { matchExpressions: [{ key: 'pool', operator: 'In', values: ['b', 'a2'] }] },
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(obj, CREATE)), [
      'spec.template.metadata.labels: Forbidden: must match spec.selector "pool in (a2,b)"',
    ]);
  });

  it('refuses a name that is not a valid label value, and a changed clusterName', async () => {
    const long = md({}, { name: `md-${'x'.repeat(70)}` });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(long, CREATE)), [
      `metadata.name: Invalid value: "md-${'x'.repeat(70)}": must be a valid label value: must be no more than 63 bytes`,
    ]);
    const old = md();
    const moved = md({ clusterName: 'c-2' });
    assert.deepEqual(await causes(() => hook.validator.validateUpdate?.(old, moved, updateOf(old))), [
      'spec.clusterName: Forbidden: field is immutable',
      'spec.clusterName: Invalid value: "c-2": spec.clusterName and spec.template.spec.clusterName must be set to the same value',
    ]);
  });

  it('refuses a template version that is not a v-prefixed semantic version', async () => {
    const obj = md();
    specOf(obj).template.spec.version = '1.33';
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(obj, CREATE)), [
      'spec.template.spec.version: Invalid value: "1.33": must start with v',
      'spec.template.spec.version: Invalid value: "1.33": must be a valid semantic version',
    ]);
  });
});
