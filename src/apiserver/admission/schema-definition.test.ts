import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { JSONSchemaProps } from '../registry/resource-definition.js';
import { compileSchema } from './compiled-schema.js';
import { SchemaCompileError } from './field-errors.js';

const P = 'spec.validation.openAPIV3Schema';

function problems(schema: JSONSchemaProps, options: Parameters<typeof compileSchema>[1] = {}): string[] {
  try {
    compileSchema(schema, options);
    return [];
  } catch (err) {
    assert.ok(err instanceof SchemaCompileError);
    return err.errors.map(fieldErrorMessage);
  }
}
const withSpec = (spec: JSONSchemaProps): JSONSchemaProps => ({ type: 'object', properties: { spec } });

describe('structural schema checks', () => {
  it('requires a type everywhere except under int-or-string and preserve-unknown-fields', () => {
    assert.deepEqual(
      problems({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }),
      [`${P}.properties[spec].type: Required value: must not be empty for specified object fields`],
    );
    assert.deepEqual(problems(withSpec({ type: 'array', items: {} })), [
      `${P}.properties[spec].items.type: Required value: must not be empty for specified array items`,
    ]);
    assert.deepEqual(problems(withSpec({ type: 'array' })), [
      `${P}.properties[spec].items: Required value: must be specified`,
    ]);
    assert.deepEqual(
      problems(
        withSpec({
          type: 'object',
          properties: {
            port: { 'x-kubernetes-int-or-string': true },
            any: { 'x-kubernetes-preserve-unknown-fields': true },
          },
        }),
      ),
      [],
    );
    assert.deepEqual(problems({ properties: {} }), [
      `${P}.type: Required value: must not be empty at the root`,
    ]);
  });

  it('forbids additionalProperties with properties and value validations that specify types', () => {
    assert.deepEqual(
      problems(
        withSpec({
          type: 'object',
          properties: { a: { type: 'string' } },
          additionalProperties: { type: 'string' },
        }),
      ),
      [
        `${P}.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
      ],
    );
    assert.deepEqual(
      problems(
        withSpec({
          type: 'object',
          properties: { a: { type: 'string' } },
          anyOf: [
            { type: 'object', description: 'x', properties: { a: { type: 'string' } } },
            { required: ['b'] },
          ],
        }),
      ),
      [
        `${P}.properties[spec].anyOf[0].description: Forbidden: must be empty to be structural`,
        `${P}.properties[spec].anyOf[0].properties[a].type: Forbidden: must be empty to be structural`,
        `${P}.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural`,
      ],
    );
  });

  it('allows the int-or-string anyOf pattern and requires value-validation properties to exist', () => {
    assert.deepEqual(
      problems(
        withSpec({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }),
      ),
      [],
    );
    assert.deepEqual(
      problems({
        type: 'object',
        properties: { spec: { type: 'object' } },
        oneOf: [{ properties: { other: { maxLength: 3 } } }],
      }),
      [`${P}.properties[other]: Required value: because it is defined in ${P}.oneOf[0].properties[other]`],
    );
  });

  it('lets root metadata constrain only name and generateName', () => {
    assert.deepEqual(
      problems({
        type: 'object',
        properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } } },
      }),
      [],
    );
    assert.deepEqual(
      problems(
        {
          type: 'object',
          properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } },
        },
        { definitionChecks: 'crd' },
      ),
      [
        `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      ],
    );
    assert.deepEqual(problems({ type: 'object', properties: { kind: { type: 'integer' } } }), [
      `${P}.properties[kind].type: Invalid value: "integer": must be string`,
    ]);
  });

  it('checks embedded resources and extension combinations', () => {
    assert.deepEqual(
      problems(
        withSpec({
          type: 'object',
          properties: { t: { type: 'string', 'x-kubernetes-embedded-resource': true } },
        }),
      ),
      [
        `${P}.properties[spec].properties[t].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
        `${P}.properties[spec].properties[t].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true`,
      ],
    );
    assert.deepEqual(
      problems(
        withSpec({
          type: 'object',
          properties: { t: { type: 'object', 'x-kubernetes-embedded-resource': true } },
        }),
      ),
      [
        `${P}.properties[spec].properties[t].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
      ],
    );
    assert.deepEqual(problems(withSpec({ type: 'object', uniqueItems: true })), [
      `${P}.properties[spec].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
    ]);
    assert.deepEqual(
      problems(
        withSpec({ type: 'object', nullable: false, properties: { a: { type: 'string', pattern: '(' } } }),
      ),
      [
        `${P}.properties[spec].properties[a].pattern: Invalid value: "(": must be a valid regular expression, but isn't: error parsing regexp: missing closing ): \`(\``,
      ],
    );
  });

  it('checks list-type and map-list declarations', () => {
    assert.deepEqual(
      problems(
        withSpec({
          type: 'object',
          properties: {
            m: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name', 'missing'],
              items: { type: 'object', properties: { name: { type: 'string' } } },
            },
            s: { type: 'object', 'x-kubernetes-list-type': 'set' },
          },
        }),
      ),
      [
        `${P}.properties[spec].properties[m].x-kubernetes-list-map-keys: Invalid value: ["name","missing"]: entries must all be names of item properties`,
        `${P}.properties[spec].properties[m].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
        `${P}.properties[spec].properties[s].type: Invalid value: "object": must be array if x-kubernetes-list-type is specified`,
      ],
    );
  });
});

describe('defaults in the schema', () => {
  it('must validate against their schema and be pruned', () => {
    assert.deepEqual(
      problems(
        withSpec({
          type: 'object',
          properties: {
            n: { type: 'integer', minimum: 1, default: 0 },
            s: { type: 'string', default: 5 },
            o: { type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 'y' } },
          },
        }),
      ),
      [
        `${P}.properties[spec].properties[n].default: Invalid value: 0:  in body should be greater than or equal to 1`,
        `${P}.properties[spec].properties[s].default: Invalid value: "integer":  in body must be of type string: "integer"`,
        `${P}.properties[spec].properties[o].default: Invalid value: map[string]interface {}{"a":"x", "b":"y"}: must not have unknown fields`,
      ],
    );
  });

  it('must satisfy the rules of their node, and are forbidden in top-level metadata', () => {
    assert.deepEqual(
      problems(
        withSpec({
          type: 'object',
          properties: {
            n: {
              type: 'integer',
              default: 3,
              'x-kubernetes-validations': [{ rule: 'self < 3', message: 'too big' }],
            },
          },
        }),
      ),
      [`${P}.properties[spec].properties[n].default: Invalid value: "integer": too big`],
    );
    assert.deepEqual(
      problems({ type: 'object', properties: { metadata: { type: 'object', default: { name: 'x' } } } }),
      [`${P}.properties[metadata].default: Forbidden: must not be set in top-level metadata`],
    );
  });
});

describe('root of a schema with the status subresource', () => {
  it('allows only a few keywords', () => {
    assert.deepEqual(
      problems(
        { type: 'object', properties: {}, nullable: true },
        { statusEnabled: true, fieldPath: 'x' },
      ).slice(0, 1),
      [
        'x: Invalid value: {"type":"object","properties":{},"nullable":true}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled',
      ],
    );
  });
});

describe('built-in kinds', () => {
  it('trusts schemas whose root metadata declares ObjectMeta fields (only rules and patterns must compile)', () => {
    const builtin: JSONSchemaProps = {
      type: 'object',
      properties: {
        metadata: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        spec: {
          type: 'object',
          properties: {
            list: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['k'],
              items: { type: 'object', properties: { k: { type: 'string' } } },
            },
          },
        },
      },
    };
    assert.deepEqual(problems(builtin), []);
    assert.equal(problems(builtin, { definitionChecks: 'crd' }).length, 2);
  });
});
