import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateMachineName, MachineNameError } from './machine-names.js';
import { kcp } from './test-helpers.js';

const fixed = () => 'abcde';

describe('generateMachineName', () => {
  it('defaults to <kcp name>-<5 random characters>', () => {
    assert.equal(generateMachineName(kcp(), 'c', fixed), 'kcp-abcde');
    assert.match(generateMachineName(kcp(), 'c'), /^kcp-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('renders machineNaming.template with the cluster and KCP names', () => {
    const k = kcp({
      spec: {
        machineNaming: { template: '{{ .cluster.name }}-cp-{{ .kubeadmControlPlane.name }}-{{ .random }}' },
      },
    });
    assert.equal(generateMachineName(k, 'prod', fixed), 'prod-cp-kcp-abcde');
  });

  it('requires {{ .random }} and rejects unknown fields', () => {
    const noRandom = kcp({ spec: { machineNaming: { template: '{{ .kubeadmControlPlane.name }}' } } });
    assert.throws(
      () => generateMachineName(noRandom, 'c', fixed),
      (err: unknown) =>
        err instanceof MachineNameError &&
        err.message ===
          'failed to compute desired Machine: cannot generate Machine name: {{ .random }} is missing in machineNaming.template',
    );
    const unknown = kcp({ spec: { machineNaming: { template: '{{ .machineSet.name }}-{{ .random }}' } } });
    assert.throws(() => generateMachineName(unknown, 'c', fixed), /map has no entry for key "machineSet"/);
  });

  it('shortens names over 63 characters to 58 plus 5 random characters', () => {
    const k = kcp({ spec: { machineNaming: { template: `${'x'.repeat(70)}-{{ .random }}` } } });
    const name = generateMachineName(k, 'c', fixed);
    assert.equal(name, `${'x'.repeat(58)}abcde`);
  });
});
