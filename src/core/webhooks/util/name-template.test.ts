import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameTemplateData, renderNameTemplate } from './name-template.js';

describe('name templates (Go text/template subset)', () => {
  const data = nameTemplateData('prod', { machineSet: { name: 'ms' } });

  it('renders field chains and honours trim markers and comments', () => {
    assert.deepEqual(renderNameTemplate('{{ .cluster.name }}-{{ .machineSet.name }}', data), {
      name: 'prod-ms',
    });
    assert.deepEqual(renderNameTemplate('{{ .cluster.name }}  {{- /* note */ -}}  -x', data), {
      name: 'prod-x',
    });
  });

  it('cuts names longer than 63 characters and keeps them unique with random characters', () => {
    const rendered = renderNameTemplate(`${'a'.repeat(70)}{{ .random }}`, data);
    assert.ok('name' in rendered);
    assert.equal(rendered.name.length, 63);
    assert.equal(rendered.name.slice(0, 58), 'a'.repeat(58));
  });

  it('reports parse errors like Go does', () => {
    assert.deepEqual(renderNameTemplate('{{ .cluster.name', data), {
      error: 'parsing template "{{ .cluster.name": template: template name generator:1: unclosed action',
    });
    assert.deepEqual(renderNameTemplate('{{ upper .cluster.name }}', data), {
      error:
        'parsing template "{{ upper .cluster.name }}": template: template name generator:1: function "upper" not defined',
    });
  });
});
