import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { JSONSchemaProps, KubeObject } from '../registry/resource-definition.js';
import { compileSchema } from './compiled-schema.js';

const widgetSchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['color'],
      properties: {
        color: { type: 'string', enum: ['red', 'blue'] },
        replicas: { type: 'integer', format: 'int32', minimum: 1, maximum: 10 },
        ratio: { type: 'number', exclusiveMinimum: true, minimum: 0.5 },
        name: { type: 'string', maxLength: 5, minLength: 2, pattern: '^[a-z]+$' },
        tags: { type: 'array', maxItems: 2, minItems: 1, items: { type: 'string' } },
        labels: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string', maxLength: 3 } },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        note: { type: 'string', nullable: true },
        id: { type: 'string', format: 'uuid' },
        when: { type: 'string', format: 'date-time' },
        custom: { type: 'string', format: 'my-own-format' },
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, value: { type: 'string' } },
          },
        },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

const schema = compileSchema(widgetSchema);
const widget = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'test.example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w1', namespace: 'default' },
  spec: { color: 'red', ...spec },
});
const errorsOf = (spec: Record<string, unknown>, old?: Record<string, unknown>): string[] =>
  schema.validate(widget(spec), old ? widget(old) : undefined).map(fieldErrorMessage);

describe('CompiledSchema.validate (OpenAPI)', () => {
  it('accepts a valid object', () => {
    assert.deepEqual(
      errorsOf({
        replicas: 3,
        ratio: 0.75,
        name: 'abc',
        tags: ['x'],
        labels: { a: 'b' },
        port: '80%',
        note: null,
        id: '123e4567-e89b-12d3-a456-426614174000',
        when: '2024-01-01T00:00:00Z',
        custom: 'anything goes',
        items: [{ name: 'a' }],
        free: { anything: [1, 2] },
      }),
      [],
    );
  });

  it('reports wrong types as FieldValueTypeInvalid with kube wording', () => {
    const errs = schema.validate(widget({ replicas: 'three' }));
    assert.deepEqual(errs, [
      {
        type: 'FieldValueTypeInvalid',
        field: 'spec.replicas',
        detail: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      },
    ]);
    assert.deepEqual(errorsOf({ port: true }), [
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      ': Invalid value: "": "spec.port" must validate at least one schema (anyOf)',
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer: "boolean"',
    ]);
    assert.deepEqual(errorsOf({ name: null }), [
      'spec.name: Invalid value: "null": spec.name in body must be of type string: "null"',
    ]);
  });

  it('reports required, enum, length, item and property limits', () => {
    const errs = schema.validate({ ...widget({}), spec: { color: 'green' } });
    assert.deepEqual(errs, [
      {
        type: 'FieldValueNotSupported',
        field: 'spec.color',
        detail: 'Unsupported value: "green": supported values: "red", "blue"',
      },
    ]);
    assert.deepEqual(
      schema.validate({ ...widget({}), spec: { replicas: 1 } }).map((e) => [e.type, fieldErrorMessage(e)]),
      [['FieldValueRequired', 'spec.color: Required value']],
    );
    assert.deepEqual(
      schema
        .validate(widget({ name: 'toolong', tags: ['a', 'b', 'c'], labels: { a: 'x', b: 'y' } }))
        .map((e) => [e.type, fieldErrorMessage(e)]),
      [
        ['FieldValueTooLong', 'spec.name: Too long: may not be more than 5 bytes'],
        ['FieldValueTooMany', 'spec.tags: Too many: 3: must have at most 2 items'],
        ['FieldValueTooMany', 'spec.labels: Too many: 2: must have at most 1 items'],
      ],
    );
    assert.deepEqual(errorsOf({ tags: [], labels: { a: 'long' } }), [
      'spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items',
      'spec.labels.a: Too long: may not be more than 3 bytes',
    ]);
    assert.deepEqual(errorsOf({ items: [{ name: 'a' }, { value: 'v' }] }), [
      'spec.items[1].name: Required value',
    ]);
  });

  it('reports numeric bounds, patterns and formats', () => {
    assert.deepEqual(errorsOf({ replicas: 0 }), [
      'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
    ]);
    assert.deepEqual(errorsOf({ replicas: 11 }), [
      'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
    ]);
    assert.deepEqual(errorsOf({ ratio: 0.5 }), [
      'spec.ratio: Invalid value: 0.5: spec.ratio in body should be greater than 0.5',
    ]);
    assert.deepEqual(errorsOf({ replicas: 2 ** 31 }), [
      ': Invalid value: "": Checked value must be of type integer with format int32 in spec.replicas',
      'spec.replicas: Invalid value: 2147483648: spec.replicas in body should be less than or equal to 10',
    ]);
    assert.deepEqual(errorsOf({ name: 'A1' }), [
      `spec.name: Invalid value: "A1": spec.name in body should match '^[a-z]+$'`,
    ]);
    assert.deepEqual(errorsOf({ name: 'a' }), [
      'spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long',
    ]);
    assert.deepEqual(
      schema.validate(widget({ id: 'nope', when: 'yesterday' })).map((e) => [e.type, fieldErrorMessage(e)]),
      [
        [
          'FieldValueTypeInvalid',
          'spec.id: Invalid value: "nope": spec.id in body must be of type uuid: "nope"',
        ],
        [
          'FieldValueTypeInvalid',
          'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
        ],
      ],
    );
  });

  it('ratchets errors in values an update did not change', () => {
    // `name` was already invalid; only the changed `replicas` is reported.
    assert.deepEqual(errorsOf({ name: 'TOOLONGNAME', replicas: 20 }, { name: 'TOOLONGNAME', replicas: 3 }), [
      'spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10',
    ]);
    assert.deepEqual(errorsOf({ name: 'TOOLONGNAME' }, { name: 'other' }).length, 1);
  });
});

