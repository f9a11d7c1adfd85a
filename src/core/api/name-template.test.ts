import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameTemplateData, renderNameTemplate } from './name-template.js';

describe('name templates (Go text/template subset)', () => {
  const data = nameTemplateData('prod', { machineSet: { name: 'ms' } });

  it('renders field chains and honours trim markers and comments', () => {
    assert.deepEqual(renderNameTemplate('{{ .cluster.name }}-{{ .machineSet.name }}-{{ .random }}', data), {
      kind: 'rendered',
      name: 'prod-ms-x7k2m',
    });
    assert.deepEqual(renderNameTemplate('{{ .cluster.name }}  {{- /* note */ -}}  -x', data), {
      kind: 'rendered',
      name: 'prod-x',
    });
    assert.deepEqual(renderNameTemplate('a  {{- .random -}}  b', data), {
      kind: 'rendered',
      name: 'ax7k2mb',
    });
    // Go prints a map as map[key:value]; it renders, though no valid name results.
    assert.deepEqual(renderNameTemplate('{{ .cluster }}', data), {
      kind: 'rendered',
      name: 'map[name:prod]',
    });
  });

  it('cuts names longer than 63 characters and keeps them unique with random characters', () => {
    assert.deepEqual(renderNameTemplate(`${'a'.repeat(70)}{{ .random }}`, data), {
      kind: 'rendered',
      name: `${'a'.repeat(58)}x7k2m`,
    });
  });

  it('reports parse and execution errors like Go does, at the second link of a field chain', () => {
    assert.deepEqual(renderNameTemplate('{{ .cluster.name', data), {
      kind: 'error',
      message: 'parsing template "{{ .cluster.name": template: template name generator:1: unclosed action',
    });
    assert.deepEqual(renderNameTemplate('x-\n{{ .cluster.uid }}', data), {
      kind: 'error',
      message:
        'rendering template: template: template name generator:2:11: executing "template name generator" at <.cluster.uid>: map has no entry for key "uid"',
    });
    assert.deepEqual(renderNameTemplate('{{ .random.x }}', data), {
      kind: 'error',
      message:
        'rendering template: template: template name generator:1:10: executing "template name generator" at <.random.x>: can\'t evaluate field x in type string',
    });
  });

  it('says which actions it cannot evaluate, so callers choose to refuse or skip them', () => {
    assert.deepEqual(renderNameTemplate('{{ upper .cluster.name }}', data), {
      kind: 'unsupported',
      message:
        'parsing template "{{ upper .cluster.name }}": template: template name generator:1: function "upper" not defined',
    });
    assert.equal(renderNameTemplate('{{ printf "%s" .random }}', data).kind, 'unsupported');
  });
});
