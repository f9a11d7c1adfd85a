import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MissingVariablesError } from './errors.js';
import { generateYaml, listYamlVariables } from './generate-yaml.js';

const template = {
  text: 'v1: ${VAR1:=default1}\nv2: ${VAR2=default2}\nv3: ${VAR3:-default3}',
  source: 'templ.yaml',
};

describe('generateYaml', () => {
  it('substitutes defaults and environment values, leaving the rest of the text as written', () => {
    assert.equal(
      generateYaml({ from: template, env: {} }).yaml,
      'v1: default1\nv2: default2\nv3: default3\n',
    );
    assert.equal(
      generateYaml({ from: template, env: { VAR2: 'set' } }).yaml,
      'v1: default1\nv2: set\nv3: default3\n',
    );
  });

  it('injects nothing from flags: CLUSTER_NAME and NAMESPACE must come from the environment', () => {
    const from = {
      text: 'metadata:\n  name: ${CLUSTER_NAME}\n  namespace: ${NAMESPACE}\n',
      source: '<stdin>',
    };
    assert.throws(() => generateYaml({ from, env: {} }), {
      name: 'MissingVariablesError',
      missing: ['CLUSTER_NAME', 'NAMESPACE'],
    });
    assert.equal(
      generateYaml({ from, env: { CLUSTER_NAME: 'c', NAMESPACE: 'n' } }).yaml,
      'metadata:\n  name: c\n  namespace: n\n',
    );
    assert.ok(new MissingVariablesError(['B', 'A']).message.includes('[A, B]'));
  });

  it('lists variable names as clusterctl does, or a blank line when there are none', () => {
    assert.equal(listYamlVariables({ from: template }).text, 'Variables:\n  - VAR1\n  - VAR2\n  - VAR3\n');
    assert.equal(listYamlVariables({ from: { text: 'v1: foobar\n', source: 'plain.yaml' } }).text, '\n');
  });
});
