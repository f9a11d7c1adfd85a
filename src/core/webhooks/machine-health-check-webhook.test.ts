import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION, type MachineHealthCheck } from '../api/v1beta2/index.js';
import { causes, CREATE, updateOf, webhookFor } from './test-helpers.js';

type Spec = MachineHealthCheck['spec'];

const mhc = (over: Partial<Spec> = {}): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'MachineHealthCheck',
  metadata: { name: 'mhc-1', namespace: 'default' },
  spec: { clusterName: 'c-1', selector: { matchLabels: { pool: 'a' } }, ...over },
});

describe('MachineHealthCheck webhook', () => {
  const hook = webhookFor('MachineHealthCheck');

  it('defaults the cluster-name label and a 600 s node startup timeout', async () => {
    const obj = mhc();
    await hook.defaulter.default(obj, CREATE);
    assert.equal(obj.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c-1');
    assert.equal((obj as unknown as MachineHealthCheck).spec.checks?.nodeStartupTimeoutSeconds, 600);
    const disabled = mhc({ checks: { nodeStartupTimeoutSeconds: 0 } });
    await hook.defaulter.default(disabled, CREATE);
    assert.equal((disabled as unknown as MachineHealthCheck).spec.checks?.nodeStartupTimeoutSeconds, 0);
  });

  it('accepts a startup timeout of 0 (disabled) or at least 30 s, and refuses shorter ones', async () => {
    await hook.validator.validateCreate?.(mhc({ checks: { nodeStartupTimeoutSeconds: 0 } }), CREATE);
    await hook.validator.validateCreate?.(mhc({ checks: { nodeStartupTimeoutSeconds: 30 } }), CREATE);
    assert.deepEqual(
      await causes(() =>
        hook.validator.validateCreate?.(mhc({ checks: { nodeStartupTimeoutSeconds: 29 } }), CREATE),
      ),
      ['spec.checks.nodeStartupTimeoutSeconds: Invalid value: 29: must be at least 30s'],
    );
  });

  it('refuses an empty selector and a selector of another Cluster', async () => {
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(mhc({ selector: {} }), CREATE)), [
      'spec.selector: Required value: selector must not be empty',
    ]);
    const other = mhc({ selector: { matchLabels: { 'cluster.x-k8s.io/cluster-name': 'c-2' } } });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(other, CREATE)), [
      'spec.selector: Invalid value: {"matchLabels":{"cluster.x-k8s.io/cluster-name":"c-2"}}: cannot specify a cluster selector other than the one specified by ClusterName',
    ]);
  });

  it('refuses a bad unhealthyLessThanOrEqualTo and a changed clusterName', async () => {
    const old = mhc();
    const changed = mhc({
      clusterName: 'c-2',
      remediation: { triggerIf: { unhealthyLessThanOrEqualTo: '40' } },
    });
    assert.deepEqual(await causes(() => hook.validator.validateUpdate?.(old, changed, updateOf(old))), [
      'spec.clusterName: Forbidden: field is immutable',
      'spec.remediation.triggerIf.unhealthyLessThanOrEqualTo: Invalid value: "40": must be either an int or a percentage: invalid value for IntOrString: invalid type: string is not a percentage',
    ]);
    await hook.validator.validateCreate?.(
      mhc({ remediation: { triggerIf: { unhealthyLessThanOrEqualTo: '40%' } } }),
      CREATE,
    );
  });
});
