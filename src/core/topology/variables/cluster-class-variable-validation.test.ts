import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { type ClusterClassVariableLike, validateClusterClassVariables } from './index.js';

const variable = (name: string, openAPIV3Schema: unknown, extra: Partial<ClusterClassVariableLike> = {}) => ({
  name,
  required: false,
  schema: { openAPIV3Schema },
  ...extra,
});
const check = (variables: ClusterClassVariableLike[]) =>
  validateClusterClassVariables(variables, FieldPath.of('spec', 'variables')).map(
    (e) => `${e.field}: ${e.detail}`,
  );

describe('validateClusterClassVariables', () => {
  it('accepts well-formed variables, with defaults, enums, examples, rules and x-metadata', () => {
    assert.deepEqual(
      check([
        variable('region', { type: 'string', enum: ['a', 'b'], default: 'a', example: 'b' }),
        variable('proxy', {
          type: 'object',
          properties: { url: { type: 'string', 'x-metadata': { labels: { a: 'b' } } } },
          'x-kubernetes-validations': [{ rule: 'has(self.url)' }],
        }),
        variable('grow', { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf' }] }),
      ]),
      [],
    );
  });

  it('refuses duplicate, reserved and dotted names', () => {
    assert.deepEqual(
      check([
        variable('cpu', { type: 'integer' }),
        variable('cpu', { type: 'integer' }),
        variable('builtin', { type: 'string' }),
        variable('a.b', { type: 'string' }),
      ]),
      [
        'spec.variables[cpu].name: Invalid value: "cpu": variable name must be unique. Variable with name "cpu" is defined more than once',
        'spec.variables[builtin].name: Invalid value: "builtin": "builtin" is a reserved variable name',
        'spec.variables[a.b].name: Invalid value: "a.b": variable name cannot contain "."',
      ],
    );
  });

  it('refuses schemas that are not structural or whose defaults do not validate', () => {
    assert.deepEqual(check([variable('obj', { type: 'object', properties: { x: {} } })]), [
      'spec.variables[obj].schema.openAPIV3Schema.properties[x].type: Required value: must not be empty for specified object fields',
    ]);
    const [bad] = check([variable('cpu', { type: 'integer', default: 'two' })]);
    assert.match(
      bad ?? '',
      /^spec\.variables\[cpu\]\.schema\.openAPIV3Schema\.default: .*must be of type integer/,
    );
  });

  it('refuses CEL rules that do not compile and oldSelf inside lists', () => {
    const [syntax] = check([
      variable('cpu', { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >' }] }),
    ]);
    assert.match(
      syntax ?? '',
      /^spec\.variables\[cpu\]\.schema\.openAPIV3Schema\.x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed/,
    );
    const [old] = check([
      variable('list', {
        type: 'array',
        items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf' }] },
      }),
    ]);
    assert.match(
      old ?? '',
      /^spec\.variables\[list\]\.schema\.openAPIV3Schema\.items\.x-kubernetes-validations\[0\]\.rule: .*oldSelf cannot be used on the uncorrelatable portion of the schema/,
    );
  });

  it('refuses enum values and examples that break their own schema', () => {
    assert.deepEqual(
      check([
        variable('cpu', {
          type: 'integer',
          enum: [0, 2],
          'x-kubernetes-validations': [{ rule: 'self >= 1' }],
        }),
        variable('obj', {
          type: 'object',
          properties: { s: { type: 'string', maxLength: 2, example: 'long' } },
        }),
      ]),
      [
        'spec.variables[cpu].schema.openAPIV3Schema.enum[0]: Invalid value: "integer": failed rule: self >= 1',
        'spec.variables[obj].schema.openAPIV3Schema.properties[s].example: Too long: may not be more than 2 bytes',
      ],
    );
  });

  it('refuses bad labels in x-metadata and deprecatedV1Beta1Metadata', () => {
    const errs = check([
      variable(
        'cpu',
        { type: 'integer', 'x-metadata': { labels: { 'bad key!': 'v' } } },
        { deprecatedV1Beta1Metadata: { labels: { ok: 'bad value!' } } },
      ),
    ]);
    assert.deepEqual(
      errs.map((e) => e.split(': ')[0]),
      [
        'spec.variables[cpu].deprecatedV1Beta1Metadata.labels',
        'spec.variables[cpu].schema.openAPIV3Schema.x-metadata.labels',
      ],
    );
  });
});
