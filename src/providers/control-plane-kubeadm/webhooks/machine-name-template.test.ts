import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderKCPMachineName } from './machine-name-template.js';

describe('KCP Machine name templates', () => {
  it('renders field references, with whitespace trimming', () => {
    assert.deepEqual(
      renderKCPMachineName('{{ .cluster.name }}-{{ .kubeadmControlPlane.name }}-{{ .random }}', 'c1', 'cp'),
      {
        kind: 'rendered',
        name: 'c1-cp-x2b4z',
      },
    );
    assert.deepEqual(renderKCPMachineName('a  {{- .random -}}  b', 'c', 'k'), {
      kind: 'rendered',
      name: 'ax2b4zb',
    });
  });

  it('cuts overlong names and adds the random suffix, as upstream does', () => {
    const result = renderKCPMachineName(`${'a'.repeat(70)}{{ .random }}`, 'c', 'k');
    assert.deepEqual(result, { kind: 'rendered', name: `${'a'.repeat(58)}x2b4z` });
  });

  it("reports missing keys and unclosed actions with text/template's wording", () => {
    assert.deepEqual(renderKCPMachineName('x-\n{{ .cluster.uid }}', 'c', 'k'), {
      kind: 'error',
      message:
        'rendering template: template: template name generator:2:3: executing "template name generator" at <.cluster.uid>: map has no entry for key "uid"',
    });
    assert.deepEqual(renderKCPMachineName('{{ .random', 'c', 'k'), {
      kind: 'error',
      message: 'parsing template "{{ .random": template: template name generator:1: unclosed action',
    });
  });

  it('leaves what it cannot evaluate (functions, pipelines) to the controller', () => {
    assert.deepEqual(renderKCPMachineName('{{ printf "%s" .random }}', 'c', 'k'), { kind: 'unsupported' });
  });
});
