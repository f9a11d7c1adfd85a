import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSchema, checkValueSchema } from './index.js';

const messages = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('checkValueSchema', () => {
  it('reports definition problems at the schema own path, not the wrapper', () => {
    const { errors, compiled } = checkValueSchema(
      { type: 'object', properties: { x: {} } },
      { fieldPath: 'spec.variables[v].schema.openAPIV3Schema' },
    );
    assert.equal(compiled, undefined);
    assert.deepEqual(messages(errors), [
      'spec.variables[v].schema.openAPIV3Schema.properties[x].type: Required value: must not be empty for specified object fields',
    ]);
  });

  it('allows uniqueItems for values while CRD schemas still forbid it', () => {
    const list = { type: 'array' as const, items: { type: 'string' as const }, uniqueItems: true };
    const { compiled } = checkValueSchema(list);
    assert.ok(compiled);
    assert.deepEqual(messages(compiled.validateOpenAPI(['a', 'a'], { fieldPath: 'v' })), [
      'v: Invalid value: "": shouldn\'t contain duplicates',
    ]);
    const crd = checkSchema({ type: 'object', properties: { l: list } });
    assert.deepEqual(messages(crd.errors), [
      'spec.validation.openAPIV3Schema.properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
    ]);
  });

  it('validates scalars at their own root, reports unknown fields and evaluates rules with oldSelf', () => {
    const { compiled } = checkValueSchema({
      type: 'object',
      properties: { n: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf' }] } },
    });
    assert.ok(compiled);
    assert.deepEqual(messages(compiled.validateOpenAPI('x', { fieldPath: 'v', badValue: '"x"' })), [
      'v: Invalid value: "\\"x\\"": must be of type object: "string"',
    ]);
    assert.deepEqual(compiled.unknownFields({ n: 1, extra: { a: 1 } }), ['extra']);
    assert.deepEqual(compiled.validateRules({ n: 1 }, undefined, { fieldPath: 'v' }), []);
    assert.deepEqual(messages(compiled.validateRules({ n: 1 }, { value: { n: 2 } }, { fieldPath: 'v' })), [
      'v.n: Invalid value: "integer": failed rule: self >= oldSelf',
    ]);
  });
});
