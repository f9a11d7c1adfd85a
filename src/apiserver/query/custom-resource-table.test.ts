import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../registry/resource-definition.js';
import {
  buildCustomResourceTable,
  customResourceTablePrinter,
  DEFAULT_CUSTOM_RESOURCE_COLUMNS,
  type PrinterColumn,
} from './custom-resource-table.js';
import { buildDefaultTable } from './default-table.js';
import {
  OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION,
  OBJECT_META_NAME_DESCRIPTION,
  parseIncludeObject,
} from './table.js';

const now = new Date('2024-05-01T12:00:00Z');

function widget(name: string, spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'test.example.com/v1',
    kind: 'Widget',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '42',
      creationTimestamp: '2024-05-01T11:55:00Z',
      labels: { app: 'demo' },
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
    },
    spec,
    ...extra,
  };
}

const widgetColumns: PrinterColumn[] = [
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

describe('buildCustomResourceTable: a Widget CRD with Replicas and Age', () => {
  const objects = [widget('w1', { replicas: 3 }), widget('w2', {})];
  const table = buildCustomResourceTable({
    columns: widgetColumns,
    objects,
    now,
    listMeta: { resourceVersion: '100', continue: '', remainingItemCount: undefined },
  });

  it('is a meta.k8s.io/v1 Table with the list metadata', () => {
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '100' });
  });

  it('has Name first, then the printer columns with upstream descriptions', () => {
    assert.deepEqual(table.columnDefinitions, [
      {
        name: 'Name',
        type: 'string',
        format: 'name',
        description: OBJECT_META_NAME_DESCRIPTION,
        priority: 0,
      },
      {
        name: 'Replicas',
        type: 'integer',
        format: '',
        description: 'Custom resource definition column (in JSONPath format): .spec.replicas',
        priority: 0,
      },
      {
        name: 'Age',
        type: 'date',
        format: '',
        description: 'Custom resource definition column (in JSONPath format): .metadata.creationTimestamp',
        priority: 0,
      },
    ]);
    assert.ok(OBJECT_META_NAME_DESCRIPTION.startsWith('Name must be unique within a namespace.'));
  });

  it('fills cells: name, integer, age; a missing value is null', () => {
    assert.deepEqual(
      table.rows.map((r) => r.cells),
      [
        ['w1', 3, '5m'],
        ['w2', null, '5m'],
      ],
    );
  });

  it('carries PartialObjectMetadata by default', () => {
    assert.deepEqual(table.rows[0]?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: objects[0]?.metadata,
    });
    assert.notEqual(table.rows[0]?.object?.metadata, objects[0]?.metadata, 'metadata is copied');
  });

  it('serialises as kubectl expects', () => {
    const json = JSON.parse(JSON.stringify(table)) as { rows: { cells: unknown[] }[] };
    assert.deepEqual(json.rows[1]?.cells, ['w2', null, '5m']);
  });
});

describe('includeObject', () => {
  const obj = widget('w1', { replicas: 1 });
  it('Object embeds the whole object, None nothing', () => {
    const full = buildCustomResourceTable({
      columns: widgetColumns,
      objects: [obj],
      now,
      includeObject: 'Object',
    });
    assert.equal(full.rows[0]?.object, obj);
    const none = buildCustomResourceTable({
      columns: widgetColumns,
      objects: [obj],
      now,
      includeObject: 'None',
    });
    assert.deepEqual(none.rows[0], { cells: ['w1', 1, '5m'] });
    assert.equal('object' in (none.rows[0] ?? {}), false);
  });

  it('parses the query parameter, defaulting to Metadata', () => {
    assert.equal(parseIncludeObject(null), 'Metadata');
    assert.equal(parseIncludeObject(''), 'Metadata');
    assert.equal(parseIncludeObject('Object'), 'Object');
    assert.equal(parseIncludeObject('None'), 'None');
    assert.throws(
      () => parseIncludeObject('All'),
      (err: unknown) =>
        err instanceof Error &&
        'code' in err &&
        err.code === 400 &&
        err.message === 'unrecognized includeObject value: "All"',
    );
  });

  it('drops column definitions for noHeaders', () => {
    const t = buildCustomResourceTable({
      columns: widgetColumns,
      objects: [obj],
      now,
      withColumnDefinitions: false,
    });
    assert.deepEqual(t.columnDefinitions, []);
    assert.equal(t.rows.length, 1);
  });
});

