import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FieldError } from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { type StatusVariableLike, validateClusterVariables } from './index.js';

const def = (name: string, schema: unknown, required = false): StatusVariableLike => ({
  name,
  definitions: [{ from: 'inline', required, schema: { openAPIV3Schema: schema } }],
});

const definitions: StatusVariableLike[] = [
  def('region', { type: 'string', enum: ['us-east-1', 'us-east-2'] }),
  def('zone', { type: 'string', pattern: '^[a-z]+-[0-9]$', maxLength: 8 }),
  def(
    'proxy',
    {
      type: 'object',
      properties: { url: { type: 'string', format: 'uri' }, enabled: { type: 'boolean' } },
      required: ['url'],
    },
    true,
  ),
  def('cpu', { type: 'integer', minimum: 1, maximum: 64 }),
  def('replicas', { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= 1' }] }),
  def('tags', { type: 'array', items: { type: 'string' }, maxItems: 2, uniqueItems: true }),
  def('free', { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
  def('labels', { type: 'object', additionalProperties: { type: 'string' } }),
  def('grow', {
    type: 'integer',
    'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'cannot shrink' }],
  }),
  def('nested', {
    type: 'object',
    properties: {
      inner: {
        type: 'object',
        properties: { n: { type: 'integer' } },
        'x-kubernetes-validations': [{ rule: 'self.n <= 1', messageExpression: "'n is ' + string(self.n)" }],
      },
    },
  }),
];

const path = FieldPath.of('spec', 'topology', 'variables');
const proxy = { name: 'proxy', value: { url: 'http://proxy' } };
const text = (errs: FieldError[]): string[] => errs.map((e) => `${e.field}: ${e.detail}`);
const check = (values: { name: string; value?: unknown }[], oldValues?: { name: string; value: unknown }[]) =>
  text(validateClusterVariables(values, definitions, { path, validateRequired: true, oldValues }));

describe('validateClusterVariables', () => {
  it('accepts valid values, unknown fields where preserved, and maps with additionalProperties', () => {
    assert.deepEqual(
      check([
        proxy,
        { name: 'region', value: 'us-east-1' },
        { name: 'zone', value: 'abc-1' },
        { name: 'cpu', value: 4 },
        { name: 'replicas', value: 3 },
        { name: 'tags', value: ['a', 'b'] },
        { name: 'free', value: { anything: { goes: true } } },
        { name: 'labels', value: { a: 'b' } },
      ]),
      [],
    );
  });

  it('requires required variables on the Cluster, not in override lists', () => {
    assert.deepEqual(check([{ name: 'cpu', value: 2 }]), [
      'spec.topology.variables: Required value: required variable "proxy" must be set',
    ]);
    const overrides = FieldPath.of('spec', 'topology', 'workers', 'machineDeployments')
      .key('md-0')
      .child('variables', 'overrides');
    assert.deepEqual(
      validateClusterVariables([{ name: 'cpu', value: 2 }], definitions, {
        path: overrides,
        validateRequired: false,
      }),
      [],
    );
    assert.deepEqual(
      text(
        validateClusterVariables([{ name: 'cpu', value: '2' }], definitions, {
          path: overrides,
          validateRequired: false,
        }),
      ),
      [
        'spec.topology.workers.machineDeployments[md-0].variables.overrides[cpu].value: Invalid value: "\\"2\\"": must be of type integer: "string"',
      ],
    );
  });

  it('refuses undefined and duplicate variables', () => {
    assert.deepEqual(check([proxy, { name: 'location', value: 'us-east-1' }]), [
      'spec.topology.variables[location]: Invalid value: "\\"us-east-1\\"": variable is not defined',
    ]);
    assert.deepEqual(check([proxy, { name: 'cpu', value: 1 }, { name: 'cpu', value: 2 }]), [
      'spec.topology.variables[cpu]: Invalid value: "2": variable "cpu" is set more than once',
    ]);
  });

  it('refuses definitions the ClusterClass could not reconcile', () => {
    const conflicting = { ...def('cpu', { type: 'integer' }), definitionsConflict: true };
    assert.deepEqual(
      text(
        validateClusterVariables([{ name: 'cpu', value: 1 }], [conflicting], {
          path,
          validateRequired: true,
        }),
      ),
      [
        'spec.topology.variables: Invalid value: "[Name: cpu]": variable definitions in the ClusterClass not valid: variable "cpu" has conflicting definitions',
      ],
    );
  });

  it('reports schema violations under value, with the whole value as the bad value', () => {
    assert.deepEqual(
      check([
        proxy,
        { name: 'region', value: 3 },
        { name: 'zone', value: 'ABC-1' },
        { name: 'cpu', value: 99 },
        { name: 'tags', value: ['a', 'a', 'b'] },
      ]),
      [
        'spec.topology.variables[region].value: Invalid value: "3": must be of type string: "integer"',
        'spec.topology.variables[region].value: Unsupported value: "3": supported values: "us-east-1", "us-east-2"',
        'spec.topology.variables[zone].value: Invalid value: "\\"ABC-1\\"": should match \'^[a-z]+-[0-9]$\'',
        'spec.topology.variables[cpu].value: Invalid value: "99": should be less than or equal to 64',
        'spec.topology.variables[tags].value: Too many: "[\\"a\\",\\"a\\",\\"b\\"]": must have at most 2 items',
        'spec.topology.variables[tags].value: Invalid value: "[\\"a\\",\\"a\\",\\"b\\"]": shouldn\'t contain duplicates',
      ],
    );
    assert.deepEqual(check([{ name: 'region', value: 'us-west-1' }, proxy]), [
      'spec.topology.variables[region].value: Unsupported value: "\\"us-west-1\\"": supported values: "us-east-1", "us-east-2"',
    ]);
  });

  it('names nested fields: wrong types, missing required properties, bad formats', () => {
    assert.deepEqual(check([{ name: 'proxy', value: { enabled: 'yes' } }]), [
      'spec.topology.variables[proxy].value.enabled: Invalid value: "{\\"enabled\\":\\"yes\\"}": enabled in body must be of type boolean: "string"',
      'spec.topology.variables[proxy].value.url: Required value',
    ]);
    assert.deepEqual(check([{ name: 'proxy', value: { url: 'not a uri' } }]), [
      'spec.topology.variables[proxy].value.url: Invalid value: "{\\"url\\":\\"not a uri\\"}": url in body must be of type uri: "not a uri"',
    ]);
  });

  it('refuses fields the schema does not define unless it preserves unknown fields', () => {
    assert.deepEqual(check([{ name: 'proxy', value: { url: 'http://p', extra: 1, more: { a: 1 } } }]), [
      'spec.topology.variables[proxy]: Invalid value: "{\\"url\\":\\"http://p\\",\\"extra\\":1,\\"more\\":{\\"a\\":1}}": failed validation: "extra,more" field(s) are not specified in the variable schema of variable "proxy"',
    ]);
  });

  it('evaluates CEL rules with their message, messageExpression and the field they sit on', () => {
    assert.deepEqual(check([proxy, { name: 'replicas', value: 0 }]), [
      'spec.topology.variables[replicas].value: Invalid value: "0": failed rule: self >= 1',
    ]);
    assert.deepEqual(check([proxy, { name: 'nested', value: { inner: { n: 2 } } }]), [
      'spec.topology.variables[nested].value.inner: Invalid value: "{\\"inner\\":{\\"n\\":2}}": n is 2',
    ]);
  });

  it('runs transition rules against the old value on update, and not on create', () => {
    assert.deepEqual(check([proxy, { name: 'grow', value: 1 }]), []);
    assert.deepEqual(check([proxy, { name: 'grow', value: 3 }], [{ name: 'grow', value: 2 }]), []);
    assert.deepEqual(check([proxy, { name: 'grow', value: 1 }], [{ name: 'grow', value: 2 }]), [
      'spec.topology.variables[grow].value: Invalid value: "1": cannot shrink',
    ]);
  });

  it('reports a definition whose schema does not compile as an internal error', () => {
    const broken = def('cpu', { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >' }] });
    const [err] = validateClusterVariables([{ name: 'cpu', value: 1 }], [broken], {
      path,
      validateRequired: true,
    });
    assert.equal(err?.type, 'InternalError');
    assert.equal(err?.field, 'spec.topology.variables[cpu]');
    assert.match(
      err?.detail ?? '',
      /^Internal error: failed to create schema validator for variable "cpu"; ClusterClass should be checked: /,
    );
  });
});
