import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { JSONSchemaProps, KubeObject, ValidationRule } from '../registry/resource-definition.js';
import { compileSchema } from './compiled-schema.js';
import { isSchemaCompileError } from './field-errors.js';

/** A CR schema whose `spec` carries the given properties and rules. */
function crSchema(spec: JSONSchemaProps): JSONSchemaProps {
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec,
    },
  };
}
const cr = (spec: unknown, name = 'w1'): KubeObject => ({
  apiVersion: 'test.example.com/v1',
  kind: 'Widget',
  metadata: { name },
  spec,
});
const specRules = (
  properties: Record<string, JSONSchemaProps>,
  rules: ValidationRule[],
): JSONSchemaProps => ({
  type: 'object',
  properties,
  'x-kubernetes-validations': rules,
});
const messages = (schema: JSONSchemaProps, obj: KubeObject, old?: KubeObject): string[] =>
  compileSchema(schema).validate(obj, old).map(fieldErrorMessage);

describe('x-kubernetes-validations', () => {
  it('reports `failed rule: <rule>` or the message at the rule node, with the node type as the value', () => {
    const schema = crSchema(
      specRules({ min: { type: 'integer' }, max: { type: 'integer' } }, [
        { rule: 'self.min <= self.max' },
        { rule: 'self.max < 100', message: 'max must be below 100' },
      ]),
    );
    assert.deepEqual(messages(schema, cr({ min: 1, max: 2 })), []);
    assert.deepEqual(messages(schema, cr({ min: 300, max: 200 })), [
      'spec: Invalid value: "object": failed rule: self.min <= self.max',
      'spec: Invalid value: "object": max must be below 100',
    ]);
  });

  it('compares JSON integers as CEL ints (int arithmetic, int literals, size())', () => {
    const schema = crSchema(
      specRules({ replicas: { type: 'integer' }, items: { type: 'array', items: { type: 'string' } } }, [
        { rule: 'self.replicas + 1 == 4' },
        { rule: 'self.replicas % 2 == 1' },
        { rule: 'size(self.items) == self.replicas' },
        { rule: 'type(self.replicas) == int' },
      ]),
    );
    assert.deepEqual(messages(schema, cr({ replicas: 3, items: ['a', 'b', 'c'] })), []);
  });

  it('supports reason and fieldPath', () => {
    const schema = crSchema(
      specRules({ a: { type: 'string' }, b: { type: 'object', properties: { c: { type: 'string' } } } }, [
        { rule: 'has(self.a)', reason: 'FieldValueRequired', message: 'a is required', fieldPath: '.a' },
        {
          rule: "self.b.c != 'x'",
          reason: 'FieldValueForbidden',
          message: 'c must not be x',
          fieldPath: '.b.c',
        },
        { rule: "self.b.c != 'x'", reason: 'FieldValueDuplicate', message: 'ignored' },
      ]),
    );
    const errs = compileSchema(schema).validate(cr({ b: { c: 'x' } }));
    assert.deepEqual(
      errs.map((e) => [e.type, fieldErrorMessage(e)]),
      [
        ['FieldValueRequired', 'spec.a: Required value: a is required'],
        ['FieldValueForbidden', 'spec.b.c: Forbidden: c must not be x'],
        ['FieldValueDuplicate', 'spec: Duplicate value: "object"'],
      ],
    );
  });

  it('uses messageExpression when it evaluates to a usable string', () => {
    const schema = crSchema(
      specRules({ n: { type: 'integer' } }, [
        { rule: 'self.n < 5', messageExpression: "'n is ' + string(self.n) + ', want < 5'" },
        { rule: 'self.n < 6', message: 'fallback', messageExpression: "''" },
      ]),
    );
    assert.deepEqual(messages(schema, cr({ n: 9 })), [
      'spec: Invalid value: "object": n is 9, want < 5',
      'spec: Invalid value: "object": fallback',
    ]);
  });

  it('runs rules on leaves, list items (with index paths) and map values (with key paths)', () => {
    const schema = crSchema({
      type: 'object',
      properties: {
        name: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: "self.startsWith('w-')", message: 'must start with w-' }],
        },
        args: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string' } },
            'x-kubernetes-validations': [{ rule: "self.name != ''", message: 'name must not be empty' }],
          },
          'x-kubernetes-validations': [
            {
              rule: 'self.all(x, self.exists_one(y, x.name == y.name))',
              message: 'extraArgs name must be unique',
            },
          ],
        },
        labels: {
          type: 'object',
          additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() < 4' }] },
        },
      },
    });
    assert.deepEqual(
      messages(
        schema,
        cr({ name: 'x', args: [{ name: 'a' }, { name: 'a' }, { name: '' }], labels: { k: 'long' } }),
      ),
      [
        'spec.name: Invalid value: "string": must start with w-',
        'spec.args: Invalid value: "array": extraArgs name must be unique',
        'spec.args[2]: Invalid value: "object": name must not be empty',
        'spec.labels[k]: Invalid value: "string": failed rule: self.size() < 4',
      ],
    );
  });

  it('exposes apiVersion, kind and metadata.name/generateName at the root', () => {
    const schema: JSONSchemaProps = {
      ...crSchema({ type: 'object', properties: { prefix: { type: 'string' } } }),
      'x-kubernetes-validations': [
        { rule: 'self.metadata.name.startsWith(self.spec.prefix)', message: 'bad name' },
      ],
    };
    assert.deepEqual(messages(schema, cr({ prefix: 'w' })), []);
    assert.deepEqual(messages(schema, cr({ prefix: 'z' })), [': Invalid value: "object": bad name']);
  });

  it('runs transition rules only on update and only when the old value exists', () => {
    const schema = crSchema({
      type: 'object',
      properties: {
        immutable: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable is immutable' }],
        },
        counter: {
          type: 'integer',
          'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'counter may not decrease' }],
        },
      },
    });
    assert.deepEqual(messages(schema, cr({ immutable: 'a', counter: 5 })), []);
    assert.deepEqual(
      messages(schema, cr({ immutable: 'b', counter: 4 }), cr({ immutable: 'a', counter: 5 })),
      [
        'spec.immutable: Invalid value: "string": immutable is immutable',
        'spec.counter: Invalid value: "integer": counter may not decrease',
      ],
    );
    // no old value at that path: not evaluated
    assert.deepEqual(messages(schema, cr({ immutable: 'b' }), cr({ counter: 1 })), []);
  });

  it('evaluates optionalOldSelf rules on create with oldSelf = optional.none()', () => {
    const schema = crSchema({
      type: 'object',
      properties: {
        mode: {
          type: 'string',
          'x-kubernetes-validations': [
            {
              rule: "oldSelf.hasValue() ? oldSelf.value() == self : self == 'initial'",
              optionalOldSelf: true,
              message: 'must start as initial and never change',
            },
          ],
        },
      },
    });
    assert.deepEqual(messages(schema, cr({ mode: 'initial' })), []);
    assert.deepEqual(messages(schema, cr({ mode: 'other' })), [
      'spec.mode: Invalid value: "string": must start as initial and never change',
    ]);
    assert.deepEqual(messages(schema, cr({ mode: 'other' }), cr({ mode: 'other' })), []);
    assert.deepEqual(messages(schema, cr({ mode: 'x' }), cr({ mode: 'other' })).length, 1);
  });

  it('correlates map-list items by key for oldSelf; other lists have no old items', () => {
    const schema = crSchema({
      type: 'object',
      properties: {
        byName: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, v: { type: 'integer' } },
            'x-kubernetes-validations': [{ rule: 'self.v >= oldSelf.v', message: 'v may not decrease' }],
          },
        },
      },
    });
    assert.deepEqual(
      messages(
        schema,
        cr({
          byName: [
            { name: 'b', v: 1 },
            { name: 'a', v: 1 },
          ],
        }),
        cr({
          byName: [
            { name: 'a', v: 2 },
            { name: 'b', v: 1 },
          ],
        }),
      ),
      ['spec.byName[1]: Invalid value: "object": v may not decrease'],
    );
  });

  it('ratchets non-transition rule failures on values an update left unchanged', () => {
    const schema = crSchema({
      type: 'object',
      properties: {
        a: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != 'bad'" }] },
        b: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != 'bad'" }] },
      },
    });
    assert.deepEqual(messages(schema, cr({ a: 'bad', b: 'bad' }), cr({ a: 'bad', b: 'ok' })), [
      `spec.b: Invalid value: "string": failed rule: self != 'bad'`,
    ]);
  });

  it('skips rules when the object has blocking schema errors', () => {
    const schema = crSchema(
      specRules({ n: { type: 'integer' }, color: { type: 'string', enum: ['red'] } }, [
        { rule: 'self.n > 0' },
      ]),
    );
    assert.deepEqual(messages(schema, cr({ n: 0, color: 'blue' })), [
      'spec.color: Unsupported value: "blue": supported values: "red"',
      ': Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('reports runtime errors with the rule', () => {
    const schema = crSchema(specRules({ a: { type: 'string' } }, [{ rule: "self.a == 'x'" }]));
    assert.deepEqual(messages(schema, cr({})), [
      `spec: Invalid value: "object": no such key: a evaluating rule: self.a == 'x'`,
    ]);
  });

  it('converts formats: date-time to timestamp, duration to duration, int-or-string to int or string', () => {
    const schema = crSchema(
      specRules(
        {
          at: { type: 'string', format: 'date-time' },
          every: { type: 'string', format: 'duration' },
          size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        },
        [
          { rule: "self.at > timestamp('2020-01-01T00:00:00Z')" },
          { rule: "self.every > duration('1m')" },
          {
            rule: "type(self.size) == int ? self.size > 2 : quantity(self.size).isGreaterThan(quantity('1Gi'))",
          },
        ],
      ),
    );
    assert.deepEqual(messages(schema, cr({ at: '2024-05-01T00:00:00Z', every: '90s', size: 3 })), []);
    assert.deepEqual(messages(schema, cr({ at: '2024-05-01T00:00:00Z', every: '1h', size: '2Gi' })), []);
    assert.equal(messages(schema, cr({ at: '2019-05-01T00:00:00Z', every: '30s', size: '1Mi' })).length, 3);
  });

  it('stops a hostile rule at the time budget', () => {
    const schema = crSchema({
      type: 'object',
      properties: {
        xs: {
          type: 'array',
          items: { type: 'integer' },
          'x-kubernetes-validations': [{ rule: 'self.all(a, self.all(b, self.all(c, a + b + c >= 0)))' }],
        },
      },
    });
    const compiled = compileSchema(schema, { validationTimeoutMs: 100 });
    const started = Date.now();
    const errs = compiled
      .validate(cr({ xs: Array.from({ length: 2000 }, (_, i) => i) }))
      .map(fieldErrorMessage);
    assert.ok(Date.now() - started < 2000, 'evaluation was not interrupted');
    assert.deepEqual(errs, [
      'spec.xs: Invalid value: "array": validation failed due to running out of cost budget, no further validation rules will be run',
    ]);
  });

  it('stops a catastrophic regular expression at the time budget', () => {
    const schema = crSchema(specRules({ s: { type: 'string' } }, [{ rule: "self.s.matches('^(a+)+$')" }]));
    const errs = compileSchema(schema, { validationTimeoutMs: 100 }).validate(
      cr({ s: `${'a'.repeat(40)}!` }),
    );
    assert.equal(errs.length, 1);
    assert.match(errs[0]!.detail, /running out of cost budget/);
  });
});

