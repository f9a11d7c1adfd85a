import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_FEATURE_GATES, resolveFeatureGates } from './feature-gates.js';

describe('feature gates', () => {
  it("default to upstream's, except ClusterTopology, which is on", () => {
    assert.deepEqual(resolveFeatureGates(), {
      ClusterTopology: true,
      KubeadmBootstrapFormatIgnition: false,
      MachinePool: true,
      MachineSetPreflightChecks: true,
      MachineTaintPropagation: false,
      RuntimeSDK: false,
    });
  });

  it('take what is set and the default for what is not', () => {
    const gates = resolveFeatureGates({
      ClusterTopology: false,
      MachineTaintPropagation: true,
      RuntimeSDK: undefined,
    });
    assert.deepEqual(gates, {
      ...DEFAULT_FEATURE_GATES,
      ClusterTopology: false,
      MachineTaintPropagation: true,
    });
  });
});