describe('printer columns with priority > 0 (shown by -o wide)', () => {
  const columns: PrinterColumn[] = [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Node', type: 'string', jsonPath: '.status.nodeRef.name', priority: 1, format: 'name' },
    { name: 'Version', type: 'string', jsonPath: '.spec.version', priority: 10 },
  ];
  const machine: KubeObject = {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Machine',
    metadata: { name: 'm1', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: { version: 'v1.32.0' },
    status: {
      phase: 'Running',
      nodeRef: { name: 'node-1' },
      conditions: [
        { type: 'Available', status: 'False' },
        { type: 'Ready', status: 'True' },
      ],
    },
  };
  const table = buildCustomResourceTable({ columns, objects: [machine], now });

  it('keeps priority, format and the given description', () => {
    assert.deepEqual(
      table.columnDefinitions.map((c) => [c.name, c.priority, c.format, c.description]),
      [
        ['Name', 0, 'name', OBJECT_META_NAME_DESCRIPTION],
        ['Phase', 0, '', 'Lifecycle phase'],
        [
          'Ready',
          0,
          '',
          'Custom resource definition column (in JSONPath format): .status.conditions[?(@.type=="Ready")].status',
        ],
        ['Node', 1, 'name', 'Custom resource definition column (in JSONPath format): .status.nodeRef.name'],
        ['Version', 10, '', 'Custom resource definition column (in JSONPath format): .spec.version'],
      ],
    );
  });

  it('evaluates filters per object', () => {
    assert.deepEqual(table.rows[0]?.cells, ['m1', 'Running', 'True', 'node-1', 'v1.32.0']);
  });
});

describe('cell conversion (tableconvertor cellForJSONValue)', () => {
  const obj = widget('w', {
    int: 3,
    float: 2.7,
    negFloat: -2.7,
    big: 1e20,
    bool: true,
    str: 'text',
    list: [5, 6],
    map: { b: 2, a: '<x>' },
    nil: null,
    date: '2024-05-01T09:00:00Z',
    future: '2024-05-01T12:00:01Z',
    farFuture: '2024-05-01T12:00:05Z',
    badDate: 'yesterday',
    emptyDate: '',
    offsetDate: '2024-05-01T13:00:00+02:00',
    strs: ['x', 'y'],
    conditions: [{ type: 'Ready', status: 'True' }],
  });
  const cases: [PrinterColumn['type'], string, unknown][] = [
    ['integer', '.spec.int', 3],
    ['integer', '.spec.float', 2],
    ['integer', '.spec.negFloat', -2],
    ['integer', '.spec.big', -9223372036854775808],
    ['integer', '.spec.str', null],
    ['integer', '.spec.bool', null],
    ['integer', '.spec.list', null],
    ['integer', '.spec.list[*]', 5],
    ['integer', '.spec.nil', null],
    ['number', '.spec.int', 3],
    ['number', '.spec.float', 2.7],
    ['number', '.spec.str', null],
    ['boolean', '.spec.bool', true],
    ['boolean', '.spec.str', null],
    ['boolean', '.spec.int', null],
    ['string', '.spec.str', 'text'],
    ['string', '.spec.int', '3'],
    ['string', '.spec.float', '2.7'],
    ['string', '.spec.big', '1e+20'],
    ['string', '.spec.bool', 'true'],
    ['string', '.spec.map', '{"a":"\\u003cx\\u003e","b":2}'],
    ['string', '.spec.list', '[5,6]'],
    ['string', '.spec.strs[*]', 'x'],
    ['string', '.spec.nil', '<no value>'],
    ['string', '.spec.missing', null],
    ['string', '.spec.conditions[?(@.type=="Ready")].status', 'True'],
    ['string', '.spec.conditions[?(@.type=="Gone")].status', null],
    ['string', '.spec.int[0]', null],
    ['string', '.spec.str.*', '116'],
    ['date', '.spec.date', '3h'],
    ['date', '.spec.offsetDate', '60m'],
    ['date', '.spec.future', '0s'],
    ['date', '.spec.farFuture', '<invalid>'],
    ['date', '.spec.badDate', '<invalid>'],
    ['date', '.spec.emptyDate', '<unknown>'],
    ['date', '.spec.int', null],
    ['date', '.spec.nil', null],
    ['date', '.metadata.creationTimestamp', '5m'],
  ];
  for (const [type, jsonPath, expected] of cases) {
    it(`${type} ${jsonPath} → ${JSON.stringify(expected)}`, () => {
      const printer = customResourceTablePrinter([{ name: 'C', type, jsonPath }]);
      assert.deepEqual(printer.cells(obj, now), ['w', expected]);
    });
  }
});

describe('default and invalid columns', () => {
  it('serves a single Age column when the version defines none', () => {
    for (const columns of [[], undefined]) {
      const table = buildCustomResourceTable({ columns, objects: [widget('w1', {})], now });
      assert.deepEqual(table.columnDefinitions[1], {
        name: 'Age',
        type: 'date',
        format: '',
        description: OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION,
        priority: 0,
      });
      assert.equal(table.columnDefinitions.length, 2);
      assert.deepEqual(table.rows[0]?.cells, ['w1', '5m']);
    }
    assert.equal(DEFAULT_CUSTOM_RESOURCE_COLUMNS[0]?.jsonPath, '.metadata.creationTimestamp');
  });

  it('an object without a creationTimestamp has a null Age', () => {
    const table = buildCustomResourceTable({ columns: [], objects: [{ metadata: { name: 'x' } }], now });
    assert.deepEqual(table.rows[0]?.cells, ['x', null]);
  });

  it('stops at a column whose JSONPath does not parse, as upstream does', () => {
    const printer = customResourceTablePrinter([
      { name: 'Good', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Bad', type: 'string', jsonPath: '.spec[' },
      { name: 'Later', type: 'string', jsonPath: '.spec.x' },
    ]);
    assert.equal(printer.error, 'unrecognized column definition ".spec["');
    assert.deepEqual(
      printer.columns.map((c) => c.name),
      ['Name', 'Good'],
    );
    assert.deepEqual(printer.cells(widget('w', { replicas: 2 }), now), ['w', 2]);
  });
});

describe('buildDefaultTable (apiserver rest/table.go)', () => {
  it('has Name and Created At, the latter an RFC 3339 UTC date', () => {
    const table = buildDefaultTable({
      objects: [
        { metadata: { name: 'a', creationTimestamp: '2024-05-01T13:00:00.123+02:00' } },
        { metadata: { name: 'b' } },
      ],
      now,
      listMeta: { resourceVersion: '7', continue: 'tok', remainingItemCount: 3 },
    });
    assert.deepEqual(table.columnDefinitions, [
      {
        name: 'Name',
        type: 'string',
        format: 'name',
        description: OBJECT_META_NAME_DESCRIPTION,
        priority: 0,
      },
      {
        name: 'Created At',
        type: 'date',
        format: '',
        description: OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION,
        priority: 0,
      },
    ]);
    assert.deepEqual(
      table.rows.map((r) => r.cells),
      [
        ['a', '2024-05-01T11:00:00Z'],
        ['b', '0001-01-01T00:00:00Z'],
      ],
    );
    assert.deepEqual(table.metadata, { resourceVersion: '7', continue: 'tok', remainingItemCount: 3 });
    assert.deepEqual(table.rows[1]?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { name: 'b' },
    });
  });

  it('an empty list has no rows', () => {
    assert.deepEqual(buildDefaultTable({ objects: [], now }).rows, []);
  });
});