describe('CompiledSchema.prune', () => {
  it('removes unknown fields and returns strict-decoding paths', () => {
    const ownerWithJunk = { apiVersion: 'v1', kind: 'A', name: 'a', uid: 'u', bar: 2 };
    const obj: KubeObject = {
      apiVersion: 'test.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', foo: 1, ownerReferences: [ownerWithJunk] },
      spec: { color: 'red', foo: 1, items: [{ name: 'a', bar: true }], free: { kept: { deep: 1 } } },
      status: { x: 1 },
    };
    assert.deepEqual(schema.prune(obj), [
      'spec.foo',
      'spec.items[0].bar',
      'status',
      'metadata.foo',
      'metadata.ownerReferences[0].bar',
    ]);
    assert.deepEqual(obj, {
      apiVersion: 'test.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', ownerReferences: [{ apiVersion: 'v1', kind: 'A', name: 'a', uid: 'u' }] },
      spec: { color: 'red', items: [{ name: 'a' }], free: { kept: { deep: 1 } } },
    });
  });

  it('keeps apiVersion, kind and metadata of embedded resources and reduces their metadata', () => {
    const s = compileSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            template: {
              type: 'object',
              'x-kubernetes-embedded-resource': true,
              properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
            },
          },
        },
      },
    });
    const obj: KubeObject = {
      spec: {
        template: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p', junk: 1 },
          spec: { a: 'x', b: 'y' },
        },
      },
    };
    assert.deepEqual(s.prune(obj), ['spec.template.spec.b', 'spec.template.metadata.junk']);
    assert.deepEqual(obj.spec, {
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x' } },
    });
    assert.deepEqual(
      s.validate({ spec: { template: { kind: 'Pod', metadata: { name: 'a/b' } } } }).map(fieldErrorMessage),
      [
        'spec.template.apiVersion: Required value',
        `spec.template.metadata.name: Invalid value: "a/b": may not contain '/'`,
      ],
    );
  });
});

