import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  getVariableValue,
  isInvalidVariablePath,
  isVariableNotFound,
  mergeVariableMaps,
  templateVariables,
} from './variable-values.js';

const variables = {
  httpProxy: { url: 'http://proxy:3128', noProxy: ['10.0.0.0/8', 'svc'] },
  images: [{ name: 'etcd', tag: '3.5' }, { name: 'dns' }],
  replicas: 3,
  empty: null,
  builtin: { cluster: { name: 'c1' } },
};

describe('getVariableValue', () => {
  it('returns top-level, nested and indexed values', () => {
    assert.deepEqual(getVariableValue(variables, 'httpProxy'), variables.httpProxy);
    assert.equal(getVariableValue(variables, 'httpProxy.url'), 'http://proxy:3128');
    assert.equal(getVariableValue(variables, 'httpProxy.noProxy[1]'), 'svc');
    assert.equal(getVariableValue(variables, 'images[0].tag'), '3.5');
    assert.deepEqual(getVariableValue(variables, 'images[1]'), { name: 'dns' });
    assert.equal(getVariableValue(variables, 'replicas'), 3);
    assert.equal(getVariableValue(variables, 'empty'), null);
    assert.equal(getVariableValue(variables, 'builtin.cluster.name'), 'c1');
    assert.equal(getVariableValue(variables, 'httpProxy.noProxy.0'), '10.0.0.0/8');
  });

  it('returns a copy, so a patch cannot alter the variables', () => {
    const v = getVariableValue(variables, 'httpProxy') as { url: string };
    v.url = 'changed';
    assert.equal(variables.httpProxy.url, 'http://proxy:3128');
  });

  it('words a missing variable or field as upstream does', () => {
    assert.throws(
      () => getVariableValue(variables, 'proxy'),
      (err) => isVariableNotFound(err) && err.message === 'variable "proxy" does not exist',
    );
    assert.throws(
      () => getVariableValue(variables, 'httpProxy.port'),
      (err) =>
        isVariableNotFound(err) &&
        err.message === 'variable "httpProxy.port" does not exist: failed to lookup segment "port"',
    );
    assert.throws(
      () => getVariableValue(variables, 'replicas.count'),
      /variable "replicas.count" does not exist: failed to lookup segment "count"/,
    );
  });

  it('rejects bad indexes and paths', () => {
    assert.throws(
      () => getVariableValue(variables, 'images[2]'),
      (err) =>
        isInvalidVariablePath(err) &&
        err.message === 'variable "images[2]" is invalid: array does not have index 2',
    );
    assert.throws(
      () => getVariableValue(variables, 'httpProxy[0]'),
      /variable "httpProxy\[0\]" is invalid: failed to get array "httpProxy": value doesn't contain array; it contains object/,
    );
    assert.throws(
      () => getVariableValue(variables, 'images[0'),
      /variable "images\[0" is invalid: failed to parse path segment "images\[0"/,
    );
    assert.throws(
      () => getVariableValue(variables, 'httpProxy.noProxy[x]'),
      /variable "httpProxy.noProxy\[x\]" has invalid syntax: failed to parse array index in path segment "noProxy\[x\]"/,
    );
    assert.throws(() => getVariableValue(variables, 'images[-1]'), /invalid array index -1 in path segment/);
  });
});

describe('templateVariables', () => {
  it('lets overrides win per name and keeps the other Cluster values', () => {
    const vars = templateVariables({
      clusterVariables: [
        { name: 'a', value: 1 },
        { name: 'b', value: { x: 1 } },
      ],
      overrides: [{ name: 'b', value: { y: 2 } }],
      builtins: { machineDeployment: { class: 'default-worker' } },
    });
    assert.deepEqual(vars, {
      a: 1,
      b: { y: 2 },
      builtin: { machineDeployment: { class: 'default-worker' } },
    });
  });

  it('ignores user variables named builtin', () => {
    const vars = templateVariables({
      clusterVariables: [{ name: 'builtin', value: { cluster: { name: 'spoofed' } } }],
      builtins: { cluster: { name: 'real' } },
    });
    assert.deepEqual(vars.builtin, { cluster: { name: 'real' } });
  });
});

describe('mergeVariableMaps', () => {
  it('merges the builtin parts and replaces other variables', () => {
    const merged = mergeVariableMaps(
      { a: 1, b: 2, builtin: { cluster: { name: 'c1' } } },
      { b: 3, builtin: { controlPlane: { version: 'v1.30.0' } } },
    );
    assert.deepEqual(merged, {
      a: 1,
      b: 3,
      builtin: { cluster: { name: 'c1' }, controlPlane: { version: 'v1.30.0' } },
    });
  });
});