describe('rule compilation', () => {
  const compileErrors = (schema: JSONSchemaProps): string[] => {
    try {
      compileSchema(schema);
      return [];
    } catch (err) {
      assert.ok(isSchemaCompileError(err));
      return err.errors.map(fieldErrorMessage);
    }
  };

  it('rejects syntax errors, unknown functions and undefined fields', () => {
    const errs = compileErrors(
      crSchema(
        specRules({ a: { type: 'string' } }, [
          { rule: 'self.a ==' },
          { rule: 'self.a.frobnicate()' },
          { rule: "self.b == 'x'" },
        ]),
      ),
    );
    assert.equal(errs.length, 3);
    assert.match(
      errs[0]!,
      /^spec\.validation\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: apiextensions\.ValidationRule\{Rule:"self\.a ==", .*\}: compilation failed: ERROR: <input>:1:\d+: Syntax error: /,
    );
    assert.match(
      errs[1]!,
      /x-kubernetes-validations\[1\]\.rule: .*compilation failed: ERROR: <input>:1:1: found no matching overload/,
    );
    assert.equal(
      errs[2]!.split(': compilation failed: ')[1],
      "ERROR: <input>:1:5: undefined field 'b'\n | self.b == 'x'\n | ....^",
    );
  });

  it('rejects oldSelf below atomic lists and optionalOldSelf without oldSelf', () => {
    const errs = compileErrors(
      crSchema({
        type: 'object',
        properties: {
          list: {
            type: 'array',
            items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] },
          },
          x: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != ''", optionalOldSelf: true }] },
        },
      }),
    );
    assert.deepEqual(errs, [
      'spec.validation.openAPIV3Schema.properties[spec].properties[list].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within spec.validation.openAPIV3Schema.properties[spec].properties[list]',
      'spec.validation.openAPIV3Schema.properties[spec].properties[x].x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule',
    ]);
  });

  it('checks rule declarations (empty rule, line breaks, reason, fieldPath)', () => {
    const errs = compileErrors(
      crSchema(
        specRules({ a: { type: 'string' } }, [
          { rule: ' ' },
          { rule: 'true', message: 'two\nlines' },
          { rule: 'true', reason: 'Nope' as 'FieldValueInvalid' },
          { rule: 'true', fieldPath: '.nope' },
        ]),
      ),
    );
    const base = 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations';
    assert.deepEqual(errs, [
      `${base}[0].rule: Required value: rule is not specified`,
      `${base}[1].message: Invalid value: "two\\nlines": must not contain line breaks`,
      `${base}[2].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      `${base}[3].fieldPath: Invalid value: ".nope": must be a valid path`,
    ]);
  });
});

describe('CEL library', () => {
  const check = (rule: string, value: unknown, type: JSONSchemaProps = { type: 'string' }): string[] =>
    messages(
      crSchema({ type: 'object', properties: { v: { ...type, 'x-kubernetes-validations': [{ rule }] } } }),
      cr({ v: value }),
    );

  const cases: [string, unknown, JSONSchemaProps?][] = [
    ["self.matches('^[a-z]+$') && self.contains('b') && self.endsWith('c') && self.startsWith('a')", 'abc'],
    ["self.lowerAscii() == 'abc' && self.upperAscii() == 'ABC' && self.trim() == 'AbC'", ' AbC '.trim()],
    [
      "self.split(',').size() == 2 && ['a', 'b'].join('-') == 'a-b' && self.replace(',', ';') == 'a;b'",
      'a,b',
    ],
    [
      "self.charAt(1) == 'b' && self.indexOf('c') == 2 && self.substring(1) == 'bc' && self.reverse() == 'cba'",
      'abc',
    ],
    ["self.find('[0-9]+') == '12' && self.findAll('[0-9]') == ['1', '2', '3']", 'a12b3'],
    ["'%s has %d items'.format([self, 2]) == 'x has 2 items' && strings.quote(self) == '\"x\"'", 'x'],
    [
      'self.isSorted() && self.sum() == 6 && self.min() == 1 && self.max() == 3 && self.indexOf(2) == 1',
      [1, 2, 3],
      { type: 'array', items: { type: 'integer' } },
    ],
    [
      'self.exists(x, x > 2) && self.filter(x, x > 1).size() == 2 && self.map(x, x * 2)[2] == 6',
      [1, 2, 3],
      { type: 'array', items: { type: 'integer' } },
    ],
    [
      "self.all(k, k.startsWith('a')) && 'ab' in self && self['ab'] == 'x'",
      { ab: 'x' },
      { type: 'object', additionalProperties: { type: 'string' } },
    ],
    [
      'sets.contains(self, [1]) && sets.intersects(self, [3, 9]) && !sets.equivalent(self, [1])',
      [1, 2, 3],
      { type: 'array', items: { type: 'integer' } },
    ],
    [
      "isURL(self) && url(self).getHostname() == 'example.com' && url(self).getScheme() == 'https'",
      'https://example.com:8443/p',
    ],
    [
      "isIP(self) && ip(self).family() == 4 && cidr('10.0.0.0/8').containsIP(self) && ip.isCanonical(self)",
      '10.1.2.3',
    ],
    [
      "isQuantity(self) && quantity(self).isGreaterThan(quantity('1Gi')) && quantity('1Ki').asInteger() == 1024",
      '2Gi',
    ],
    [
      "!format.dns1123Label().validate(self).hasValue() && format.named('qualifiedName').hasValue()",
      'my-name',
    ],
    ["isSemver(self, true) && semver(self, true).isLessThan(semver('1.31.0'))", 'v1.30'],
    ['math.greatest(1, 2, 3) == 3 && math.least([4, 2]) == 2 && math.abs(-2) == 2', 'x'],
    ["base64.decode(self) == b'hi' && base64.encode(b'hi') == self", 'aGk='],
    ['cel.bind(n, self.size(), n == 3)', 'abc'],
  ];
  for (const [rule, value, type] of cases) {
    it(`evaluates ${rule}`, () => assert.deepEqual(check(rule, value, type), []));
  }
});