describe('CompiledSchema.applyDefaults', () => {
  const s = compileSchema({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', default: 1 },
          strategy: {
            type: 'object',
            default: {},
            properties: {
              type: { type: 'string', default: 'Rolling' },
              maxSurge: { type: 'integer', default: 1 },
            },
          },
          optional: { type: 'object', properties: { inner: { type: 'string', default: 'x' } } },
          mode: { type: 'string' },
          ports: {
            type: 'array',
            items: {
              type: 'object',
              properties: { protocol: { type: 'string', default: 'TCP' }, port: { type: 'integer' } },
            },
          },
          env: {
            type: 'object',
            additionalProperties: { type: 'object', properties: { v: { type: 'string', default: 'd' } } },
          },
        },
      },
    },
  });

  it('defaults absent fields whose parent exists, recursing into defaulted objects, items and map values', () => {
    const obj: KubeObject = { spec: { ports: [{ port: 80 }], env: { a: {} } } };
    s.applyDefaults(obj);
    assert.deepEqual(obj.spec, {
      replicas: 1,
      strategy: { type: 'Rolling', maxSurge: 1 },
      ports: [{ port: 80, protocol: 'TCP' }],
      env: { a: { v: 'd' } },
    });
    const noSpec: KubeObject = { metadata: { name: 'x' } };
    s.applyDefaults(noSpec);
    assert.deepEqual(noSpec, { metadata: { name: 'x' } });
  });

  it('replaces a null with the default and drops nulls that have none', () => {
    const obj: KubeObject = { spec: { replicas: null, mode: null, optional: { inner: null } } };
    s.prune(obj);
    s.applyDefaults(obj);
    assert.deepEqual(obj.spec, {
      replicas: 1,
      strategy: { type: 'Rolling', maxSurge: 1 },
      optional: { inner: 'x' },
    });
  });
});

describe('list-type invariants', () => {
  const s = compileSchema({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          map: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string' }, v: { type: 'integer' } },
            },
          },
        },
      },
    },
  });

  it('reports duplicates as FieldValueDuplicate at the second occurrence', () => {
    const errs = s.validate({
      spec: {
        set: ['a', 'b', 'a', 'a'],
        map: [
          { name: 'x', v: 1 },
          { name: 'x', v: 2 },
        ],
      },
    });
    assert.deepEqual(
      errs.map((e) => [e.type, fieldErrorMessage(e)]),
      [
        ['FieldValueDuplicate', 'spec.set[2]: Duplicate value: "a"'],
        ['FieldValueDuplicate', 'spec.map[1]: Duplicate value: map[string]interface {}{"name":"x"}'],
      ],
    );
  });

  it('correlates map-list items by key for ratcheting on update', () => {
    const old = {
      spec: {
        map: [
          { name: 'b', v: 'bad' },
          { name: 'a', v: 1 },
        ],
      },
    };
    const updated = {
      spec: {
        map: [
          { name: 'a', v: 'new' },
          { name: 'b', v: 'bad' },
        ],
      },
    };
    assert.deepEqual(s.validate(updated, old).map(fieldErrorMessage), [
      'spec.map[0].v: Invalid value: "string": spec.map[0].v in body must be of type integer: "string"',
    ]);
  });
});

describe('scale subresource', () => {
  it('requires non-negative int32 replicas at the scale paths', () => {
    const s = compileSchema(
      {
        type: 'object',
        properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
      { scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
    );
    assert.deepEqual(s.validate({ spec: { replicas: -1 } }).map(fieldErrorMessage), [
      '.spec.replicas: Invalid value: -1: should be a non-negative integer',
    ]);
    assert.deepEqual(s.validate({ spec: { replicas: 'x' } }).map(fieldErrorMessage), [
      '.spec.replicas: Invalid value: 0: .spec.replicas accessor error: x is of the type string, expected int64',
    ]);
  });
});
